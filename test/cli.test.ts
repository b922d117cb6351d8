import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { before, describe, test } from 'node:test';
import { blobKey } from '../src/images/keys.js';
import {
  GOOD_PASSWORD,
  api,
  backend,
  fetchBytes,
  fixture,
  onBackend,
  register,
  upload,
  useServer,
  startServer,
  type TestServer,
  insertBlobRow,
} from '../testkit/index.js';

const ROOT = join(import.meta.dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON shapes
type Json = any;

describe(onBackend('image-api command line, on a real data directory beside a running server'), () => {
  const running = useServer();
  let tokens: Record<'alice' | 'bob' | 'carol', string>;
  let shared: { id: number; sha256: string; url: string };

  // Asynchronous, so that the server (in this process) keeps serving while the command runs.
  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string; json: () => Json }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), ...args],
        { cwd: ROOT, env: { ...process.env, ...running.server.env, NODE_NO_WARNINGS: '1' } },
        (error, stdout, stderr) =>
          resolve({
            code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
            stdout,
            stderr,
            json: () => (stdout ? JSON.parse(stdout) : assert.fail(`no output; stderr: ${stderr}`)),
          }),
      );
    });

  before(async () => {
    tokens = {
      alice: await register(running.server.base, 'alice'),
      bob: await register(running.server.base, 'bob'),
      carol: await register(running.server.base, 'carol'),
    };
    shared = (await upload(running.server.base, tokens.alice, fixture('photo.webp'))).body;
    await upload(running.server.base, tokens.alice, fixture('alpha.png'));
    await upload(running.server.base, tokens.bob, fixture('tiny-2x2.png'));
    await upload(running.server.base, tokens.carol, fixture('photo.webp'));
  });

  test('users list and usage count what was uploaded, and what dedup shares', async () => {
    const users = (await cli('users', 'list', '--json')).json() as { username: string; images: number; bytes: number }[];
    assert.deepEqual(
      users.map((u) => [u.username, u.images]),
      [
        ['alice', 2],
        ['bob', 1],
        ['carol', 1],
      ],
    );
    const usage = (await cli('usage', '--json')).json();
    const webp = (await readFile(fixture('photo.webp'))).length;
    assert.equal(usage.originals.files, 3);
    assert.equal(usage.sharedByDedup, webp, 'the WebP both alice and carol uploaded is stored once');
    assert.equal((await cli('usage', 'bob', '--json')).json().images, 1);
    assert.match((await cli('usage')).stdout, /shared by dedup/);
  });

  test('disable refuses the token on the next request; enable lets the user log in for a new one', async () => {
    assert.equal((await cli('users', 'disable', 'bob')).code, 0);
    const refused = await api(running.server.base, '/images/', { token: tokens.bob });
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.body, { detail: 'Invalid token.' });
    const login = await api(running.server.base, '/api-token-auth/', {
      method: 'POST',
      json: { username: 'bob', password: GOOD_PASSWORD },
    });
    assert.equal(login.status, 400);
    assert.equal((await cli('users', 'enable', 'bob')).code, 0);
    assert.equal((await api(running.server.base, '/images/', { token: tokens.bob })).status, 401, 'the old token stays dead');
    const again = await api(running.server.base, '/api-token-auth/', {
      method: 'POST',
      json: { username: 'bob', password: GOOD_PASSWORD },
    });
    tokens.bob = again.body.token;
    assert.equal((await api(running.server.base, '/images/', { token: tokens.bob })).status, 200);
  });

  test('create, set-password and tokens revoke', async () => {
    const created = (await cli('users', 'create', 'dave', '--password', 'another good passphrase', '--json')).json();
    assert.match(created.token, /^[0-9a-f]{40}$/);
    assert.equal((await api(running.server.base, '/images/', { token: created.token })).status, 200);
    assert.equal((await cli('users', 'set-password', 'dave', '--password', 'a different passphrase')).code, 0);
    assert.equal((await api(running.server.base, '/images/', { token: created.token })).status, 401, 'a new password revokes the token');
    const login = await api(running.server.base, '/api-token-auth/', {
      method: 'POST',
      json: { username: 'dave', password: 'a different passphrase' },
    });
    assert.equal(login.status, 200);
    assert.equal((await cli('tokens', 'revoke', 'dave')).code, 0);
    assert.equal((await api(running.server.base, '/images/', { token: login.body.token })).status, 401);
    const weak = await cli('users', 'create', 'eve', '--password', '12345678');
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /entirely numeric/);
    assert.equal((await cli('users', 'disable', 'nobody')).code, 3);
    assert.equal((await cli('frobnicate')).code, 2);
  });

  test('gc: a dry run deletes nothing; --apply removes exactly the garbage', async () => {
    const { storage, db } = running.server.built.services;
    const orphan = 'a'.repeat(64);
    await storage.put(blobKey(orphan), Readable.from([Buffer.from('orphan')]));
    await storage.put(`variants/${'b'.repeat(2)}/${'b'.repeat(64)}/1x1-inside-q80.jpeg`, Readable.from([Buffer.from('stray')]));
    const unreferenced = 'c'.repeat(64);
    await insertBlobRow(db, unreferenced, { bytes: 5 });
    await storage.put(blobKey(unreferenced), Readable.from([Buffer.from('unref')]));
    // A temporary upload left by a crash hours ago, and one of an upload in progress now.
    const stale = join(running.server.config.dataDir, 'tmp', 'upload-stale');
    await writeFile(stale, 'partial');
    await utimes(stale, new Date(Date.now() - 3 * 3600_000), new Date(Date.now() - 3 * 3600_000));
    const live = join(running.server.config.dataDir, 'tmp', 'upload-live');
    await writeFile(live, 'partial');

    const dry = (await cli('gc', '--json')).json();
    assert.deepEqual(
      dry.blobs.map((b: { sha256: string }) => b.sha256),
      [unreferenced],
    );
    assert.deepEqual(dry.strayObjects, [blobKey(orphan)]);
    assert.equal(dry.strayVariants.length, 1);
    assert.equal(await storage.exists(blobKey(orphan)), true, 'a dry run deletes nothing');
    assert.equal(await storage.exists(blobKey(unreferenced)), true);
    assert.deepEqual(dry.staleUploads, [stale]);

    const applied = (await cli('gc', '--apply', '--json')).json();
    assert.deepEqual(applied.removed, {
      blobsRemoved: 1,
      strayObjectsRemoved: 1,
      strayVariantsRemoved: 1,
      staleUploadsRemoved: 1,
      expiredResumableRemoved: 0,
    });
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(live), true, 'an upload in progress is left alone');
    assert.equal(await storage.exists(blobKey(orphan)), false);
    assert.equal(await storage.exists(blobKey(unreferenced)), false);
    assert.equal((await fetchBytes(shared.url)).status, 200, 'referenced bytes are untouched');
    assert.deepEqual((await cli('gc', '--json')).json().blobs, []);
  });

  test('check: all sound, then finds a byte flipped on disk (exit 1)', async () => {
    const sound = await cli('check', '--json');
    assert.equal(sound.code, 0, `${sound.stdout}\n${sound.stderr}`);
    assert.equal(sound.json().checked, 3);
    // One byte flipped in the stored original (a file on disk, or an object in the bucket).
    const { storage } = running.server.built.services;
    const chunks: Buffer[] = [];
    for await (const chunk of await storage.get(blobKey(shared.sha256))) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    bytes[100] = bytes[100]! ^ 0xff;
    await storage.put(blobKey(shared.sha256), Readable.from([bytes]));
    const broken = await cli('check', '--json');
    assert.equal(broken.code, 1, `${broken.stdout}\n${broken.stderr}`);
    assert.deepEqual(broken.json().corrupt, [shared.sha256]);
    bytes[100] = bytes[100]! ^ 0xff;
    await storage.put(blobKey(shared.sha256), Readable.from([bytes]));
    const repaired = await cli('check');
    assert.equal(repaired.code, 0, `${repaired.stdout}\n${repaired.stderr}`);
  });

  test('keys list shows ids, names and scopes (never a secret); keys revoke ends one key, or all', async () => {
    const one = (
      await api(running.server.base, '/keys/', { method: 'POST', token: tokens.alice, json: { name: 'backup', scopes: ['images:read'] } })
    ).body;
    const two = (
      await api(running.server.base, '/keys/', { method: 'POST', token: tokens.alice, json: { name: 'phone', scopes: ['images:write'] } })
    ).body;
    const listed = await cli('keys', 'list', 'alice');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /backup\s+images:read/);
    assert.ok(!listed.stdout.includes(one.key) && !listed.stdout.includes(two.key));
    assert.deepEqual(
      (await cli('keys', 'list', 'alice', '--json')).json().map((key: { name: string }) => key.name),
      ['backup', 'phone'],
    );
    assert.equal((await cli('keys', 'revoke', 'alice', String(one.id))).code, 0);
    assert.equal((await api(running.server.base, '/images/', { authorization: `Bearer ${one.key}` })).status, 401);
    assert.equal(
      (await api(running.server.base, '/me/', { authorization: `Bearer ${two.key}` })).status,
      403,
      'the other key still works (within its scopes)',
    );
    const all = await cli('keys', 'revoke', 'alice');
    assert.match(all.stdout, /1 keys of alice revoked/);
    assert.equal((await api(running.server.base, '/me/', { authorization: `Bearer ${two.key}` })).status, 401);
    assert.equal((await cli('keys', 'list', 'nobody')).code, 3);
  });

  test('deleting a user removes their images and keeps the bytes other users share', async () => {
    const deleted = (await cli('users', 'delete', 'carol', '--json')).json();
    assert.equal(deleted.imagesDeleted, 1);
    assert.equal((await api(running.server.base, '/images/', { token: tokens.carol })).status, 401);
    assert.equal((await fetchBytes(shared.url)).status, 200, "alice's copy of the shared WebP still serves");
    assert.equal((await cli('usage', '--json')).json().originals.files, 3);
  });
});

describe(onBackend('export, import and backup'), () => {
  test('export from one data directory and import into a fresh one gives the same images, hashes and metadata', async () => {
    const source = await startServer();
    const target = await startServer();
    const run = (on: TestServer, ...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), ...args],
          { cwd: ROOT, env: { ...process.env, ...on.env, NODE_NO_WARNINGS: '1' } },
          (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
        );
      });
    try {
      const token = await register(source.base, 'mover');
      for (const name of ['exif-canon-40d.jpg', 'animated.gif', 'alpha.png', 'tiny-2x2.png'])
        await upload(source.base, token, fixture(name));
      await api(source.base, '/images/2/', { method: 'DELETE', token });
      // Labels, an album in its order, and the trash travel too.
      await api(source.base, '/images/3/', { method: 'PATCH', token, json: { title: 'Alpha', tags: ['a', 'b'], metadata: { k: 1 } } });
      await api(source.base, '/albums/', { method: 'POST', token, json: { title: 'Moved', description: 'in order' } });
      await api(source.base, '/albums/1/images/', { method: 'POST', token, json: { ids: [3, 1] } });
      await api(source.base, '/images/4/trash', { method: 'POST', token });
      const before = (await api(source.base, '/images/', { token })).body as {
        sha256: string;
        filename: string;
        exif: unknown;
        created_at: string;
        width: number;
        title: string | null;
        tags: string[];
        metadata: unknown;
      }[];
      const directory = join(source.config.dataDir, 'export');
      const exported = await run(source, 'export', 'mover', directory, '--json');
      assert.equal(exported.code, 0, exported.stderr);
      assert.equal(JSON.parse(exported.stdout).images, 3);
      const imported = await run(target, 'import', directory, '--json');
      assert.equal(imported.code, 0, imported.stderr);
      assert.deepEqual(JSON.parse(imported.stdout), { username: 'mover', created: true, images: 3 });
      await run(target, 'users', 'set-password', 'mover', '--password', GOOD_PASSWORD);
      const login = await api(target.base, '/api-token-auth/', { method: 'POST', json: { username: 'mover', password: GOOD_PASSWORD } });
      const after = (await api(target.base, '/images/', { token: login.body.token })).body as typeof before;
      const essentials = (images: typeof before) =>
        images.map((i) => [i.sha256, i.filename, JSON.stringify(i.exif), i.created_at, i.width, i.title, i.tags, i.metadata]);
      assert.deepEqual(essentials(after), essentials(before));
      const moved = await api(target.base, '/albums/1/images/', { token: login.body.token });
      assert.deepEqual(
        moved.body.map((image: { sha256: string }) => image.sha256),
        [before[1]!.sha256, before[0]!.sha256],
        'the album, in its order',
      );
      const trash = await api(target.base, '/trash/', { token: login.body.token });
      assert.equal(trash.body.length, 1);
      const trashed = trash.body[0].sha256 as string;

      const snapshot = join(source.config.dataDir, 'snapshot.sqlite');
      const backedUp = await run(source, 'backup', snapshot, '--json');
      assert.equal(backedUp.code, 0, backedUp.stderr);
      if (backend === 'postgres') {
        assert.match(JSON.parse(backedUp.stdout).command, /^pg_dump /);
        return;
      }
      const listed = JSON.parse(await readFile(`${snapshot}.originals.json`, 'utf8')) as { sha256: string }[];
      // The trash is backed up too.
      assert.deepEqual(listed.map((entry) => entry.sha256).sort(), [...before.map((image) => image.sha256), trashed].sort());
      const { default: Database } = await import('libsql');
      const copy = new Database(snapshot);
      assert.equal((copy.prepare('select count(*) as n from images').get() as { n: number }).n, 3);
      copy.close();
    } finally {
      await source.close();
      await target.close();
    }
  });
});
