import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import {
  api,
  childProcesses,
  freePort,
  GOOD_PASSWORD,
  register,
  tempDataDir,
  TEST_SECRET,
  upload,
  waitForReady,
} from '../testkit/index.js';

interface Cluster {
  base: string;
  child: ChildProcess;
  /** Worker processes that have said they listen ("image-api ready"). */
  listening: Set<number>;
  stop(): Promise<void>;
}

/** `npm start`'s script with WORKERS=2, its log read to know which workers listen. */
async function startCluster(env: Record<string, string> = {}): Promise<Cluster> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'start.mjs')], {
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: await tempDataDir(),
      SECRET_KEY: TEST_SECRET,
      LOG_LEVEL: 'info',
      WORKERS: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const listening = new Set<number>();
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      // Log lines are JSON; anything else (a build's output) is not about the workers.
      const entry = (() => {
        try {
          return JSON.parse(line) as { msg?: string; pid?: number };
        } catch {
          return {};
        }
      })();
      if (entry.msg === 'image-api ready' && entry.pid) listening.add(entry.pid);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForReady(base, child);
  return {
    base,
    child,
    listening,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
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

/** A GET on a connection of its own: its status. */
function statusOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { agent: false, timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${url}: no answer within 10 s`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** A GET on a connection of its own (node:cluster hands each new connection to the next worker): status and body. */
function getOnNewConnection(url: string, token?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = token ? { authorization: `Token ${token}` } : {};
    const outgoing = request(url, { agent: false, timeout: 10_000, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${url}: no answer within 10 s`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
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
  const start = startCluster;
  /** Both workers started and listening (the first one's /readyz is enough for waitForReady). */
  const bothListening = (server: Cluster) =>
    until('both workers to listen', () => {
      const workers = childProcesses(server.child.pid!);
      return workers.length === 2 && workers.every((pid) => server.listening.has(pid));
    });

  test('both workers serve; concurrent uploads and reads across them all succeed and agree; /metrics counts them all', async () => {
    const server = await start({ METRICS_PUBLIC: 'true' });
    try {
      await bothListening(server);
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
      // Whichever worker answers the scrape, it reports the instance: the 16 uploads were spread over both.
      for (let scrape = 0; scrape < 3; scrape++) {
        const text = await (await fetch(`${server.base}/metrics`, { headers: { connection: 'close' } })).text();
        assert.match(text, /http_requests_total\{method="POST",route="\/images\/",status="201"\} 16\n/);
      }
    } finally {
      await server.stop();
    }
  });

  test('a preset changed through one worker is what every worker shows and renders at once (no stale cached presets)', async () => {
    const server = await start();
    try {
      await bothListening(server);
      const token = await register(server.base);
      const png = await sharp({ create: { width: 200, height: 100, channels: 3, background: { r: 200, g: 80, b: 40 } } })
        .png()
        .toBuffer();
      const { id } = (await upload<{ id: number }>(server.base, token, png)).body;
      assert.equal(
        (await api(server.base, '/presets/', { method: 'POST', token, json: { name: 'square', params: 'w=50&h=50&fit=cover' } })).status,
        201,
      );
      /** The image JSON's `square` link as four connections in a row see it (the workers in turn), and what it renders. */
      const squareLinks = async () => {
        const links = new Set<string>();
        for (let read = 0; read < 4; read++) {
          const response = await getOnNewConnection(`${server.base}/images/${id}/`, token);
          assert.equal(response.status, 200);
          links.add((JSON.parse(response.body.toString()) as { variants: Record<string, string> }).variants.square!);
        }
        assert.equal(links.size, 1, 'every worker hands out the same link');
        const [link] = [...links];
        const sizes = [];
        for (let fetchNumber = 0; fetchNumber < 2; fetchNumber++) {
          const bytes = await getOnNewConnection(link!);
          assert.equal(bytes.status, 200);
          sizes.push((await sharp(bytes.body).metadata()).width);
        }
        return { link: link!, sizes };
      };
      const before = await squareLinks();
      assert.deepEqual(before.sizes, [50, 50]);
      const patched = await api(server.base, '/presets/square/', { method: 'PATCH', token, json: { params: 'w=60&h=60&fit=cover' } });
      assert.equal(patched.status, 200);
      const after = await squareLinks();
      assert.deepEqual(after.sizes, [60, 60]);
      assert.notEqual(after.link, before.link);
      for (let attempt = 0; attempt < 2; attempt++)
        assert.equal((await getOnNewConnection(before.link)).status, 403, 'the old link is over everywhere');
    } finally {
      await server.stop();
    }
  });

  test('a signed link both workers answer from memory stops in both at once when links are revoked or the image deleted', async () => {
    const server = await start({ METRICS_PUBLIC: 'true' });
    try {
      await bothListening(server);
      const token = await register(server.base);
      const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 20, g: 180, b: 90 } } })
        .png()
        .toBuffer();
      const { id } = (await upload<{ id: number }>(server.base, token, png)).body;
      const remembered = async () => {
        const text = await (await fetch(`${server.base}/metrics`, { headers: { connection: 'close' } })).text();
        return Number(/^link_answers_remembered_total (\d+)$/m.exec(text)?.[1]);
      };
      /** The link fetched on eight connections in a row (the workers in turn): each worker answers it again from memory. */
      const answeredByBoth = async (link: string) => {
        const before = await remembered();
        for (let fetchNumber = 0; fetchNumber < 8; fetchNumber++) {
          const response = await getOnNewConnection(link);
          assert.equal(response.status, 200);
          assert.deepEqual(response.body, png);
        }
        assert.ok((await remembered()) - before >= 6, 'each worker answered all but its first from memory');
      };
      const link = async () =>
        (JSON.parse((await getOnNewConnection(`${server.base}/images/${id}/`, token)).body.toString()) as { url: string }).url;

      const first = await link();
      await answeredByBoth(first);
      assert.equal((await api(server.base, '/me/revoke-links', { method: 'POST', token })).status, 204);
      for (let attempt = 0; attempt < 4; attempt++) assert.equal((await getOnNewConnection(first)).status, 403, 'revoked in every worker');

      const second = await link();
      assert.notEqual(second, first);
      await answeredByBoth(second);
      assert.equal((await api(server.base, `/images/${id}/`, { method: 'DELETE', token })).status, 204);
      for (let attempt = 0; attempt < 4; attempt++) assert.equal((await getOnNewConnection(second)).status, 403, 'gone in every worker');
    } finally {
      await server.stop();
    }
  });

  test('failed logins are counted across workers (the database counts without Redis)', async () => {
    const server = await start({ LOGIN_FAILURES_PER_USER: '3', LOGIN_FAILURES_PER_ACCOUNT: '100', AUTH_RATE_LIMIT: '1000' });
    try {
      await bothListening(server);
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
    const crashed = await start();
    try {
      const primary = server.child.pid!;
      await bothListening(server);
      const [victim, survivor] = childProcesses(primary) as [number, number];
      process.kill(victim, 'SIGKILL');
      await until('a replacement', () => {
        const now = childProcesses(primary);
        return now.length === 2 && !now.includes(victim) && now.includes(survivor);
      });
      await bothListening(server);
      // New connections each (a pooled one may have been the victim's), handed to both workers in turn.
      for (let i = 0; i < 6; i++) assert.equal(await statusOnNewConnection(`${server.base}/healthz`), 200);

      const workers = childProcesses(primary);
      const exitCode = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
      server.child.kill('SIGTERM');
      assert.equal(await exitCode, 0, 'a clean stop');
      await until('the workers to stop', () => workers.every((pid) => !alive(pid)));

      await bothListening(crashed);
      const orphans = childProcesses(crashed.child.pid!);
      crashed.child.kill('SIGKILL');
      await until('workers without a primary to exit', () => orphans.every((pid) => !alive(pid)), 5_000);
    } finally {
      for (const cluster of [server, crashed]) {
        for (const pid of [cluster.child.pid!, ...childProcesses(cluster.child.pid!)]) if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
    }
  });
});
