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
  fetchBytes,
  fixture,
  onBackend,
  register,
  upload,
  useServer,
  startServer,
  type TestServer,
  insertBlobRow,
  backendResources,
  sha256,
  tempDataDir,
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

/** The command line with a server's environment (its database, storage and DATA_DIR). */
const run = (on: { env: Record<string, string> }, ...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, ...on.env, NODE_NO_WARNINGS: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
    );
  });

describe(onBackend('export, import and backup'), () => {
  test('export from one data directory and import into a fresh one gives the same images, hashes and metadata', async () => {
    const source = await startServer();
    const target = await startServer();
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
      const rehearsed = await run(target, 'import', directory, '--dry-run', '--json');
      assert.equal(rehearsed.code, 0, rehearsed.stderr);
      assert.deepEqual(JSON.parse(rehearsed.stdout), { username: 'mover', created: true, images: 3, duplicates: 0, dry_run: true });
      // created: true below shows that the dry run made no account.
      const imported = await run(target, 'import', directory, '--json');
      assert.equal(imported.code, 0, imported.stderr);
      assert.deepEqual(JSON.parse(imported.stdout), { username: 'mover', created: true, images: 3, duplicates: 0, dry_run: false });
      // Again: everything is already there, nothing is stored twice, the album is not made twice.
      const again = await run(target, 'import', directory);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^imported 0 images for mover, skipped 3 it already has$/m);
      // Into another account, named on the command line.
      const copied = await run(target, 'import', directory, '--as', 'second', '--json');
      assert.deepEqual(JSON.parse(copied.stdout), { username: 'second', created: true, images: 3, duplicates: 0, dry_run: false });
      await run(target, 'users', 'set-password', 'mover', '--password', GOOD_PASSWORD);
      const login = await api(target.base, '/api-token-auth/', { method: 'POST', json: { username: 'mover', password: GOOD_PASSWORD } });
      const after = (await api(target.base, '/images/', { token: login.body.token })).body as typeof before;
      const essentials = (images: typeof before) =>
        images.map((i) => [i.sha256, i.filename, JSON.stringify(i.exif), i.created_at, i.width, i.title, i.tags, i.metadata]);
      assert.deepEqual(essentials(after), essentials(before));
      assert.equal((await api(target.base, '/albums/', { token: login.body.token })).body.length, 1, 'one album after two imports');
      const moved = await api(target.base, '/albums/1/images/', { token: login.body.token });
      assert.deepEqual(
        moved.body.map((image: { sha256: string }) => image.sha256),
        [before[1]!.sha256, before[0]!.sha256],
        'the album, in its order',
      );
      const trash = await api(target.base, '/trash/', { token: login.body.token });
      assert.equal(trash.body.length, 1);
    } finally {
      await source.close();
      await target.close();
    }
  });

  test('backup, wipe, restore into an empty deployment: the same users, tokens, ids, names, hashes, albums, shares, keys', async () => {
    // The deployment runs without SECRET_KEY, as the embedded default does: its key is DATA_DIR/secret.key.
    const sourceResources = await backendResources();
    const source = await startServer({ SECRET_KEY: '' }, sourceResources);
    let wiped = false;
    const wipeSource = async () => {
      if (wiped) return;
      wiped = true;
      await source.close();
      await sourceResources.release();
    };
    const backupDir = join(await tempDataDir(), 'backup');
    let restored: TestServer | null = null;
    const targetResources = await backendResources();
    try {
      const alice = await register(source.base, 'alice');
      const bob = await register(source.base, 'bob');
      for (const name of ['exif-canon-40d.jpg', 'alpha.png', 'animated.gif']) await upload(source.base, alice, fixture(name));
      await upload(source.base, bob, fixture('alpha.png'));
      await api(source.base, '/images/2/', { method: 'PATCH', token: alice, json: { title: 'Kept', tags: ['x'] } });
      await api(source.base, '/albums/', { method: 'POST', token: alice, json: { title: 'Trip' } });
      await api(source.base, '/albums/1/images/', { method: 'POST', token: alice, json: { ids: [3, 1] } });
      const share = (await api(source.base, '/shares/', { method: 'POST', token: alice, json: { image: 1 } })).body;
      const key = (await api(source.base, '/keys/', { method: 'POST', token: alice, json: { name: 'ci', scopes: ['images:read'] } })).body;
      await api(source.base, '/presets/', { method: 'POST', token: alice, json: { name: 'card', params: 'w=40&h=30&fit=cover' } });
      const before = {
        alice: (await api(source.base, '/images/', { token: alice })).body,
        bob: (await api(source.base, '/images/', { token: bob })).body,
      };

      // A backup while the server runs.
      const made = await run(source, 'backup', backupDir, '--json');
      assert.equal(made.code, 0, made.stderr);
      assert.deepEqual(
        { ...JSON.parse(made.stdout), bytes: undefined },
        { directory: backupDir, users: 2, images: 4, blobs: 3, bytes: undefined, key_included: true },
      );
      assert.equal((await run(source, 'backup', backupDir)).code, 1, 'never into a folder that has something in it');

      // The deployment is wiped: its database, its bucket or files, its key.
      await wipeSource();

      const targetDataDir = await tempDataDir();
      const target = { env: { ...targetResources.env, DATA_DIR: targetDataDir, SECRET_KEY: '', LOG_LEVEL: 'silent' } };
      const back = await run(target, 'restore', backupDir, '--json');
      assert.equal(back.code, 0, back.stderr);
      assert.deepEqual(
        { ...JSON.parse(back.stdout), bytes: undefined },
        { users: 2, images: 4, blobs: 3, bytes: undefined, key: 'restored' },
      );
      assert.equal((await run(target, 'restore', backupDir)).code, 1, 'only into an empty deployment');

      restored = await startServer({ DATA_DIR: targetDataDir, SECRET_KEY: '' }, targetResources);
      // The same tokens and API key work, and every image is there with the same id, name, hash and bytes.
      const after = {
        alice: (await api(restored.base, '/images/', { token: alice })).body,
        bob: (await api(restored.base, '/images/', { token: bob })).body,
      };
      const essentials = (images: Json[]) => images.map((i) => [i.id, i.filename, i.sha256, i.bytes, i.title, i.tags, i.created_at]);
      assert.deepEqual(essentials(after.alice), essentials(before.alice));
      assert.deepEqual(essentials(after.bob), essentials(before.bob));
      for (const image of after.alice) {
        const bytes = await fetchBytes(`${restored.base}/images/${image.id}/content`, { authorization: `Token ${alice}` });
        assert.equal(sha256(bytes.bytes), image.sha256);
      }
      assert.equal((await api(restored.base, '/me/', { authorization: `Bearer ${key.key}` })).status, 200);
      assert.deepEqual(
        (await api(restored.base, '/albums/1/images/', { token: alice })).body.map((image: Json) => image.id),
        [3, 1],
      );
      assert.equal((await fetchBytes(share.url.replace(/^http:\/\/[^/]+/, restored.base))).status, 200);
      assert.deepEqual(
        (await api(restored.base, '/presets/', { token: alice })).body.map((preset: Json) => [preset.name, preset.params]),
        [['card', 'w=40&h=30&fit=cover&format=auto']],
        'the presets came back',
      );
      // New ids continue after the restored ones.
      assert.equal((await upload(restored.base, alice, fixture('tiny-2x2.png'))).body.id, 4);
    } finally {
      await wipeSource();
      await restored?.close();
      await targetResources.release();
    }
  });
});
