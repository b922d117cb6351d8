import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { api, freePort, freshScaleOutBackend, register, startSourceServer, tempDataDir, upload } from '../testkit/index.js';

/** What the crash runs need besides the defaults: a receiver on 127.0.0.1, quick polls, short claims. */
const HOOK_ENV = {
  OUTBOUND_ALLOW: '127.0.0.1/32',
  WEBHOOK_POLL_MS: '25',
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_CLAIM_SECONDS: '2',
};

interface Delivered {
  id: string;
  type: string;
  data: { id: number; sha256: string };
}

describe('webhooks: crash consistency of the outbox', () => {
  for (const backend of ['sqlite', 'postgres'] as const) {
    const where = backend === 'sqlite' ? 'SQLite + files' : 'PostgreSQL + S3';
    test(`${where}: SIGKILL amid 120 uploads: each committed image's event is delivered after a restart, none invented`, async (t) => {
      const received = new Map<string, Delivered & { user: string }>();
      let deliveries = 0;
      const receiver = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Delivered;
          deliveries++;
          received.set(event.id, { ...event, user: (request.url ?? '').slice(1) });
          response.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const hookBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      const scaleOut = backend === 'postgres' ? await freshScaleOutBackend('hookcrash') : null;
      const env = scaleOut?.env ?? {};
      const dataDir = await tempDataDir();
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      let server: ChildProcess | undefined;
      try {
        server = await startSourceServer(dataDir, port, { ...env, ...HOOK_ENV });
        const tokens = await Promise.all(Array.from({ length: 3 }, () => register(base)));
        for (const [u, token] of tokens.entries()) {
          const hook = await api(base, '/webhooks/', {
            method: 'POST',
            token,
            json: { url: `${hookBase}/u${u}`, events: ['image.created'] },
          });
          assert.equal(hook.status, 201, hook.text);
        }
        const files = await Promise.all(
          Array.from({ length: 120 }, (_, i) =>
            sharp({ create: { width: 30 + i, height: 30, channels: 3, background: { r: (i * 4) % 256, g: 90, b: 7 } } })
              .png()
              .toBuffer(),
          ),
        );
        const running = server;
        let answered = 0;
        // Killed from the 20th answer itself: a loop polling the count could wake only after the rest had finished too.
        let reached: () => void = () => undefined;
        let late: (error: Error) => void = () => undefined;
        const twentieth = new Promise<void>((resolve, reject) => {
          reached = resolve;
          late = reject;
        });
        const inFlight = files.map(async (bytes, i) => {
          try {
            const response = await upload(base, tokens[i % 3]!, bytes, { filename: `f${i}.png` });
            if (response.status === 201 && ++answered === 20) {
              running.kill('SIGKILL');
              reached();
            }
          } catch {
            // cut by the kill
          }
        });
        const patience = setTimeout(() => late(new Error(`only ${answered} uploads were answered 201 within a minute`)), 60_000);
        await twentieth.finally(() => clearTimeout(patience));
        await Promise.all(inFlight);
        t.diagnostic(`${answered} of 120 uploads acknowledged before the kill; ${received.size} events delivered by then`);
        assert.ok(answered < 120, 'every upload had finished before the kill');

        server = await startSourceServer(dataDir, port, { ...env, ...HOOK_ENV });
        const committed = new Map<string, { id: number; sha256: string }[]>();
        let total = 0;
        for (const [u, token] of tokens.entries()) {
          const listed = (await api(base, '/images/?limit=1000', { token })).body as { id: number; sha256: string }[];
          committed.set(`u${u}`, listed);
          total += listed.length;
        }
        // Wait for the outbox to drain: claims of the killed process lapse after WEBHOOK_CLAIM_SECONDS.
        const deadline = Date.now() + 30_000;
        while (received.size < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        await new Promise((resolve) => setTimeout(resolve, 500));
        t.diagnostic(`${total} images committed; ${received.size} distinct events delivered (${deliveries} deliveries)`);
        for (const [user, images] of committed) {
          const events = [...received.values()].filter((event) => event.user === user);
          assert.deepEqual(
            events.map((event) => `${event.data.id}:${event.data.sha256}`).sort(),
            images.map((image) => `${image.id}:${image.sha256}`).sort(),
            `${user}: one image.created per committed image, none for what was not committed`,
          );
        }
        assert.ok([...received.values()].every((event) => event.type === 'image.created'));
      } finally {
        server?.kill('SIGKILL');
        await new Promise<void>((resolve) => receiver.close(() => resolve()));
        await scaleOut?.release();
      }
    });
  }
});
