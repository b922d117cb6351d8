/// <reference lib="dom" />
// The web app at /, driven in Debian's Chromium against the real server: every flow of the issue,
// screenshots, accessibility (axe-core), keyboard use, narrow screens and layout stability.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import {
  api,
  fixture,
  GOOD_PASSWORD,
  register,
  startServer,
  upload,
  uniqueUsername,
  type TestServer,
  onBackend,
} from '../testkit/index.js';
import { buildWebApp, chromiumMissing, launchChromium } from '../testkit/browser.js';

const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TOKEN_KEY = 'image-api:token';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };

/** `SCREENSHOT_DIR=docs/screenshots` (npm run screenshots) refreshes the README's pictures; otherwise a temp dir. */
const screenshotDir = process.env.SCREENSHOT_DIR ?? (await mkdtemp(join(tmpdir(), 'image-api-screens-')));

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Console errors other than the browser's note about a 4xx the app expected and showed. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()))
      errors.push(message.text());
  });
  return errors;
}

async function serious(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`);
}

async function allThumbnailsLoaded(page: Page, count: number): Promise<void> {
  await page.waitForFunction((expected) => {
    const images = [...document.querySelectorAll<HTMLImageElement>('.grid img')];
    return images.length === expected && images.every((image) => image.complete && image.naturalWidth > 0 && image.closest('.loaded'));
  }, count);
}

async function screenshot(page: Page, name: string, viewport: { width: number; height: number }): Promise<void> {
  await page.setViewportSize(viewport);
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(screenshotDir, name), animations: 'disabled' });
}

describe(onBackend('web app in Chromium'), { skip: chromiumMissing }, () => {
  let server: TestServer;
  let base: string;
  let browser: Browser;

  before(async () => {
    buildWebApp();
    await mkdir(screenshotDir, { recursive: true });
    server = await startServer();
    base = server.base;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signedInContext(token: string, options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: DESKTOP, ...options });
    await context.addInitScript(([key, value]) => sessionStorage.setItem(key, value), [TOKEN_KEY, token] as const);
    return context;
  }

  test('the whole flow: sign up, upload (one refused), thumbnails, detail, replace, delete, token, sign out', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    // Any violation of the page's Content-Security-Policy (inline script or style, a foreign origin, a Trusted Types sink).
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const username = uniqueUsername('web');

    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('12345678');
    await page.getByRole('button', { name: 'Create account' }).click();
    // The server's reason, next to the field it concerns, and the field marked invalid.
    await page.getByText('This password is entirely numeric.').waitFor();
    assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Your images' }).waitFor();
    await page.getByText('No images yet').waitFor();
    const token = await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY);
    assert.match(token ?? '', /^[0-9a-f]{40}$/);
    assert.ok(!page.url().includes(token!), 'the token is never in a URL');

    // Hold the images back, to see the placeholders and check that nothing moves when they arrive.
    let releaseMedia!: () => void;
    const mediaHeld = new Promise<void>((resolve) => (releaseMedia = resolve));
    await page.route('**/media/**', async (route) => {
      await mediaHeld;
      await route.continue();
    });

    // Three fixtures through the picker, one broken file dropped on the drop zone.
    await page
      .getByLabel('Choose images')
      .setInputFiles([fixture('exif-canon-40d.jpg'), fixture('photo.webp'), fixture('Landscape_3.jpg')]);
    const broken = [...(await readFile(fixture('truncated.png')))];
    const dataTransfer = await page.evaluateHandle((bytes) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], 'truncated.png', { type: 'image/png' }));
      return transfer;
    }, broken);
    await page.dispatchEvent('.dropzone', 'drop', { dataTransfer });

    await page.waitForFunction(() => document.querySelectorAll('.uploads li.done, .uploads li.failed').length === 4);
    assert.equal(await page.locator('.uploads li.done').count(), 3);
    assert.equal(await page.locator('.uploads li.done').getByRole('link', { name: 'Open' }).count(), 3);
    const refused = page.locator('.uploads li.failed');
    assert.equal(await refused.locator('.upload-name').textContent(), 'truncated.png');
    assert.match(
      (await refused.locator('.upload-status').textContent()) ?? '',
      /^Upload a valid image\. The file you uploaded was either not an image or a corrupted image\.$/,
    );
    await page.getByText('3 images').waitFor();

    const tiles = page.locator('.grid .tile');
    assert.equal(await tiles.count(), 3);
    for (const name of ['exif-canon-40d.jpg', 'photo.webp', 'Landscape_3.jpg']) {
      const image = page.getByRole('img', { name, exact: true });
      assert.equal(await image.getAttribute('loading'), 'lazy');
      assert.match((await image.getAttribute('srcset')) ?? '', /w=200&h=200&fit=cover.* 200w, .*w=480&fit=inside.* \d+w/);
    }
    // Before the bytes arrive: the blurred ThumbHash over the dominant colour, in the final box.
    const waiting = await tiles.evaluateAll((links) =>
      links.map((link) => ({ placeholder: getComputedStyle(link).backgroundImage, loaded: link.classList.contains('loaded') })),
    );
    assert.ok(
      waiting.every((tile) => tile.placeholder.startsWith('url("data:image/png;base64,') && !tile.loaded),
      JSON.stringify(waiting),
    );
    const boxesBefore = await tiles.evaluateAll((links) => links.map((link) => link.getBoundingClientRect().toJSON() as object));
    releaseMedia();
    await allThumbnailsLoaded(page, 3);
    assert.deepEqual(
      await tiles.evaluateAll((links) => links.map((link) => link.getBoundingClientRect().toJSON() as object)),
      boxesBefore,
      'no layout jump when images load',
    );
    await page.unroute('**/media/**');
    await screenshot(page, 'gallery-desktop.png', DESKTOP);
    await screenshot(page, 'gallery-375.png', PHONE);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'gallery-dark-375.png', PHONE);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize(DESKTOP);

    // The camera summary of the Canon photo.
    await page.getByRole('link', { name: 'exif-canon-40d.jpg' }).click();
    await page.getByRole('heading', { name: 'exif-canon-40d.jpg' }).waitFor();
    await page.getByText('Canon EOS 40D').waitFor();
    await page.getByText('1/160 s, f/7.1, ISO 100, 135 mm').waitFor();
    await page.getByRole('link', { name: '← All images' }).click();

    await page.getByRole('link', { name: 'photo.webp' }).click();
    await page.getByRole('heading', { name: 'photo.webp' }).waitFor();
    await page.getByText('1024 × 772 px').waitFor();
    const photoId = Number(/^#\/images\/(\d+)$/.exec(new URL(page.url()).hash)![1]);
    const original = await page.getByLabel('Original', { exact: true }).inputValue();
    assert.ok(original.startsWith(`${base}/media/`), original);
    assert.equal((await fetch(original)).status, 200, 'the copied link works outside the app');
    for (const preset of ['thumb (200×200, cropped)', 'small (480 wide)']) {
      assert.match(await page.getByLabel(preset, { exact: true }).inputValue(), new RegExp(`^${base}/media/\\d+/${photoId}\\?w=`));
    }
    // The image is 1024 wide: presets of 1024 and 2048 would give it back as it is, and are not offered.
    assert.equal(await page.getByLabel(/^(medium|large) \(/).count(), 0);
    await page.waitForFunction(() => document.querySelector('.picture')?.classList.contains('loaded'));
    await screenshot(page, 'detail-desktop.png', DESKTOP);
    await screenshot(page, 'detail-375.png', PHONE);
    await page.setViewportSize(DESKTOP);

    // A refused replacement changes nothing and says why; an accepted one shows the new image.
    await page.getByLabel('Replace…').setInputFiles(fixture('truncated.png'));
    await page.getByText('truncated.png was not accepted: Upload a valid image.').waitFor();
    await page.getByText('1024 × 772 px').waitFor();
    await page.getByLabel('Replace…').setInputFiles(fixture('alpha.png'));
    await page.getByText('Replaced with alpha.png.').waitFor();
    await page.getByRole('heading', { name: 'alpha.png' }).waitFor();
    await page.getByText('256 × 192 px').waitFor();
    assert.equal((await fetch(original)).status, 403, 'the old link died with the replace');
    assert.equal((await api(base, `/images/${photoId}/`, { token: token! })).body.filename, 'alpha.png');

    // Delete asks first; Cancel keeps the image.
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete alpha.png?' });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'focus starts on the safe choice');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await api(base, `/images/${photoId}/`, { token: token! })).status, 200);
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Deleted alpha.png.').waitFor();
    await page.getByRole('heading', { name: 'Your images' }).waitFor();
    await allThumbnailsLoaded(page, 2);
    assert.equal((await api(base, `/images/${photoId}/`, { token: token! })).status, 404);
    await page.getByText('2 images').waitFor();

    // The token: shown on request, regenerated after a warning; the old one is refused by the API.
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    const field = page.getByRole('textbox', { name: 'API token' });
    assert.equal(await field.getAttribute('type'), 'password');
    assert.equal(await field.inputValue(), token);
    await page.getByRole('button', { name: 'Show API token' }).click();
    assert.equal(await field.getAttribute('type'), 'text');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.getByRole('button', { name: 'Copy API token' }).click();
    await page.getByText('Copied', { exact: true }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
    await page.getByRole('button', { name: 'Regenerate token' }).click();
    await page.getByRole('dialog').getByText('The current token stops working at once').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Regenerate token' }).click();
    await page.getByText('A new token was created. The old one no longer works.').waitFor();
    const fresh = await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY);
    assert.notEqual(fresh, token);
    assert.equal(await field.inputValue(), fresh);
    assert.equal((await api(base, '/images/', { token: token! })).status, 401);
    assert.equal((await api(base, '/images/', { token: fresh! })).status, 200);

    // Sign out: the token leaves the tab; the gallery needs signing in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByText('You are signed out.').waitFor();
    assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY), null);
    await page.goto(`${base}/#/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.deepEqual(await page.evaluate(() => [localStorage.length, document.cookie]), [0, '']);

    // And back in, with the images where they were.
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await allThumbnailsLoaded(page, 2);
    assert.deepEqual(errors, []);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations), []);
    await context.close();
  });

  test("the page's policy stops injected markup and script (what would read the token)", async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const outcome = await page.evaluate(async () => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (event) => violations.push(event.violatedDirective));
      const attempts: string[] = [];
      try {
        document.body.insertAdjacentHTML('beforeend', '<img src="x" onerror="window.pwned = 1">');
        attempts.push('innerHTML accepted');
      } catch {
        attempts.push('innerHTML refused');
      }
      const script = document.createElement('script');
      try {
        script.textContent = 'window.pwned = 2';
        document.body.append(script);
        attempts.push('inline script inserted');
      } catch {
        attempts.push('inline script refused');
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { attempts, violations, pwned: (window as unknown as { pwned?: number }).pwned ?? null };
    });
    assert.equal(outcome.pwned, null);
    assert.deepEqual(outcome.attempts, ['innerHTML refused', 'inline script refused']);
    assert.ok(outcome.violations.includes('require-trusted-types-for'), JSON.stringify(outcome));
    await context.close();
  });

  test('a token revoked elsewhere sends the tab back to sign-in with the reason', async () => {
    const token = await register(base);
    const context = await signedInContext(token);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Your images' }).waitFor();
    assert.equal((await api(base, '/regenerateToken/', { token })).status, 200);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByText('Your token is no longer valid').waitFor();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await context.close();
  });

  test('"keep me signed in": a deep link survives sign-in, tabs and reloads stay signed in, signing out reaches all', async () => {
    const username = uniqueUsername('keep');
    const token = await register(base, username);
    const small = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const image = (await upload(base, token, small, { filename: 'small-one.png' })).body;
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const errors = watchErrors(page);

    // A shared deep link, opened signed out: sign in, and the page asked for is where it lands.
    await page.goto(`${base}/#/images/${image.id}`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByText('image-api keeps your images private').waitFor();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await page.getByLabel('Keep me signed in on this device').check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'small-one.png' }).waitFor();
    assert.ok(page.url().endsWith(`#/images/${image.id}`), page.url());
    assert.equal(await page.evaluate((key) => localStorage.getItem(key), TOKEN_KEY), token);
    assert.ok(!page.url().includes(token), 'the token is never in a URL');

    // One unit system (binary, as the README and the CLI), presets that would only enlarge are not
    // offered (a 300-px image gets thumb, nothing 480 or wider), and markup ready to paste.
    const size = await page.locator('dt:text-is("Size") + dd').textContent();
    assert.match(size ?? '', /^\d+(\.\d+)? (B|KiB)$/);
    const links = await page.locator('.links label').allTextContents();
    assert.ok(links.includes('Original'), links.join(' | '));
    assert.ok(
      links.some((label) => label.startsWith('thumb')),
      links.join(' | '),
    );
    assert.ok(!links.some((label) => /^(small|medium|large)/.test(label)), links.join(' | '));
    const html = await page.getByLabel('HTML', { exact: true }).inputValue();
    assert.match(html, /^<img src="[^"]+" srcset="[^"]*" sizes="[^"]+" width="300" height="200" alt="small-one\.png" loading="lazy">$/);
    assert.match(await page.getByLabel('Markdown', { exact: true }).inputValue(), /^!\[small-one\.png\]\(http/);

    // Another tab, then a reload: still signed in; the grid shows names.
    const second = await context.newPage();
    await second.goto(`${base}/`);
    await second.getByRole('heading', { name: 'Your images' }).waitFor();
    assert.equal(await second.locator('.tile-name').first().textContent(), 'small-one.png');
    await second.reload();
    await second.getByRole('heading', { name: 'Your images' }).waitFor();

    // Signing out in one tab signs out the other.
    await second.getByRole('button', { name: 'Sign out' }).click();
    await second.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate((key) => localStorage.getItem(key), TOKEN_KEY), null);
    // Without the box ticked, the token stays with the tab only (the default, for shared computers).
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your images' }).waitFor();
    assert.deepEqual(await page.evaluate((key) => [sessionStorage.getItem(key) !== null, localStorage.getItem(key)], TOKEN_KEY), [
      true,
      null,
    ]);
    const third = await context.newPage();
    await third.goto(`${base}/`);
    await third.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the subject: click it on the detail page, see it marked and the presets previewed around it, clear it', async () => {
    const token = await register(base);
    // A red square low on the left of a wide picture: a square crop at the centre misses it, one around the subject keeps it
    // (25×25 red pixels at the preset's quarter scale).
    const red = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const bytes = await sharp({ create: { width: 1200, height: 400, channels: 3, background: '#88aacc' } })
      .composite([{ input: red, left: 100, top: 250 }])
      .png()
      .toBuffer();
    const image = (await upload(base, token, bytes, { filename: 'subject.png' })).body;
    const made = await api(base, '/presets/', {
      method: 'POST',
      token,
      json: { name: 'square', params: 'w=100&h=100&fit=cover&position=focal&format=png' },
    });
    assert.equal(made.status, 201, made.text);
    const context = await signedInContext(token);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${base}/#/images/${image.id}`);
    await page.getByText('No subject set: crops keep the centre.').waitFor();
    // The previews are rendered only when asked for.
    assert.equal(await page.locator('img[alt="The square preset"]').evaluate((element) => (element as HTMLImageElement).src), '');
    await page.getByText('Presets', { exact: true }).click();
    // Red pixels in the preview of the user's preset, once it has loaded.
    const redInPreview = () =>
      page.getByRole('img', { name: 'The square preset' }).evaluate(async (element) => {
        const preview = element as HTMLImageElement;
        await preview.decode();
        const canvas = document.createElement('canvas');
        canvas.width = preview.naturalWidth;
        canvas.height = preview.naturalHeight;
        const context2d = canvas.getContext('2d')!;
        context2d.drawImage(preview, 0, 0);
        const { data } = context2d.getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i]! > 200 && data[i + 1]! < 60 && data[i + 2]! < 60) count++;
        return { count, source: preview.src };
      });
    assert.equal((await redInPreview()).count, 0, 'the centre crop misses the square');
    // Every preview in place before the picture is measured (they move the layout while they load).
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.preset-preview')].every((image) => image.complete));
    await page.getByRole('button', { name: 'Set the subject' }).click();
    await page.locator('.picture').scrollIntoViewIfNeeded();
    const box = (await page.locator('.picture').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.125, box.y + box.height * 0.75);
    await page.getByText('Subject saved: crops with position=focal keep it.').waitFor();
    await page.locator('.focal-marker').waitFor();
    const point = (await api(base, `/images/${image.id}/`, { token })).body.focal_point;
    assert.ok(Math.abs(point.x - 0.125) < 0.02 && Math.abs(point.y - 0.75) < 0.02, JSON.stringify(point));
    await page.getByText('Subject at 13 % across, 75 % down.').waitFor();
    await page.waitForFunction(() =>
      (document.querySelector('img[alt="The square preset"]') as HTMLImageElement | null)?.src.startsWith('blob:'),
    );
    const after = await redInPreview();
    assert.ok(after.count > 500, `the preview now keeps the subject (${after.count} red pixels from ${after.source})`);
    await page.getByRole('button', { name: 'Clear the subject' }).click();
    await page.getByText('Subject cleared.').waitFor();
    assert.equal((await api(base, `/images/${image.id}/`, { token })).body.focal_point, null);
    assert.equal(await page.locator('.focal-marker').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the empty gallery says what to do: the drop zone, the formats, the size limit', async () => {
    const token = await register(base);
    const context = await signedInContext(token);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByText('No images yet').waitFor();
    const text = (await page.locator('div.empty').textContent()) ?? '';
    assert.match(text, /JPEG, PNG, WebP, GIF \(animated too\), AVIF or TIFF, up to \d+(\.\d+)? MiB each/);
    await context.close();
  });

  test('a thumbnail whose signed link was refused (expired) asks the API for fresh links once, then loads', async () => {
    const token = await register(base);
    assert.equal((await upload(base, token, fixture('photo.webp'))).status, 201);
    const context = await signedInContext(token);
    const page = await context.newPage();
    const refused = new Set<string>();
    await page.route('**/media/**', async (route) => {
      const url = new URL(route.request().url());
      url.searchParams.delete('sig');
      url.searchParams.delete('exp');
      if (refused.has(url.search)) return route.continue();
      refused.add(url.search);
      await route.fulfill({ status: 403, contentType: 'application/json', body: '{"detail": "This link is invalid or has expired."}' });
    });
    const renewals: string[] = [];
    page.on('request', (request) => {
      if (/\/images\/1\/$/.test(request.url())) renewals.push(request.url());
    });
    await page.goto(`${base}/`);
    await allThumbnailsLoaded(page, 1);
    assert.equal(renewals.length, 1);
    await context.close();
  });

  test('an upload the server is too busy for (503 + Retry-After) is sent again after the wait', async () => {
    const token = await register(base);
    const context = await signedInContext(token);
    const page = await context.newPage();
    let refusals = 0;
    await page.route('**/images/', async (route) => {
      if (route.request().method() !== 'POST' || refusals > 0) return route.continue();
      refusals++;
      await route.fulfill({
        status: 503,
        headers: { 'retry-after': '1' },
        contentType: 'application/json',
        body: '{"detail": "The server is busy processing images. Try again shortly."}',
      });
    });
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Your images' }).waitFor();
    await page.getByLabel('Choose images').setInputFiles(fixture('photo.webp'));
    await page.getByText('The server is busy: trying again in 1 s…').waitFor();
    await page.locator('.uploads li.done').waitFor();
    assert.equal(refusals, 1);
    await allThumbnailsLoaded(page, 1);
    await context.close();
  });

  test('changing the password on the account page replaces the token; a wrong current password is shown at its field', async () => {
    const username = uniqueUsername('pw');
    const token = await register(base, username);
    const context = await signedInContext(token);
    const page = await context.newPage();
    await page.goto(`${base}/#/account`);
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password').fill('another fine passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your old password was entered incorrectly. Please enter it again.').waitFor();
    assert.equal(await page.getByLabel('Current password').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Current password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    const fresh = await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY);
    assert.notEqual(fresh, token);
    assert.equal(await page.getByRole('textbox', { name: 'API token' }).inputValue(), fresh);
    assert.equal((await api(base, '/me/', { token })).status, 401);
    const login = await api(base, '/api-token-auth/', { method: 'POST', json: { username, password: 'another fine passphrase' } });
    assert.deepEqual(login.body, { token: fresh });
    await context.close();
  });

  test('API keys page: create a key with chosen scopes (secret shown once, copied), use it, revoke it', async () => {
    const token = await register(base);
    const image = (await upload(base, token, fixture('alpha.png'))).body;
    const context = await signedInContext(token);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await context.newPage();
    await page.goto(`${base}/#/keys`);
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByText('No keys yet.').waitFor();
    await page.getByLabel('Name').fill('blog build');
    assert.equal(await page.getByRole('checkbox', { name: /images:read/ }).isChecked(), true, 'reading is offered by default');
    await page.getByRole('checkbox', { name: /images:write/ }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('blog build was created. Copy the key now: it is shown only this once.').waitFor();
    const secret = await page.getByRole('textbox', { name: 'New API key' }).inputValue();
    assert.match(secret, /^imk_[A-Za-z0-9_-]{43}$/);
    await page.getByRole('button', { name: 'Copy New API key' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    const listed = page.getByRole('list', { name: 'Your API keys' });
    await listed.getByText('blog build', { exact: true }).waitFor();
    await listed.getByText('images:read, images:write').waitFor();
    assert.ok(!(await listed.textContent())!.includes(secret), 'the list shows the prefix, not the secret');
    // The key works from outside the app, within its scopes.
    assert.equal((await api(base, '/images/', { authorization: `Bearer ${secret}` })).status, 200);
    const refused = await api(base, `/images/${image.id}/`, { method: 'DELETE', authorization: `Bearer ${secret}` });
    assert.deepEqual([refused.status, refused.body], [403, { detail: 'This key lacks the scope images:delete.' }]);
    await page.reload();
    await listed.getByText('blog build', { exact: true }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'New API key' }).count(), 0, 'shown only once: gone after a reload');
    await listed.getByText(/never used|last used/).waitFor();
    await page.getByRole('button', { name: 'Revoke blog build' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('blog build was revoked.').waitFor();
    assert.equal((await api(base, '/images/', { authorization: `Bearer ${secret}` })).status, 401);
    await context.close();
  });

  test('paging: 70 images arrive 60 at a time as the grid scrolls, newest first', async () => {
    const token = await register(base);
    const png = await readFile(fixture('tiny-2x2.png'));
    for (let i = 1; i <= 70; i++) assert.equal((await upload(base, token, png, { filename: `p${i}.png` })).status, 201);
    const context = await signedInContext(token);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Your images' }).waitFor();
    const names = () => page.locator('.grid img').evaluateAll((images) => images.map((image) => image.getAttribute('alt')));
    assert.equal((await names()).length, 60);
    assert.equal((await names())[0], 'p70.png');
    await page.getByRole('button', { name: 'Load more images' }).scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelectorAll('.grid li').length === 70);
    await page.getByRole('button', { name: 'Load more images' }).waitFor({ state: 'hidden' });
    assert.deepEqual((await names()).slice(-2), ['p2.png', 'p1.png']);
    await context.close();
  });

  test('keyboard only: skip link, reach a thumbnail, open it, close the dialog with Escape', async () => {
    const token = await register(base);
    assert.equal((await upload(base, token, fixture('photo.webp'))).status, 201);
    const context = await signedInContext(token);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await allThumbnailsLoaded(page, 1);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    const focusable: string[] = [];
    for (let i = 0; i < 24; i++) {
      await page.keyboard.press('Tab');
      const label = await page.evaluate(() => {
        const element = document.activeElement as HTMLElement;
        const outline = getComputedStyle(element).outlineStyle;
        return `${element.tagName}:${element.getAttribute('href') ?? (element as HTMLInputElement).type ?? ''}:${outline}`;
      });
      focusable.push(label);
      if (label.startsWith('A:#/images/')) break;
    }
    // The file picker is reachable, and every focused element shows a focus ring.
    assert.ok(
      focusable.some((label) => label.startsWith('INPUT:file')),
      focusable.join(' '),
    );
    assert.ok(
      focusable.every((label) => !label.endsWith(':none') || label.startsWith('INPUT:file')),
      focusable.join(' '),
    );
    assert.ok(focusable.at(-1)!.startsWith('A:#/images/1'), focusable.join(' '));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'photo.webp' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moves to the new page');
    await page.getByRole('button', { name: 'Delete' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    assert.equal((await api(base, '/images/1/', { token })).status, 200);
    await context.close();
  });

  test('organizing: bulk tags, tag chip and word search, details, albums reordered by keyboard and drag, trash and restore', async () => {
    const token = await register(base);
    for (const name of ['alpha.png', 'photo.webp', 'tiny-2x2.png']) assert.equal((await upload(base, token, fixture(name))).status, 201);
    const context = await signedInContext(token);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${base}/`);
    await allThumbnailsLoaded(page, 3);

    // Multi-select and a bulk action.
    await page.getByRole('checkbox', { name: 'Select alpha.png' }).check();
    await page.getByRole('checkbox', { name: 'Select photo.webp' }).check();
    await page.getByText('2 images selected').waitFor();
    await page.getByRole('textbox', { name: 'Tags' }).fill('Trip, summer');
    await page.getByRole('button', { name: 'Add tags' }).click();
    await page.getByText('Tagged 2 images.').waitFor();
    assert.deepEqual(
      (await api(base, '/images/?tag=trip', { token })).body.map((image: { id: number }) => image.id),
      [1, 2],
    );

    // Finding: a tag chip, then words.
    await page.reload();
    await allThumbnailsLoaded(page, 3);
    await page.getByRole('button', { name: 'trip (2)' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.grid li').length === 2);
    assert.equal(await page.getByRole('button', { name: 'trip (2)' }).getAttribute('aria-pressed'), 'true');
    await page.getByRole('searchbox', { name: 'Search' }).fill('photo');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('.grid li').length === 1);
    assert.equal(await page.locator('.grid img').getAttribute('alt'), 'photo.webp');

    // Details on the image's page.
    await page.goto(`${base}/#/images/2`);
    await page.getByRole('heading', { name: 'photo.webp' }).waitFor();
    await page.getByRole('textbox', { name: 'Title' }).fill('Harbour at dusk');
    await page.getByRole('textbox', { name: 'Tags' }).fill('trip, harbour');
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.getByText('Details saved.').waitFor();
    await page.getByRole('heading', { name: 'Harbour at dusk' }).waitFor();
    const saved = (await api(base, '/images/2/', { token })).body;
    assert.deepEqual([saved.title, saved.tags], ['Harbour at dusk', ['trip', 'harbour']]);
    await page.getByRole('textbox', { name: 'Tags' }).fill('bad#tag');
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.getByText(/may contain only letters, digits/).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Tags' }).getAttribute('aria-invalid'), 'true');

    // Albums: create one, add the selected images from the gallery, reorder with the keyboard.
    await page.goto(`${base}/#/albums`);
    // The image page has a Title field too: wait for the albums page.
    await page.getByRole('heading', { name: 'Albums' }).waitFor();
    await page.getByRole('textbox', { name: 'Title' }).fill('Holiday');
    await page.getByRole('button', { name: 'Create album' }).click();
    await page.getByRole('heading', { name: 'Holiday' }).waitFor();
    await page.goto(`${base}/#/`);
    await allThumbnailsLoaded(page, 3);
    for (const name of ['Select alpha.png', 'Select Harbour at dusk', 'Select tiny-2x2.png'])
      await page.getByRole('checkbox', { name }).check();
    await page.getByRole('combobox', { name: 'Album' }).selectOption({ label: 'Holiday' });
    await page.getByRole('button', { name: 'Add to album' }).click();
    await page.getByText('Added 3 images to the album.').waitFor();
    await page.goto(`${base}/#/albums/1`);
    const order = () => page.locator('.album-images li').evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-id'))));
    await page.locator('.album-images li').nth(2).waitFor();
    assert.deepEqual(await order(), [1, 2, 3], 'in the order they were selected');
    await page.getByRole('button', { name: 'Move tiny-2x2.png up' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Moved tiny-2x2.png to position 2 of 3.').waitFor();
    assert.deepEqual(await order(), [1, 3, 2]);
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
      'Move tiny-2x2.png up',
      'focus follows the item',
    );
    const stored = (await api(base, '/albums/1/images/', { token })).body.map((image: { id: number }) => image.id);
    assert.deepEqual(stored, [1, 3, 2]);
    await page.locator('.album-images li[data-id="2"]').dragTo(page.locator('.album-images li[data-id="1"]'));
    await page.waitForFunction(() => document.querySelector('.album-images li')?.getAttribute('data-id') === '2');
    await page.getByText(/Moved Harbour at dusk to position 1/).waitFor();
    assert.deepEqual(
      (await api(base, '/albums/1/images/', { token })).body.map((image: { id: number }) => image.id),
      [2, 1, 3],
    );

    // Trash and restore.
    await page.goto(`${base}/#/images/3`);
    await page.getByRole('button', { name: 'Move to trash' }).click();
    await page.getByText(/Moved to the trash/).waitFor();
    await page.goto(`${base}/#/trash`);
    await page.getByRole('button', { name: 'Restore tiny-2x2.png' }).click();
    await page.getByText('Restored tiny-2x2.png.').waitFor();
    assert.equal((await api(base, '/images/3/', { token })).body.trashed_at, null);
    await page
      .getByText('The trash is empty.')
      .waitFor({ state: 'detached' })
      .catch(() => undefined);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('share dialog: a link with a view limit from the image page, its public page, views, revoke; an album shared too', async () => {
    const token = await register(base);
    assert.equal((await upload(base, token, fixture('alpha.png'))).status, 201);
    const context = await signedInContext(token);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${base}/#/images/1`);
    await page.getByRole('textbox', { name: 'For whom' }).fill('Ana');
    await page.getByRole('spinbutton', { name: 'View limit' }).fill('3');
    await page.getByRole('checkbox', { name: 'Allow downloading the original' }).check();
    await page.getByRole('button', { name: 'Create link' }).click();
    await page.getByText('Ana was created. Copy the link now: it is shown only this once.').waitFor();
    const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
    assert.match(link, /\/s\/[A-Za-z0-9_-]{32}$/);
    assert.match(await page.getByRole('textbox', { name: 'HTML to embed' }).inputValue(), /^<a href="/);

    // The recipient: no account, another browser context.
    const visitor = await browser.newContext();
    const publicPage = await visitor.newPage();
    await publicPage.goto(link);
    await publicPage.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
    assert.equal(await publicPage.title(), 'Shared image', 'an untitled image');
    assert.match(String(await publicPage.getByRole('link', { name: 'Download' }).getAttribute('href')), /\/s\/[\w-]{32}\/1\/download$/);
    assert.deepEqual(await serious(publicPage), []);
    await page.reload();
    await page.getByText('1 view of 3').waitFor();
    await page.getByRole('button', { name: 'Revoke Ana' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke link' }).click();
    await page.getByText('Ana was revoked.').waitFor();
    assert.equal((await publicPage.reload())?.status(), 404);
    await visitor.close();

    await api(base, '/albums/', { method: 'POST', token, json: { title: 'Shared album' } });
    await api(base, '/albums/1/images/', { method: 'POST', token, json: { ids: [1] } });
    await page.goto(`${base}/#/albums/1`);
    // The image page has a Create link button too: wait for the album's.
    await page.getByRole('heading', { name: 'Shared album' }).waitFor();
    await page.getByRole('button', { name: 'Create link' }).click();
    const albumLink = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
    const albumJson = await api(base, new URL(albumLink).pathname, { headers: { accept: 'application/json' } });
    assert.deepEqual([albumJson.body.title, albumJson.body.images.length], ['Shared album', 1]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a signed link loads in an <img> on another site's page (Cross-Origin-Resource-Policy: cross-origin)", async () => {
    const token = await register(base);
    const image = (await upload(base, token, fixture('alpha.png'))).body as { url: string; variants: Record<string, string> };
    // Another site: a page served from 127.0.0.2 (loopback), embedding links of the server at 127.0.0.1.
    const page = `<!doctype html><title>blog</title><img id="a" src="${image.url}"><img id="b" src="${image.variants.thumb}">`;
    const blog = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => blog.listen(0, '127.0.0.2', resolve));
    const context = await browser.newContext();
    try {
      const tab = await context.newPage();
      await tab.goto(`http://127.0.0.2:${(blog.address() as AddressInfo).port}/`);
      await tab.waitForFunction(() => [...document.images].every((img) => img.complete));
      const widths = await tab.evaluate(() => [...document.images].map((img) => img.naturalWidth));
      assert.deepEqual(widths, [256, 200], 'both the original and a variant load on another site');
      const response = await api(base, new URL(image.url).pathname + new URL(image.url).search);
      assert.equal(response.headers.get('cross-origin-resource-policy'), 'cross-origin');
      const own = await api(base, '/images/1/', { token });
      assert.equal(own.headers.get('cross-origin-resource-policy'), 'same-site', 'the API keeps the stricter policy');
    } finally {
      await context.close();
      blog.close();
    }
  });

  test('axe-core finds no serious violation on any page, light and dark; 320 px wide needs no sideways scrolling', async () => {
    const token = await register(base);
    assert.equal((await upload(base, token, fixture('exif-canon-40d.jpg'))).status, 201);
    assert.equal((await upload(base, token, fixture('alpha.png'))).status, 201);
    assert.equal((await upload(base, token, fixture('tiny-2x2.png'))).status, 201);
    await api(base, '/images/1/', { method: 'PATCH', token, json: { tags: ['trip', 'canon'], title: 'A title' } });
    await api(base, '/albums/', { method: 'POST', token, json: { title: 'Album' } });
    await api(base, '/albums/1/images/', { method: 'POST', token, json: { ids: [1, 2] } });
    await api(base, '/images/3/trash', { method: 'POST', token });
    const pages: [string, boolean, (page: Page) => Promise<unknown>][] = [
      ['#/signin', false, (page) => page.getByRole('heading', { name: 'Sign in' }).waitFor()],
      ['#/signup', false, (page) => page.getByRole('heading', { name: 'Create an account' }).waitFor()],
      ['#/', true, (page) => allThumbnailsLoaded(page, 2)],
      ['#/images/1', true, (page) => page.getByText('Canon EOS 40D').waitFor()],
      ['#/account', true, (page) => page.getByRole('textbox', { name: 'API token' }).waitFor()],
      ['#/keys', true, (page) => page.getByRole('button', { name: 'Create key' }).waitFor()],
      ['#/albums', true, (page) => page.getByRole('button', { name: 'Create album' }).waitFor()],
      ['#/albums/1', true, (page) => page.getByRole('button', { name: 'Move A title down' }).waitFor()],
      ['#/trash', true, (page) => page.getByRole('button', { name: 'Restore tiny-2x2.png' }).waitFor()],
      [
        '#/ (selected)',
        true,
        async (page) => {
          await allThumbnailsLoaded(page, 2);
          await page.getByRole('checkbox', { name: 'Select A title' }).check();
          await page.getByText('1 image selected').waitFor();
        },
      ],
      [
        '#/images/2 (delete dialog)',
        true,
        async (page) => {
          await page.getByText('256 × 192 px').waitFor();
          await page.getByRole('button', { name: 'Delete' }).click();
          await page.getByRole('dialog').waitFor();
        },
      ],
    ];
    const found: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const viewport of [DESKTOP, { width: 320, height: 640 }]) {
        for (const [hash, signedIn, ready] of pages) {
          const context = signedIn
            ? await signedInContext(token, { colorScheme, viewport })
            : await browser.newContext({ colorScheme, viewport });
          const page = await context.newPage();
          await page.goto(`${base}/${hash.split(' ')[0]}`);
          await ready(page);
          found.push(...(await serious(page)).map((violation) => `${hash} ${colorScheme} ${viewport.width}px: ${violation}`));
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          if (overflow > 0) found.push(`${hash} ${colorScheme} ${viewport.width}px: ${overflow} px of sideways scrolling`);
          await context.close();
        }
      }
    }
    assert.deepEqual(found, []);
  });
});

// The benchmark starts its own server on the default backend: once is enough.
const benchSkip =
  chromiumMissing || (process.env.TEST_BACKEND === 'postgres' && 'the benchmark runs its own SQLite server: covered by the SQLite run');
test('page-load benchmark smoke run (npm run bench:web -- --quick)', { skip: benchSkip }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'image-api-bench-web-'));
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '..', 'bench', 'web.ts'), '--quick', '--out', out],
    { encoding: 'utf8', timeout: 180_000 },
  );
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const report = await readFile(join(out, 'web-performance.quick.md'), 'utf8');
  for (const row of ['First contentful paint', 'Gallery rendered', 'Visually complete', 'Cumulative layout shift'])
    assert.match(report, new RegExp(`\\| ${row}[^|]*\\| [\\d.]+( ms)? \\| [\\d.]+( ms)? \\|`), row);
});

test('without a built app, / is the API root for browsers too', async () => {
  const server = await startServer({}, undefined, { webDir: await mkdtemp(join(tmpdir(), 'image-api-no-web-')) });
  try {
    const root = await api(server.base, '/', { headers: { accept: 'text/html' } });
    assert.equal(root.status, 200);
    assert.equal(root.body.images, `${server.base}/images/`);
    assert.equal((await api(server.base, '/assets/app.js')).status, 404);
  } finally {
    await server.close();
  }
});

describe(onBackend('GET / and the app assets over HTTP'), () => {
  let server: TestServer;
  let base: string;

  before(async () => {
    buildWebApp();
    server = await startServer();
    base = server.base;
  });

  after(() => server?.close());

  test('API clients get the API root; browsers get the page with a strict policy', async () => {
    for (const accept of [undefined, '*/*', 'application/json', 'application/json, */*;q=0.5', 'text/html;q=0.5, application/json']) {
      const response = await api(base, '/', { headers: accept ? { accept } : {} });
      assert.equal(response.status, 200, String(accept));
      assert.equal(response.body.images, `${base}/images/`, String(accept));
      assert.equal(response.body.register, `${base}/register/`);
      assert.equal(response.headers.get('vary'), 'Accept');
    }
    const page = await fetch(`${base}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const policy = page.headers.get('content-security-policy') ?? '';
    assert.match(policy, /script-src 'self';/);
    assert.match(policy, /style-src 'self';/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https?:\/\/(?!127\.0\.0\.1)/);
    const html = await page.text();
    assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]|\son\w+=|style=/, 'no inline script, handler or style');
    assert.doesNotMatch(html, /https?:\/\//, 'nothing from another origin (no CDN, no web font)');
    const again = await fetch(`${base}/`, { headers: { accept: 'text/html', 'if-none-match': page.headers.get('etag')! } });
    assert.equal(again.status, 304);
    assert.equal((await api(base, '/', { method: 'POST' })).status, 405);
  });

  test('assets are fingerprinted, cached for a year, pre-compressed; the script is under 100 KB', async () => {
    const html = await (await fetch(`${base}/`, { headers: { accept: 'text/html' } })).text();
    const paths = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    assert.deepEqual(paths.map((path) => path.replace(/-[\w-]{12}\./, '-HASH.')).sort(), [
      '/assets/app-HASH.css',
      '/assets/app-HASH.js',
      '/assets/icon-HASH.svg',
      '/assets/icon-HASH.svg',
    ]);
    for (const path of new Set(paths)) {
      const plain = await fetch(`${base}${path}`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(plain.status, 200);
      assert.equal(plain.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(plain.headers.get('content-encoding'), null);
      const bytes = Buffer.from(await plain.arrayBuffer());
      if (path.endsWith('.js')) assert.ok(bytes.length < 100 * 1024, `${bytes.length} bytes of JavaScript`);
      // fetch() undoes the encoding: the same bytes come back, fewer went over the wire.
      const compressed = await fetch(`${base}${path}`, { headers: { 'accept-encoding': 'br' } });
      assert.equal(compressed.headers.get('content-encoding'), 'br');
      assert.ok(Buffer.from(await compressed.arrayBuffer()).equals(bytes));
      const revalidated = await fetch(`${base}${path}`, {
        headers: { 'accept-encoding': 'br', 'if-none-match': compressed.headers.get('etag')! },
      });
      assert.equal(revalidated.status, 304);
    }
    const unknown = await api(base, '/assets/app-000000000000.js');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { detail: 'Not found.' });
    assert.equal((await api(base, '/assets/..%2Fmanifest.json')).status, 404);
  });
});

describe(onBackend('web app: resumable uploads and adding from a URL'), { skip: chromiumMissing }, () => {
  let server: TestServer;
  let browser: Browser;
  let remote: import('node:http').Server;
  let remoteOrigin = '';
  let bigPng: Buffer;

  before(async () => {
    buildWebApp();
    server = await startServer({ OUTBOUND_ALLOW: '127.0.0.1/32', MAX_RESUMABLE_UPLOAD_BYTES: String(64 * 1024 * 1024) });
    browser = await launchChromium();
    const webp = await readFile(fixture('photo.webp'));
    remote = createServer((_request, response) => response.writeHead(200, { 'content-type': 'image/webp' }).end(webp));
    await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
    remoteOrigin = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;
    // Noise does not compress: 1400 × 1400 × 3 bytes is a PNG of about 5.9 MB, above the 5 MB resumable threshold.
    const sharp = (await import('sharp')).default;
    const { randomBytes } = await import('node:crypto');
    bigPng = await sharp(randomBytes(1400 * 1400 * 3), { raw: { width: 1400, height: 1400, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await new Promise<void>((resolve) => remote?.close(() => resolve()));
  });

  async function page(token: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: DESKTOP });
    await context.addInitScript(([key, value]) => sessionStorage.setItem(key, value), [TOKEN_KEY, token] as const);
    const opened = await context.newPage();
    await opened.goto(`${server.base}/`);
    await opened.getByRole('heading', { name: 'Your images' }).waitFor();
    return { context, page: opened };
  }

  test('a large file goes through tus in 5 MB chunks and resumes by itself after the connection drops', async () => {
    assert.ok(bigPng.length > 5 * 1024 * 1024, `${bigPng.length} bytes`);
    const token = await register(server.base);
    const { context, page: tab } = await page(token);
    const errors = watchErrors(tab);
    const requests: string[] = [];
    let dropped = 0;
    await tab.route('**/uploads/**', async (route) => {
      const request = route.request();
      requests.push(`${request.method()} ${request.headers()['upload-offset'] ?? ''}`);
      // The second chunk's first attempt: the connection is lost.
      if (request.method() === 'PATCH' && request.headers()['upload-offset'] !== '0' && dropped === 0) {
        dropped++;
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await tab.getByLabel('Choose images').setInputFiles({ name: 'noise.png', mimeType: 'image/png', buffer: bigPng });
    await tab.locator('.uploads li.done').waitFor({ timeout: 30_000 });
    assert.equal(dropped, 1);
    assert.ok(
      requests.some((line) => line.startsWith('HEAD')),
      `the client asked where to resume: ${requests.join(', ')}`,
    );
    assert.equal(requests.filter((line) => line === 'PATCH 0').length, 1, 'the first chunk was not sent again');
    const images = (await api(server.base, '/images/', { token })).body;
    assert.equal(images.length, 1);
    assert.equal(images[0].filename, 'noise.png');
    assert.equal(images[0].width, 1400);
    assert.deepEqual(
      errors.filter((error) => !/ERR_CONNECTION_RESET|net::ERR_FAILED/.test(error)),
      [],
    );
    await context.close();
  });

  test('a resumable upload can be paused and resumed', async () => {
    const token = await register(server.base);
    const { context, page: tab } = await page(token);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let patches = 0;
    await tab.route('**/uploads/**', async (route) => {
      if (route.request().method() === 'PATCH' && patches++ === 0) {
        await held;
        return route.continue().catch(() => undefined);
      }
      return route.continue();
    });
    await tab.getByLabel('Choose images').setInputFiles({ name: 'paused.png', mimeType: 'image/png', buffer: bigPng });
    await tab.getByRole('button', { name: 'Pause' }).click();
    await tab.locator('.uploads li .upload-status', { hasText: 'Paused' }).waitFor();
    release();
    await tab.getByRole('button', { name: 'Resume' }).click();
    await tab.locator('.uploads li.done').waitFor({ timeout: 30_000 });
    assert.equal((await api(server.base, '/images/', { token })).body.length, 1);
    await context.close();
  });

  test('webhooks page: add one (secret shown once), send a test event, see its delivery, redeliver it', async () => {
    const pings: string[] = [];
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        pings.push(String(request.headers['webhook-id']));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const token = await register(server.base);
      const { context, page: tab } = await page(token);
      await tab.goto(`${server.base}/#/webhooks`);
      await tab.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
      await tab.getByLabel('URL').fill(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
      await tab.getByRole('button', { name: 'Add webhook' }).click();
      const secret = await tab.getByRole('textbox', { name: 'Signing secret' }).inputValue();
      assert.match(secret, /^whsec_/);
      await tab.getByRole('button', { name: 'Send a test event' }).click();
      for (let i = 0; i < 100 && pings.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(pings.length, 1);
      await tab.getByRole('button', { name: 'Show deliveries' }).click();
      await tab.locator('.deliveries li.delivered', { hasText: 'ping' }).waitFor();
      await tab.getByRole('button', { name: 'Redeliver' }).click();
      for (let i = 0; i < 100 && pings.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(pings, [pings[0], pings[0]], 'the same event, again');
      assert.deepEqual(await serious(tab), []);
      await context.close();
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  test('add from a URL: fetched by the server; a refused address is shown with its reason', async () => {
    const token = await register(server.base);
    const { context, page: tab } = await page(token);
    await tab.getByLabel('Add from a URL').fill(`${remoteOrigin}/photo.webp`);
    await tab.getByRole('button', { name: 'Add', exact: true }).click();
    await tab.locator('.uploads li.done', { hasText: 'Added (1024 × 772)' }).waitFor();
    await tab.getByLabel('Add from a URL').fill(`http://127.0.0.2:${new URL(remoteOrigin).port}/photo.webp`);
    await tab.getByRole('button', { name: 'Add', exact: true }).click();
    await tab.locator('.uploads li.failed', { hasText: 'The address is a loopback address (127.0.0.2) and is not allowed.' }).waitFor();
    assert.equal((await api(server.base, '/images/', { token })).body.length, 1);
    await context.close();
  });
});
