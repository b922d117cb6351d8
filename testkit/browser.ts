// Debian's Chromium driven by playwright-core (never a downloaded browser), for the web app's tests and benchmark.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Skip reason when Chromium is missing; under CI its absence is a failure, not a skip. */
export const chromiumMissing = !existsSync(CHROMIUM) && !process.env.CI ? 'Chromium is not installed (apt-get install -y chromium)' : false;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** Builds web/ into dist/web/ when its sources changed (as `npm start` does), so tests serve the current sources. */
export function buildWebApp(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build-web.mjs'), '--if-stale', '--quiet'], {
    stdio: 'inherit',
  });
}
