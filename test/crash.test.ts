import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/db/database.js';
import { openStorage } from '../src/services.js';
import { loadConfig } from '../src/config.js';
import {
  freshScaleOutBackend,
  api,
  fetchBytes,
  freePort,
  register,
  sha256,
  startSourceServer,
  tempDataDir,
  TEST_SECRET,
  upload,
} from '../testkit/index.js';
import sharp from 'sharp';

/** A small deterministic PRNG (mulberry32), so that a failing seed can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sent {
  token: string;
  kind: 'create' | 'replace';
  sha256: string;
  id?: number;
  status?: number;
}

const runs: { backend: 'sqlite' | 'postgres'; seed: number }[] = [
  { backend: 'sqlite', seed: 1 },
  { backend: 'sqlite', seed: 2 },
  { backend: 'sqlite', seed: 3 },
  { backend: 'postgres', seed: 4 },
  { backend: 'postgres', seed: 5 },
];

describe('crash consistency', () => {
  for (const { backend, seed } of runs) {
    const where = backend === 'sqlite' ? 'SQLite + files' : 'PostgreSQL + S3';
    test(`${where}: SIGKILL during 100 concurrent uploads and replaces, seed ${seed}: nothing lost, nothing half-written`, async (t) => {
      const next = random(seed);
      const dataDir = await tempDataDir();
      const scaleOut = backend === 'postgres' ? await freshScaleOutBackend('crash') : null;
      const backendEnv = scaleOut?.env ?? {};
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      let server = await startSourceServer(dataDir, port, backendEnv);
      const tokens = await Promise.all(Array.from({ length: 5 }, () => register(base)));
      // Every user starts with two images, so that replaces have something to replace.
      const initial: Sent[] = [];
      for (const [u, token] of tokens.entries()) {
        for (let k = 0; k < 2; k++) {
          const bytes = await sharp({
            create: { width: 30 + k, height: 30 + u, channels: 3, background: { r: u * 40, g: k * 90, b: seed * 50 } },
          })
            .png()
            .toBuffer();
          const response = await upload(base, token, bytes, { filename: 'start.png' });
          initial.push({ token, kind: 'create', sha256: sha256(bytes), id: response.body.id, status: response.status });
        }
      }

      // 100 requests at once, distinct content each; the process is killed while they run.
      const sent: Sent[] = [];
      const requests = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const token = tokens[i % tokens.length]!;
          const bytes = await sharp({
            create: {
              width: 40 + (i % 50),
              height: 40 + Math.floor(i / 50),
              channels: 3,
              background: { r: (i * 7) % 256, g: (i * 13) % 256, b: seed },
            },
          })
            .png()
            .toBuffer();
          const entry: Sent = { token, kind: next() < 0.7 ? 'create' : 'replace', sha256: sha256(bytes) };
          if (entry.kind === 'replace') entry.id = 1 + Math.floor(next() * 2);
          sent.push(entry);
          return { entry, bytes };
        }),
      );
      const inFlight = requests.map(async ({ entry, bytes }) => {
        try {
          const response = await upload(
            base,
            entry.token,
            bytes,
            entry.kind === 'replace' ? { method: 'PUT', path: `/images/${entry.id}/`, filename: 'r.png' } : { filename: 'c.png' },
          );
          entry.status = response.status;
          if (entry.kind === 'create' && response.status === 201) entry.id = response.body.id;
        } catch {
          // Connection cut by the kill: the outcome is unknown to the client.
        }
      });
      // Kill once a seed-chosen share of the requests has been answered: the rest are in flight.
      const killAfter = 10 + Math.floor(next() * 70);
      while (sent.filter((entry) => entry.status !== undefined).length < killAfter) await new Promise((resolve) => setTimeout(resolve, 2));
      server.kill('SIGKILL');
      await Promise.all(inFlight);
      const acknowledged = sent.filter((entry) => entry.status !== undefined && entry.status < 300);
      t.diagnostic(`seed ${seed}: ${acknowledged.length} of ${sent.length} requests acknowledged before the kill`);
      // The kill must land while requests are in flight, or this run proves nothing.
      assert.ok(acknowledged.length < sent.length, 'every request had finished before the kill');

      server = await startSourceServer(dataDir, port, backendEnv);
      try {
        const known = new Set([...initial, ...sent].map((entry) => entry.sha256));
        for (const token of tokens) {
          const listed = (await api(base, '/images/?limit=1000', { token })).body as { id: number; sha256: string; url: string }[];
          // Every image listed is served with bytes matching its record, and is something this test sent.
          for (const image of listed) {
            const served = await fetchBytes(image.url);
            assert.equal(served.status, 200);
            assert.equal(sha256(served.bytes), image.sha256);
            assert.ok(known.has(image.sha256), `image ${image.id} holds content nobody uploaded`);
          }
          // Every acknowledged upload is there; an acknowledged replace left its id holding some content sent for it.
          for (const entry of acknowledged.filter((e) => e.token === token)) {
            const image = listed.find((candidate) => candidate.id === entry.id);
            assert.ok(image, `acknowledged ${entry.kind} of id ${entry.id} is missing`);
            if (entry.kind === 'create') {
              const replaced = sent.filter((e) => e.token === token && e.kind === 'replace' && e.id === entry.id).map((e) => e.sha256);
              assert.ok([entry.sha256, ...replaced].includes(image.sha256));
            }
          }
          // Ids are unique.
          assert.equal(new Set(listed.map((image) => image.id)).size, listed.length);
        }
        // No temporary file, no half-written file, no object without a referenced blob row, and the database is sound.
        assert.deepEqual(await readdir(join(dataDir, 'tmp')), []);
        const config = loadConfig({ ...backendEnv, DATA_DIR: dataDir, SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'silent' });
        if (backend === 'sqlite') {
          assert.deepEqual(await readdir(join(dataDir, 'storage', '.incoming')), []);
        } else {
          // Other instances may be mid-upload, so a restart does not release pending uploads on PostgreSQL: their
          // one-hour leases do. Let the leases of the killed process run out, and sweep as the periodic sweep would.
          const db = openDatabase(config);
          const pending = await db.kysely.selectFrom('blobs').select('sha256').where('pending_uploads', '>', 0).execute();
          t.diagnostic(`seed ${seed}: ${pending.length} blobs pending after the kill`);
          await db.kysely.updateTable('blobs').set({ lease_until: '2000-01-01T00:00:00.000Z' }).where('pending_uploads', '>', 0).execute();
          await db.close();
          const sweeper = await buildApp(config);
          await sweeper.services.maintenance.sweep();
          await sweeper.app.close();
        }
        const db = openDatabase(config);
        const storage = await openStorage(config);
        try {
          if (backend === 'sqlite') {
            const { rows } = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db.kysely);
            assert.equal(rows[0]?.integrity_check, 'ok');
          }
          const blobs = await db.kysely.selectFrom('blobs').select(['sha256', 'ref_count']).execute();
          assert.deepEqual(
            blobs.filter((blob) => blob.ref_count <= 0).map((blob) => blob.sha256),
            [],
            'unreferenced blob rows survived the sweep',
          );
          const images = await db.kysely.selectFrom('images').select('sha256').execute();
          for (const blob of blobs)
            assert.equal(
              blob.ref_count,
              images.filter((image) => image.sha256 === blob.sha256).length,
              `reference count of ${blob.sha256}`,
            );
          const objects: string[] = [];
          for await (const key of storage.list('originals/')) objects.push(key.split('/').pop()!);
          assert.deepEqual(objects.sort(), blobs.map((blob) => blob.sha256).sort());
        } finally {
          await db.close();
          storage.close?.();
        }
      } finally {
        server.kill('SIGKILL');
        await scaleOut?.release();
      }
    });
  }
});
