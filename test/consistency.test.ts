import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { blobKey } from '../src/images/keys.js';
import {
  backend,
  backendResources,
  api,
  fetchBytes,
  fixture,
  register,
  sha256,
  startServer,
  tempDataDir,
  upload,
  type TestServer,
  onBackend,
} from '../testkit/index.js';

/** The content hashes of the originals in a server's storage (local files or bucket). */
async function storedObjects(server: TestServer): Promise<string[]> {
  const names: string[] = [];
  for await (const key of server.built.services.storage.list('originals/')) names.push(key.split('/').pop()!);
  return names;
}

describe(onBackend('consistency'), () => {
  test('compat fix 10: 50 concurrent uploads from 5 users, all 201, ids unique per user, every byte intact', async () => {
    const server = await startServer();
    try {
      const tokens = await Promise.all(Array.from({ length: 5 }, () => register(server.base)));
      const jobs = Array.from({ length: 50 }, async (_, i) => {
        const token = tokens[i % 5]!;
        // Every upload distinct, so that each one has its own bytes to verify.
        const bytes = await sharp({ create: { width: 16 + i, height: 16, channels: 3, background: { r: i * 5, g: 100, b: 200 } } })
          .png()
          .toBuffer();
        const response = await upload(server.base, token, bytes, { filename: `img${i}.png` });
        return { token, bytes, response };
      });
      const results = await Promise.all(jobs);
      assert.deepEqual(
        results.map((result) => result.response.status),
        Array(50).fill(201),
      );
      for (const token of tokens) {
        const mine = results.filter((result) => result.token === token);
        const ids = mine.map((result) => result.response.body.id).sort((a, b) => a - b);
        assert.deepEqual(ids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        const listed = await api(server.base, '/images/', { token });
        assert.equal(listed.body.length, 10);
      }
      for (const { bytes, response } of results) {
        const served = await fetchBytes(response.body.url);
        assert.equal(sha256(served.bytes), sha256(bytes));
      }
    } finally {
      await server.close();
    }
  });

  test('data and the generated signing key survive a restart; links stay valid', async () => {
    const dataDir = await tempDataDir();
    const resources = await backendResources();
    // No SECRET_KEY: the server generates one and keeps it in DATA_DIR.
    const first = await startServer({ DATA_DIR: dataDir, SECRET_KEY: '' }, resources);
    const token = await register(first.base);
    const created = (await upload(first.base, token, fixture('photo.webp'))).body;
    await first.close();
    const keyFile = await readFile(join(dataDir, 'secret.key'), 'utf8');
    assert.match(keyFile.trim(), /^[0-9a-f]{64}$/);

    const second = await startServer({ DATA_DIR: dataDir, SECRET_KEY: '' }, resources);
    try {
      assert.equal(await readFile(join(dataDir, 'secret.key'), 'utf8'), keyFile);
      const listed = await api(second.base, '/images/', { token });
      assert.equal(listed.status, 200);
      assert.equal(listed.body.length, 1);
      assert.equal(listed.body[0].sha256, created.sha256);
      // The old link was signed by the first process and names the old port; its path and query still verify.
      const oldLink = new URL(created.url);
      const served = await fetchBytes(`${second.base}${oldLink.pathname}${oldLink.search}`);
      assert.equal(served.status, 200);
      assert.deepEqual(served.bytes, await readFile(fixture('photo.webp')));
    } finally {
      await second.close();
      await resources.release();
    }
  });

  test('a replace that fails validation leaves the old image served unchanged (compat fix 4)', async () => {
    const server = await startServer();
    try {
      const token = await register(server.base);
      const created = (await upload(server.base, token, fixture('alpha.png'))).body;
      const original = (await fetchBytes(created.url)).bytes;
      for (const bad of [await readFile(fixture('truncated.png')), Buffer.from('not an image'), Buffer.alloc(0)]) {
        const response = await upload(server.base, token, bad, { method: 'PUT', path: `/images/${created.id}/`, filename: 'bad.png' });
        assert.equal(response.status, 400);
      }
      const missingFile = await api(server.base, `/images/${created.id}/`, { method: 'PUT', token, json: {} });
      assert.equal(missingFile.status, 400);
      const after = await api(server.base, `/images/${created.id}/`, { token });
      assert.equal(after.status, 200);
      assert.equal(after.body.sha256, created.sha256);
      assert.equal(after.body.filename, 'alpha.png');
      assert.equal(after.body.updated_at, created.updated_at);
      assert.deepEqual((await fetchBytes(created.url)).bytes, original);
      assert.deepEqual(await readdir(join(server.config.dataDir, 'tmp')), []);
    } finally {
      await server.close();
    }
  });

  test('identical uploads share one stored blob; deleting one keeps the other serving', async () => {
    const server = await startServer();
    try {
      const alice = await register(server.base);
      const bob = await register(server.base);
      const a = (await upload(server.base, alice, fixture('exif-canon-40d.jpg'))).body;
      const b = (await upload(server.base, bob, fixture('exif-canon-40d.jpg'))).body;
      assert.equal(a.sha256, b.sha256);
      assert.deepEqual(await storedObjects(server), [a.sha256]);
      assert.equal((await api(server.base, `/images/${a.id}/`, { method: 'DELETE', token: alice })).status, 204);
      assert.equal((await fetchBytes(b.url)).status, 200);
      assert.deepEqual(await storedObjects(server), [a.sha256]);
      // Replacing the last user of a blob releases it.
      assert.equal((await upload(server.base, bob, fixture('alpha.png'), { method: 'PUT', path: `/images/${b.id}/` })).status, 200);
      assert.ok(!(await storedObjects(server)).includes(a.sha256));
      assert.equal((await api(server.base, `/images/${b.id}/`, { method: 'DELETE', token: bob })).status, 204);
      assert.deepEqual(await storedObjects(server), []);
    } finally {
      await server.close();
    }
  });

  test('start-up removes leftover temporary files and stored objects without a row', async () => {
    const dataDir = await tempDataDir();
    const resources = await backendResources();
    const first = await startServer({ DATA_DIR: dataDir }, resources);
    const token = await register(first.base);
    const kept = (await upload(first.base, token, fixture('alpha.png'))).body;
    // What a crash could leave: an object whose row was never committed, a half-received upload, a half-written file.
    const strayHash = 'f'.repeat(64);
    await first.built.services.storage.put(blobKey(strayHash), Readable.from([Buffer.from('orphan')]));
    await first.close();
    await writeFile(join(dataDir, 'tmp', 'upload-deadbeef'), 'partial');
    if (backend === 'sqlite') await writeFile(join(dataDir, 'storage', '.incoming', 'abandoned'), 'partial');

    const second = await startServer({ DATA_DIR: dataDir }, resources);
    try {
      assert.deepEqual(await readdir(join(dataDir, 'tmp')), []);
      if (backend === 'sqlite') assert.deepEqual(await readdir(join(dataDir, 'storage', '.incoming')), []);
      assert.deepEqual(await storedObjects(second), [kept.sha256]);
      assert.equal((await fetchBytes((await api(second.base, `/images/${kept.id}/`, { token })).body.url)).status, 200);
    } finally {
      await second.close();
      await resources.release();
    }
  });
});
