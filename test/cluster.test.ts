import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { api, GOOD_PASSWORD, register, startServerProcess, upload, type ServerProcess } from '../testkit/index.js';

/** The worker processes of a primary. */
function workersOf(primary: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(primary)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A login on a connection of its own, so that node:cluster hands each to the next worker. */
function loginOnNewConnection(base: string, username: string, password: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ username, password });
    const outgoing = request(
      `${base}/api-token-auth/`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('WORKERS=2: one port, several processes, one data directory', () => {
  const start = (env: Record<string, string> = {}) => startServerProcess({ WORKERS: '2', ...env });

  test('both workers serve; concurrent uploads and reads across them all succeed and agree', async () => {
    const server: ServerProcess = await start();
    try {
      await until('two workers', () => workersOf(server.child.pid!).length === 2);
      const token = await register(server.base);
      const pngs = await Promise.all(
        Array.from({ length: 16 }, (_, index) =>
          sharp({ create: { width: 32 + index, height: 32, channels: 3, background: { r: index * 15, g: 80, b: 160 } } })
            .png()
            .toBuffer(),
        ),
      );
      // Each on its own connection, all at once: both workers write to the same SQLite file.
      const uploaded = await Promise.all(
        pngs.map((png, index) => upload<{ id: number }>(server.base, token, png, { filename: `p${index}.png` })),
      );
      assert.deepEqual(
        uploaded.map((response) => response.status),
        pngs.map(() => 201),
      );
      const reads = await Promise.all(uploaded.map((response) => api(server.base, `/images/${response.body.id}/`, { token })));
      assert.ok(reads.every((response) => response.status === 200));
      const listed = await api<unknown[]>(server.base, '/images/?limit=100', { token });
      assert.equal(listed.body.length, 16);
      assert.equal(new Set(uploaded.map((response) => response.body.id)).size, 16, 'every id handed out once');
    } finally {
      await server.stop();
    }
  });

  test('failed logins are counted across workers (the database counts without Redis)', async () => {
    const server = await start({ LOGIN_FAILURES_PER_USER: '3', LOGIN_FAILURES_PER_ACCOUNT: '100', AUTH_RATE_LIMIT: '1000' });
    try {
      await until('two workers', () => workersOf(server.child.pid!).length === 2);
      const username = `cluster${Date.now()}`;
      await register(server.base, username);
      const statuses: number[] = [];
      // New connections go to the workers in turn: with counts per process, six failures would pass.
      for (let attempt = 0; attempt < 6; attempt++) statuses.push(await loginOnNewConnection(server.base, username, 'wrong password!'));
      assert.deepEqual(statuses, [400, 400, 400, 429, 429, 429]);
      assert.equal(await loginOnNewConnection(server.base, username, GOOD_PASSWORD), 429, 'locked for the window, whoever answers');
    } finally {
      await server.stop();
    }
  });

  test('a worker that dies is replaced; SIGTERM stops them all; a killed primary takes its workers with it', async () => {
    const server = await start();
    const primary = server.child.pid!;
    await until('two workers', () => workersOf(primary).length === 2);
    const [victim, survivor] = workersOf(primary) as [number, number];
    process.kill(victim, 'SIGKILL');
    await until('a replacement', () => {
      const now = workersOf(primary);
      return now.length === 2 && !now.includes(victim) && now.includes(survivor);
    });
    const token = await register(server.base);
    for (let i = 0; i < 6; i++) assert.equal((await api(server.base, '/me/', { token })).status, 200);

    const workers = workersOf(primary);
    const exitCode = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    assert.equal(await exitCode, 0, 'a clean stop');
    await until('the workers to stop', () => workers.every((pid) => !alive(pid)));

    const crashed = await start();
    const orphans = await (async () => {
      await until('two workers', () => workersOf(crashed.child.pid!).length === 2);
      return workersOf(crashed.child.pid!);
    })();
    crashed.child.kill('SIGKILL');
    await until('workers without a primary to exit', () => orphans.every((pid) => !alive(pid)), 5_000);
  });
});
