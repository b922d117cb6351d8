import assert from 'node:assert/strict';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createHash, randomBytes } from 'node:crypto';
import { reusePresigned } from '../src/http/presigned-urls.js';
import { blobKey } from '../src/images/keys.js';
import { HOT_OBJECT_MAX_BYTES } from '../src/storage/hot-objects.js';
import {
  api,
  createBucket,
  fetchBytes,
  fixture,
  freePort,
  nginxMissing,
  register,
  s3Env,
  sharedS3Server,
  shippedNginxConfig,
  startNginx,
  startServer,
  tempDataDir,
  upload,
  type RunningNginx,
  type TestServer,
} from '../testkit/index.js';

describe('DELIVERY=direct: small stored objects are sent from memory once read', () => {
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  test('the bytes, ranges and variants stay exact; the database still decides who gets them; 0 turns it off', async () => {
    const server = await startServer();
    try {
      const token = await register(server.base);
      const image = (await upload<{ id: number; sha256: string }>(server.base, token, fixture('photo.webp'))).body;
      const content = `${server.base}/images/${image.id}/content`;
      const auth = { authorization: `Token ${token}` };
      const first = await fetchBytes(content, auth);
      assert.equal(sha256(first.bytes), image.sha256);
      // The stored file goes away behind the service's back: what it sends now can only come from memory.
      await server.built.services.storage.delete(blobKey(image.sha256));
      const kept = await fetchBytes(content, auth);
      assert.equal(kept.status, 200);
      assert.equal(sha256(kept.bytes), image.sha256);
      assert.equal(kept.headers.get('etag'), `"${image.sha256}"`);
      const range = await fetchBytes(content, { ...auth, range: 'bytes=100-1099' });
      assert.equal(range.status, 206);
      assert.equal(range.headers.get('content-range'), `bytes 100-1099/${first.bytes.length}`);
      assert.deepEqual(range.bytes, first.bytes.subarray(100, 1100));
      const head = await fetch(content, { method: 'HEAD', headers: auth });
      assert.equal(head.headers.get('content-length'), String(first.bytes.length));

      // A cached variant: rendered, then read from storage once, then from memory; the same bytes each time.
      const variant = `${content}?w=64`;
      const rendered = await fetchBytes(variant, auth);
      await server.built.services.variants.settled();
      const stored = await fetchBytes(variant, auth);
      const again = await fetchBytes(variant, auth);
      assert.deepEqual(stored.bytes, rendered.bytes);
      assert.deepEqual(again.bytes, rendered.bytes);
      assert.equal(again.headers.get('etag'), rendered.headers.get('etag'));

      // Bytes in memory are no permission: a deleted image is gone, whatever this process still holds.
      assert.equal((await api(server.base, `/images/${image.id}/`, { method: 'DELETE', token })).status, 204);
      assert.equal((await fetchBytes(content, auth)).status, 404);
    } finally {
      await server.close();
    }

    const off = await startServer({ DELIVERY_MEMORY_CACHE_MB: '0' });
    try {
      const token = await register(off.base);
      const image = (await upload<{ id: number; sha256: string }>(off.base, token, fixture('photo.webp'))).body;
      const content = `${off.base}/images/${image.id}/content`;
      assert.equal((await fetchBytes(content, { authorization: `Token ${token}` })).status, 200);
      await off.built.services.storage.delete(blobKey(image.sha256));
      assert.notEqual((await fetchBytes(content, { authorization: `Token ${token}` })).status, 200, 'nothing was kept');
    } finally {
      await off.close();
    }
  });

  test('an object over the size limit is streamed, never kept', async () => {
    const server = await startServer();
    try {
      const token = await register(server.base);
      // Noise does not compress: a PNG well over the limit.
      const side = Math.ceil(Math.sqrt(HOT_OBJECT_MAX_BYTES / 3)) + 64;
      const big = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
        .png()
        .toBuffer();
      assert.ok(big.length > HOT_OBJECT_MAX_BYTES);
      const image = (await upload<{ id: number; sha256: string; bytes: number }>(server.base, token, big, { filename: 'big.png' })).body;
      const content = `${server.base}/images/${image.id}/content`;
      const auth = { authorization: `Token ${token}` };
      assert.equal(sha256((await fetchBytes(content, auth)).bytes), image.sha256);
      await server.built.services.storage.delete(blobKey(image.sha256));
      assert.notEqual((await fetchBytes(content, auth)).status, 200, 'streamed from storage each time');
    } finally {
      await server.close();
    }
  });
});

describe('DELIVERY=nginx: stored bytes sent by nginx (X-Accel-Redirect) after the service authorised them', { skip: nginxMissing }, () => {
  let server: TestServer;
  let nginx: RunningNginx;
  let base: string;

  before(async () => {
    const dataDir = await tempDataDir();
    // nginx's workers run as nobody: they must reach the stored files.
    await chmod(dataDir, 0o755);
    const nginxPort = await freePort();
    base = `http://127.0.0.1:${nginxPort}`;
    server = await startServer({ DATA_DIR: dataDir, DELIVERY: 'nginx', PUBLIC_URL: base, TRUST_PROXY: '1' });
    const appPort = new URL(server.base).port;
    // The shipped configuration, as the guide renders it, pointed at this storage.
    nginx = await startNginx(
      shippedNginxConfig({ instances: [`127.0.0.1:${appPort}`], listen: `127.0.0.1:${nginxPort}`, files: join(dataDir, 'storage') }),
      `${base}/healthz`,
    );
  });
  after(async () => {
    await nginx?.stop();
    await server?.close();
  });

  test('originals, signed links, share URLs and cached variants come from nginx with the service headers', async () => {
    const token = await register(base);
    const image = (await upload(base, token, fixture('photo.webp'))).body;
    const stored = (await fetchBytes(`${server.base}/images/${image.id}/content`, { authorization: `Token ${token}` })).bytes;
    assert.equal(stored.length, 0, 'the service answers with an empty body and X-Accel-Redirect');
    const direct = await fetch(`${server.base}/images/${image.id}/content`, { headers: { authorization: `Token ${token}` } });
    assert.match(String(direct.headers.get('x-accel-redirect')), /^\/_image-api-files\/originals\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/);

    const owner = await fetchBytes(`${base}/images/${image.id}/content`, { authorization: `Token ${token}` });
    assert.equal(owner.status, 200);
    assert.equal(owner.bytes.length, image.bytes);
    assert.equal(owner.headers.get('etag'), `"${image.sha256}"`);
    assert.equal(owner.headers.get('content-type'), 'image/webp');
    assert.equal(owner.headers.get('cache-control'), 'private, no-cache');
    assert.equal(owner.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(owner.headers.get('x-accel-redirect'), null, 'the internal path never reaches the client');

    const signed = await fetchBytes(image.url);
    assert.equal(signed.status, 200);
    assert.ok(signed.bytes.equals(owner.bytes));
    assert.equal(signed.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.equal((await fetchBytes(image.url, { 'if-none-match': `"${image.sha256}"` })).status, 304);
    const ranged = await fetchBytes(image.url, { range: 'bytes=10-19' });
    assert.equal(ranged.status, 206);
    assert.ok(ranged.bytes.equals(owner.bytes.subarray(10, 20)));
    const head = await fetch(image.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers.get('content-length')), image.bytes);
    assert.equal((await fetchBytes(image.url.replace(/sig=[^&]+/, 'sig=AAAA'))).status, 403, 'the service still decides');

    const share = (await api(base, '/shares/', { method: 'POST', token, json: { image: image.id } })).body;
    const shared = await fetchBytes(`${share.url}/${image.id}`);
    assert.equal(shared.status, 200);
    assert.equal(shared.headers.get('cache-control'), 'public, max-age=300');
    assert.ok(shared.bytes.equals(owner.bytes));

    // A variant: rendered by the first request (sent from memory), then stored and sent by nginx.
    const first = await fetchBytes(image.variants.thumb, { accept: 'image/webp' });
    await server.built.services.variants.settled();
    const second = await fetchBytes(image.variants.thumb, { accept: 'image/webp' });
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.ok(first.bytes.equals(second.bytes));
    assert.equal(second.headers.get('etag'), first.headers.get('etag'));
    assert.equal(second.headers.get('vary'), 'Accept');
  });
});

describe('presigned URLs reused for half their life (reusePresigned)', () => {
  test('the same object and headers get the same URL until half of its life has passed, then a new one', async () => {
    let now = 1_000_000;
    let signed = 0;
    const presign = reusePresigned(
      async (key, headers, seconds) => `https://bucket.test/${key}?type=${headers.contentType}&expires=${seconds}&n=${++signed}`,
      () => now,
    );
    const headers = { contentType: 'image/webp', contentDisposition: 'inline', cacheControl: 'public, max-age=300' };
    const first = await presign('originals/a', headers, 120);
    now += 59_000;
    assert.equal(await presign('originals/a', headers, 120), first);
    assert.notEqual(
      await presign('originals/a', { ...headers, contentDisposition: 'attachment' }, 120),
      first,
      'other headers: another URL',
    );
    assert.notEqual(await presign('originals/b', headers, 120), first, 'another object: another URL');
    now += 1_000;
    assert.notEqual(await presign('originals/a', headers, 120), first, 'half of 120 s has passed: signed again');
  });
});

describe('DELIVERY=redirect: stored bytes fetched from S3 through short-lived presigned URLs', () => {
  let server: TestServer;

  before(async () => {
    const s3 = await sharedS3Server();
    const bucket = `redirect-${randomBytes(4).toString('hex')}`;
    await createBucket(s3.endpoint, bucket);
    server = await startServer({ ...s3Env(s3.endpoint, bucket), DELIVERY: 'redirect', DELIVERY_REDIRECT_SECONDS: '120' });
  });
  after(() => server?.close());

  const manual = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, redirect: 'manual' });

  test('originals, signed links, share URLs and cached variants redirect to the bucket; the service still decides', async () => {
    const token = await register(server.base);
    const image = (await upload(server.base, token, fixture('photo.webp'))).body;
    const s3Origin = new URL((await sharedS3Server()).endpoint).origin;

    const owner = await manual(`${server.base}/images/${image.id}/content`, { authorization: `Token ${token}` });
    assert.equal(owner.status, 302);
    const location = String(owner.headers.get('location'));
    assert.ok(location.startsWith(s3Origin), location);
    assert.match(location, /X-Amz-Expires=120&/);
    assert.equal(owner.headers.get('cache-control'), 'private, max-age=0', 'the owner path revalidates every time');
    assert.equal(owner.headers.get('etag'), `"${image.sha256}"`);
    const followed = await fetchBytes(location);
    assert.equal(followed.status, 200);
    assert.equal(followed.bytes.length, image.bytes);
    assert.equal(followed.headers.get('content-type'), 'image/webp');
    assert.match(String(followed.headers.get('content-disposition')), /^inline; filename="photo\.webp"/);
    assert.equal(
      (await manual(`${server.base}/images/${image.id}/content`, { authorization: `Token ${token}`, 'if-none-match': `"${image.sha256}"` }))
        .status,
      304,
      'a revalidation is answered here, without a redirect',
    );

    // A browser follows the redirect: the signed link works as before.
    const signed = await fetchBytes(image.url);
    assert.equal(signed.status, 200);
    assert.ok(signed.bytes.equals(followed.bytes));
    assert.equal((await manual(image.url.replace(/sig=[^&]+/, 'sig=AAAA'))).status, 403, 'no redirect without the check');

    const share = (await api(server.base, '/shares/', { method: 'POST', token, json: { image: image.id, allow_download: true } })).body;
    const stable = await manual(`${share.url}/${image.id}`);
    assert.equal(stable.status, 302);
    assert.equal(stable.headers.get('cache-control'), 'public, max-age=60', 'a cached redirect outlives no presigned URL');
    assert.equal(
      (await manual(`${share.url}/${image.id}`)).headers.get('location'),
      stable.headers.get('location'),
      'the same presigned URL while half its life is left',
    );
    const fromBucket = await fetchBytes(String(stable.headers.get('location')));
    assert.equal(fromBucket.headers.get('cache-control'), 'public, max-age=300', 'the bucket answers with the share headers');
    const download = await fetchBytes(`${share.url}/${image.id}/download`);
    assert.equal(download.status, 200);
    assert.match(String(download.headers.get('content-disposition')), /^attachment; filename="photo\.webp"/);

    const locked = (await api(server.base, '/shares/', { method: 'POST', token, json: { image: image.id, password: 'a long secret' } }))
      .body;
    const direct = await fetchBytes(`${locked.url}/${image.id}`, { 'x-share-password': 'a long secret' });
    assert.equal(direct.status, 200, "a password share's bytes are never handed out as a presigned URL");
    assert.ok(direct.bytes.equals(followed.bytes));

    // A variant: rendered and sent by the first request, from the bucket once cached.
    const first = await manual(image.variants.thumb, { accept: 'image/webp' });
    assert.equal(first.status, 200);
    const firstBytes = Buffer.from(await first.arrayBuffer());
    // It is cached just after its answer.
    await server.built.services.variants.settled();
    const second = await manual(image.variants.thumb, { accept: 'image/webp' });
    assert.equal(second.status, 302);
    assert.equal(second.headers.get('vary'), 'Accept');
    const cached = await fetchBytes(String(second.headers.get('location')));
    assert.ok(cached.bytes.equals(firstBytes));
    assert.equal(cached.headers.get('content-type'), 'image/webp');
  });
});
