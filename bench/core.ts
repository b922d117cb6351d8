/**
 * Core service figures: time from `npm start` to the first 200 on /readyz, idle RSS, and the
 * throughput of GET /images/<id>/ at 32 connections (autocannon). Run with `npm run bench`.
 * Options: --duration <seconds> (default 10).
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fixture, freePort, register, tempDataDir, upload } from '../test/helpers.js';

const ROOT = join(import.meta.dirname, '..');
const durationArg = process.argv.indexOf('--duration');
const duration = durationArg > 0 ? Number(process.argv[durationArg + 1]) : 10;

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

async function main(): Promise<void> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DATA_DIR: await tempDataDir(), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    let startupMs = 0;
    for (;;) {
      try {
        if ((await fetch(`${base}/readyz`)).status === 200) {
          startupMs = performance.now() - started;
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idleRss = await rssMiB(child.pid!);

    const token = await register(base);
    const image = (await upload(base, token, fixture('photo.webp'))).body;
    const result = await autocannon({
      url: `${base}/images/${image.id}/`,
      connections: 32,
      duration,
      headers: { authorization: `Token ${token}` },
    });
    const loadedRss = await rssMiB(child.pid!);

    const rows: [string, string][] = [
      ['machine', `${cpus().length} cores, Node ${process.version}`],
      ['npm start → first 200 on /readyz (dist already built)', `${startupMs.toFixed(0)} ms`],
      ['idle RSS', `${idleRss.toFixed(1)} MiB`],
      [`GET /images/<id>/, 32 connections, ${duration} s`, `${result.requests.average.toFixed(0)} req/s average, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`],
      ['non-2xx responses / errors', `${result.non2xx} / ${result.errors}`],
      ['RSS after the load', `${loadedRss.toFixed(1)} MiB`],
    ];
    for (const [name, value] of rows) console.log(`${name.padEnd(55)} ${value}`);
  } finally {
    child.kill('SIGTERM');
  }
}

await main();
