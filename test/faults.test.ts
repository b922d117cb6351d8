import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import type { ByteRange, Storage } from '../src/storage/storage.js';
import { api, fetchBytes, fixture, register, startServer, upload } from '../testkit/index.js';

type Operation = 'put' | 'putFile' | 'get' | 'exists' | 'delete';

/** Wraps a real storage and makes chosen operations fail the way a disk does. */
class FaultyStorage implements Storage {
  readonly failing = new Map<Operation, string>();

  constructor(private readonly inner: Storage) {}

  private fail(operation: Operation): void {
    const code = this.failing.get(operation);
    if (code) throw Object.assign(new Error(`${code}: injected fault in ${operation}`), { code, syscall: operation });
  }

  async put(key: string, body: Readable) {
    this.fail('put');
    return this.inner.put(key, body);
  }
  async putFile(key: string, path: string) {
    this.fail('putFile');
    return this.inner.putFile(key, path);
  }
  async get(key: string, range?: ByteRange) {
    this.fail('get');
    return this.inner.get(key, range);
  }
  stat(key: string) {
    return this.inner.stat(key);
  }
  async exists(key: string) {
    this.fail('exists');
    return this.inner.exists(key);
  }
  async delete(key: string) {
    this.fail('delete');
    return this.inner.delete(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  async check() {
    if (this.failing.size > 0) throw new Error('injected');
    return this.inner.check();
  }
}

test('storage faults (full disk, permission denied, I/O error): 503 with Retry-After, nothing partial, recovery by itself', async () => {
  let faulty: FaultyStorage | undefined;
  const server = await startServer({}, undefined, { wrapStorage: (storage) => (faulty = new FaultyStorage(storage)) });
  try {
    const token = await register(server.base);
    const kept = (await upload(server.base, token, fixture('alpha.png'))).body;

    for (const code of ['ENOSPC', 'EACCES']) {
      faulty!.failing.set('putFile', code);
      const refused = await upload(server.base, token, fixture('photo.webp'));
      assert.equal(refused.status, 503, `${code}: ${refused.text}`);
      assert.equal(refused.headers.get('retry-after'), '5');
      assert.match(refused.body.detail, /unavailable/);
      assert.doesNotMatch(refused.text, /injected|ENOSPC|EACCES/);
      faulty!.failing.clear();
    }
    // Nothing partial: no image, no blob row, no object, no temporary file.
    assert.deepEqual(
      (await api(server.base, '/images/', { token })).body.map((image: { id: number }) => image.id),
      [kept.id],
    );
    const { db } = server.built.services;
    assert.equal((await db.kysely.selectFrom('blobs').select('sha256').execute()).length, 1);
    assert.deepEqual(await readdir(join(server.config.dataDir, 'tmp')), []);

    faulty!.failing.set('get', 'EIO');
    const unreadable = await fetchBytes(kept.url);
    assert.equal(unreadable.status, 503);
    assert.equal((await api(server.base, '/readyz')).status, 503);
    faulty!.failing.clear();

    // A delete whose object removal fails is still done (204); the bytes are left to the next sweep.
    const second = (await upload(server.base, token, fixture('tiny-2x2.png'))).body;
    faulty!.failing.set('delete', 'EACCES');
    assert.equal((await api(server.base, `/images/${second.id}/`, { method: 'DELETE', token })).status, 204);
    assert.equal((await api(server.base, `/images/${second.id}/`, { token })).status, 404);
    assert.ok(
      await db.kysely.selectFrom('blobs').select('sha256').where('sha256', '=', second.sha256).executeTakeFirst(),
      'the unreferenced blob waits for the sweep',
    );
    faulty!.failing.clear();
    assert.equal((await server.built.services.maintenance.sweep()).blobsRemoved, 1);

    // Service resumes by itself.
    assert.equal((await fetchBytes(kept.url)).status, 200);
    assert.equal((await upload(server.base, token, fixture('photo.webp'))).status, 201);
    assert.equal((await api(server.base, '/readyz')).status, 200);
  } finally {
    await server.close();
  }
});
