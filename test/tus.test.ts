import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import * as tus from 'tus-js-client';
import {
  api,
  backend,
  backendResources,
  onBackend,
  register,
  startServer,
  upload,
  type BackendResources,
  type TestServer,
} from '../testkit/index.js';

/** A clock the test moves forward (upload expiry). */
let offsetMs = 0;
const clock = () => Date.now() + offsetMs;

/** A PNG of noise: it does not compress, so it spans several chunks. */
async function noisePng(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

const TUS = { 'tus-resumable': '1.0.0' };
const b64 = (text: string) => Buffer.from(text).toString('base64');

async function create(base: string, token: string, length: number, metadata = '', headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/uploads/`, {
    method: 'POST',
    headers: {
      ...TUS,
      authorization: `Token ${token}`,
      'upload-length': String(length),
      ...(metadata ? { 'upload-metadata': metadata } : {}),
      ...headers,
    },
  });
  return response;
}

function patch(url: string, token: string, offset: number, chunk: Buffer, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'PATCH',
    headers: {
      ...TUS,
      authorization: `Token ${token}`,
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
      ...headers,
    },
    body: new Uint8Array(chunk),
  });
}

async function offsetOf(url: string, token: string): Promise<number | null> {
  const response = await fetch(url, { method: 'HEAD', headers: { ...TUS, authorization: `Token ${token}` } });
  return response.status === 200 ? Number(response.headers.get('upload-offset')) : null;
}

/** Sends part of a chunk and then drops the connection, like a phone losing its signal mid-request. */
function patchAndDrop(url: string, token: string, offset: number, chunk: Buffer, sendBytes: number): Promise<void> {
  return new Promise((resolve) => {
    const request = httpRequest(url, {
      method: 'PATCH',
      headers: {
        ...TUS,
        authorization: `Token ${token}`,
        'upload-offset': String(offset),
        'content-type': 'application/offset+octet-stream',
        'content-length': String(chunk.length),
      },
    });
    request.on('error', () => undefined);
    request.write(chunk.subarray(0, sendBytes), () =>
      setTimeout(() => {
        request.destroy();
        resolve();
      }, 150),
    );
  });
}

/** Uploads with the tus reference client, in chunks; resolves with the final answer's status and JSON body. */
function tusUpload(
  base: string,
  token: string,
  file: Buffer,
  options: Partial<tus.UploadOptions> = {},
): Promise<{ url: string; status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(file, {
      endpoint: `${base}/uploads/`,
      headers: { authorization: `Token ${token}` },
      chunkSize: 256 * 1024,
      retryDelays: [0, 100, 300],
      metadata: { filename: 'noise.png' },
      ...options,
      onSuccess: ({ lastResponse }) =>
        resolve({ url: upload.url!, status: lastResponse.getStatus(), body: JSON.parse(lastResponse.getBody() || '{}') }),
      onError: reject,
    });
    upload.start();
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function storedParts(server: TestServer): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of server.built.services.storage.list('uploads/')) keys.push(key);
  return keys;
}

describe(onBackend('resumable uploads (tus 1.0)'), () => {
  let resources: BackendResources;
  let server: TestServer;
  let png: Buffer;
  const env = {
    MAX_UPLOAD_BYTES: String(512 * 1024),
    MAX_RESUMABLE_UPLOAD_BYTES: String(8 * 1024 * 1024),
    UPLOAD_EXPIRY_HOURS: '1',
  };

  before(async () => {
    resources = await backendResources();
    server = await startServer({ ...env, DATA_DIR: await (await import('../testkit/index.js')).tempDataDir() }, resources, { clock });
    png = await noisePng(700, 500);
  });
  after(async () => {
    await server.close();
    await resources.release();
  });

  test('discovery: OPTIONS names the version, extensions, checksum algorithm and the size limit', async () => {
    const response = await fetch(`${server.base}/uploads/`, { method: 'OPTIONS' });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('tus-version'), '1.0.0');
    assert.equal(response.headers.get('tus-extension'), 'creation,creation-with-upload,termination,expiration,checksum');
    assert.equal(response.headers.get('tus-checksum-algorithm'), 'sha256');
    assert.equal(response.headers.get('tus-max-size'), String(8 * 1024 * 1024));
  });

  test('the tus client uploads in chunks beyond MAX_UPLOAD_BYTES; the last answer is the image, with the metadata fields', async () => {
    const token = await register(server.base);
    assert.ok(png.length > 512 * 1024, `${png.length} bytes`);
    const multipart = await upload(server.base, token, png, { filename: 'noise.png' });
    assert.equal(multipart.status, 413, 'the single-request limit is smaller');
    const result = await tusUpload(server.base, token, png, { metadata: { filename: 'noise.png', title: 'Static', tags: 'noise,test' } });
    assert.equal(result.status, 200);
    assert.equal(result.body.filename, 'noise.png');
    assert.equal(result.body.title, 'Static');
    assert.deepEqual(result.body.tags, ['noise', 'test']);
    assert.equal(result.body.width, 700);
    const status = await api(server.base, new URL(result.url).pathname, { token });
    assert.equal(status.body.status, 'done');
    assert.equal(status.body.offset, png.length);
    assert.equal(status.body.image.id, result.body.id);
    assert.deepEqual(await storedParts(server), [], 'the parts are removed once the image is stored');
  });

  test('interrupted mid-chunk: the bytes that arrived are kept, HEAD says where to resume, the client finishes it', async () => {
    const token = await register(server.base);
    const created = await create(server.base, token, png.length, `filename ${b64('resumed.png')}`);
    assert.equal(created.status, 201);
    const url = created.headers.get('location')!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/uploads\/[0-9a-f]{32}$/);
    assert.equal(created.headers.get('upload-offset'), '0');
    assert.ok(created.headers.get('upload-expires'));
    assert.equal((await patch(url, token, 0, png.subarray(0, 100_000))).status, 204);
    await patchAndDrop(url, token, 100_000, png.subarray(100_000, 400_000), 150_000);
    // The server keeps what arrived once it sees the connection gone (on S3 after storing it): wait for that.
    let resumeAt = 0;
    for (let tries = 0; tries < 50 && resumeAt <= 100_000; tries++) {
      resumeAt = (await offsetOf(url, token))!;
      if (resumeAt <= 100_000) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(resumeAt > 100_000 && resumeAt <= 250_000, `offset ${resumeAt}`);
    // A chunk sent at a stale offset is refused, changing nothing.
    assert.equal((await patch(url, token, 100_000, png.subarray(100_000, 110_000))).status, 409);
    const result = await tusUpload(server.base, token, png, { uploadUrl: url });
    assert.equal(result.status, 200);
    assert.equal(result.body.filename, 'resumed.png');
    const stored = await fetch(result.body.url as string);
    assert.equal(sha256(Buffer.from(await stored.arrayBuffer())), result.body.sha256);
  });

  test('checksum (sha256): a mismatching chunk is 460 and dropped, a matching one is kept; other algorithms 400', async () => {
    const token = await register(server.base);
    const url = (await create(server.base, token, png.length)).headers.get('location')!;
    const chunk = png.subarray(0, 64 * 1024);
    const wrong = await patch(url, token, 0, chunk, {
      'upload-checksum': `sha256 ${createHash('sha256').update('other').digest('base64')}`,
    });
    assert.equal(wrong.status, 460);
    assert.match((await wrong.json()).detail, /checksum/);
    assert.equal(await offsetOf(url, token), 0);
    const right = await patch(url, token, 0, chunk, { 'upload-checksum': `sha256 ${createHash('sha256').update(chunk).digest('base64')}` });
    assert.equal(right.status, 204);
    assert.equal(right.headers.get('upload-offset'), String(chunk.length));
    const md5 = await patch(url, token, chunk.length, chunk, { 'upload-checksum': 'md5 AAAA' });
    assert.equal(md5.status, 400);
    assert.deepEqual(await md5.json(), { 'Upload-Checksum': ['Only sha256 is supported (Tus-Checksum-Algorithm).'] });
  });

  test('a refused file: the last chunk gets the same 4xx body a multipart upload gets; GET says refused', async () => {
    const token = await register(server.base);
    const junk = randomBytes(300_000);
    const multipart = await upload(server.base, token, junk.subarray(0, 200_000));
    const url = (await create(server.base, token, junk.length)).headers.get('location')!;
    assert.equal((await patch(url, token, 0, junk.subarray(0, 200_000))).status, 204);
    const last = await patch(url, token, 200_000, junk.subarray(200_000));
    assert.equal(last.status, 400);
    assert.deepEqual(await last.json(), multipart.body);
    const status = await api(server.base, new URL(url).pathname, { token });
    assert.equal(status.body.status, 'refused');
    assert.deepEqual(status.body.error, { status: 400, body: multipart.body });
    assert.equal((await api(server.base, '/images/', { token })).body.length, 0);
  });

  test('creation-with-upload, termination, bad headers, and nobody else sees an upload', async () => {
    const token = await register(server.base);
    const first = png.subarray(0, 50_000);
    const created = await fetch(`${server.base}/uploads/`, {
      method: 'POST',
      headers: {
        ...TUS,
        authorization: `Token ${token}`,
        'upload-length': String(png.length),
        'content-type': 'application/offset+octet-stream',
      },
      body: new Uint8Array(first),
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('upload-offset'), '50000');
    const url = created.headers.get('location')!;
    const stranger = await register(server.base);
    assert.equal(await offsetOf(url, stranger), null);
    assert.equal((await patch(url, stranger, 50_000, first)).status, 404);
    assert.equal((await fetch(url, { method: 'DELETE', headers: { ...TUS, authorization: `Token ${stranger}` } })).status, 404);
    assert.ok((await storedParts(server)).some((key) => key.includes(new URL(url).pathname.split('/')[2]!)));
    const deleted = await fetch(url, { method: 'DELETE', headers: { ...TUS, authorization: `Token ${token}` } });
    assert.equal(deleted.status, 204);
    assert.equal(await offsetOf(url, token), null);
    assert.ok(!(await storedParts(server)).some((key) => key.includes(new URL(url).pathname.split('/')[2]!)));
    // Headers: the version, the length, the content type.
    const noVersion = await fetch(`${server.base}/uploads/`, {
      method: 'POST',
      headers: { authorization: `Token ${token}`, 'upload-length': '10' },
    });
    assert.equal(noVersion.status, 412);
    assert.equal(noVersion.headers.get('tus-version'), '1.0.0');
    assert.deepEqual(await (await create(server.base, token, -1 as number)).json(), {
      'upload-length': ['A non-negative integer is required.'],
    });
    assert.equal((await create(server.base, token, 9 * 1024 * 1024)).status, 413);
    const url2 = (await create(server.base, token, 100)).headers.get('location')!;
    const wrongType = await fetch(url2, {
      method: 'PATCH',
      headers: { ...TUS, authorization: `Token ${token}`, 'upload-offset': '0', 'content-type': 'application/octet-stream' },
      body: 'x',
    });
    assert.equal(wrongType.status, 415);
    assert.equal((await patch(url2, token, 0, Buffer.alloc(101))).status, 400, 'past Upload-Length');
    assert.equal((await create(server.base, token, 10, 'bad metadata here')).status, 400);
    assert.equal((await fetch(`${server.base}/uploads/`, { method: 'POST', headers: { ...TUS, 'upload-length': '10' } })).status, 401);
  });

  test('the album in Upload-Metadata: checked at creation, the image goes into it', async () => {
    const token = await register(server.base);
    const album = (await api(server.base, '/albums/', { method: 'POST', token, json: { title: 'Big ones' } })).body;
    const unknown = await create(server.base, token, png.length, `album ${b64('42')}`);
    assert.equal(unknown.status, 400);
    assert.deepEqual(await unknown.json(), { album: ['Invalid pk "42" - object does not exist.'] });
    const result = await tusUpload(server.base, token, png, { metadata: { filename: 'in-album.png', album: String(album.id) } });
    assert.equal(result.status, 200);
    assert.deepEqual(result.body.albums, [album.id]);
  });

  test('Idempotency-Key on creation: a retry gets the same upload', async () => {
    const token = await register(server.base);
    const first = await create(server.base, token, 1000, '', { 'idempotency-key': 'create-1' });
    const again = await create(server.base, token, 1000, '', { 'idempotency-key': 'create-1' });
    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('location'), first.headers.get('location'));
    assert.equal((await create(server.base, token, 2000, '', { 'idempotency-key': 'create-1' })).status, 422);
  });

  test('expiry: an unfinished upload is gone after UPLOAD_EXPIRY_HOURS, and the sweep (image-api gc) removes its bytes', async () => {
    const token = await register(server.base);
    const url = (await create(server.base, token, png.length)).headers.get('location')!;
    assert.equal((await patch(url, token, 0, png.subarray(0, 80_000))).status, 204);
    const id = new URL(url).pathname.split('/')[2]!;
    assert.ok((await storedParts(server)).some((key) => key.includes(id)));
    offsetMs += 61 * 60 * 1000;
    try {
      assert.equal(await offsetOf(url, token), null);
      const garbage = await server.built.services.maintenance.findGarbage();
      assert.ok(garbage.expiredResumable.includes(id));
      const report = await server.built.services.maintenance.sweep();
      assert.ok(report.expiredResumableRemoved >= 1);
      assert.ok(!(await storedParts(server)).some((key) => key.includes(id)));
    } finally {
      offsetMs = 0;
    }
  });

  test('resumed after a server restart (and on PostgreSQL + S3, on another instance)', async () => {
    const token = await register(server.base);
    const url = (await create(server.base, token, png.length, `filename ${b64('restart.png')}`)).headers.get('location')!;
    assert.equal((await patch(url, token, 0, png.subarray(0, 300_000))).status, 204);
    const path = new URL(url).pathname;
    await server.built.app.close();
    server = await startServer({ ...server.env, PORT: '' }, resources, { clock });
    const moved = `${server.base}${path}`;
    assert.equal(await offsetOf(moved, token), 300_000);
    if (backend === 'postgres') {
      // Another instance on the same database and bucket takes the next chunk, this one the last.
      const other = await startServer(
        { ...server.env, PORT: '', DATA_DIR: await (await import('../testkit/index.js')).tempDataDir() },
        resources,
      );
      try {
        assert.equal((await patch(`${other.base}${path}`, token, 300_000, png.subarray(300_000, 600_000))).status, 204);
      } finally {
        await other.built.app.close();
      }
    }
    const result = await tusUpload(server.base, token, png, { uploadUrl: moved });
    assert.equal(result.status, 200);
    assert.equal(result.body.filename, 'restart.png');
    assert.equal(result.body.width, 700);
  });
});

describe(onBackend('resumable uploads: the quota is checked at creation, before any byte'), () => {
  let resources: BackendResources;
  let server: TestServer;
  before(async () => {
    resources = await backendResources();
    server = await startServer({ QUOTA_BYTES: '100000' }, resources);
  });
  after(async () => {
    await server.close();
    await resources.release();
  });

  test('Upload-Length over the quota: 413 with the quota body, no upload created', async () => {
    const token = await register(server.base);
    const response = await create(server.base, token, 200_000);
    assert.equal(response.status, 413);
    assert.deepEqual(await response.json(), {
      detail: 'Storage quota exceeded: you may keep 100000 bytes.',
      quota: 'bytes',
      limit: 100000,
      used: 0,
    });
    assert.equal(response.headers.get('location'), null);
    assert.equal((await create(server.base, token, 50_000)).status, 201);
  });
});
