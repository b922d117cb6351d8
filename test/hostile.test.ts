import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { api, fixture, onBackend, register, sha256, upload, useServer, startServer } from '../testkit/index.js';

const INVALID = { image: ['Upload a valid image. The file you uploaded was either not an image or a corrupted image.'] };

function crc32(data: Buffer): number {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG whose header claims width×height (grey, 8 bits) with only a few rows of data: a pixel bomb. */
function pixelBombPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  const rows = Buffer.alloc(4 * (width + 1));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

interface RawResult {
  status: number;
  body: string;
  bytesSent: number;
}

/**
 * Streams a multipart upload of `totalBytes` of file data in chunks, without Content-Length,
 * and stops sending as soon as the server answers. Reports how much had been sent by then.
 */
function streamHugeUpload(base: string, token: string, totalBytes: number, declareLength = false): Promise<RawResult> {
  const boundary = `----boundary${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="huge.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL('/images/', base);
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let answered = false;
    const headers: Record<string, string | number> = {
      authorization: `Token ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    };
    if (declareLength) headers['content-length'] = head.length + totalBytes + tail.length;
    const req = httpRequest(url, { method: 'POST', headers });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), bytesSent });
        req.destroy();
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(256 * 1024, 0xab);
    const pump = () => {
      if (answered) return;
      if (bytesSent === 0) req.write(head);
      while (bytesSent < totalBytes && !answered) {
        const ok = req.write(chunk);
        bytesSent += chunk.length;
        if (!ok) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end(tail);
    };
    pump();
  });
}

describe(onBackend('hostile and bad input: always a 4xx JSON answer, nothing stored'), () => {
  const running = useServer();
  let token: string;

  before(async () => {
    token = await register(running.base);
  });

  async function assertNothingStored(): Promise<void> {
    assert.deepEqual((await api(running.base, '/images/', { token })).body, []);
    assert.deepEqual(await readdir(join(running.server.config.dataDir, 'tmp')), []);
  }

  test('text named .jpg, zero bytes, random bytes and SVG are refused by content', async () => {
    const cases: [string, Buffer, string, object][] = [
      ['notes.jpg', Buffer.from('this is plain text, not a picture\n'.repeat(20)), 'image/jpeg', INVALID],
      ['empty.png', Buffer.alloc(0), 'image/png', { image: ['The submitted file is empty.'] }],
      ['noise.webp', randomBytes(64 * 1024), 'image/webp', INVALID],
      [
        'vector.svg',
        Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>',
        ),
        'image/svg+xml',
        INVALID,
      ],
      ['page.png', Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>'), 'image/png', INVALID],
      ['doc.gif', Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF'), 'image/gif', INVALID],
    ];
    for (const [filename, bytes, contentType, expected] of cases) {
      const response = await upload(running.base, token, bytes, { filename, contentType });
      assert.equal(response.status, 400, filename);
      assert.deepEqual(response.body, expected, filename);
    }
    await assertNothingStored();
  });

  test('the truncated PNG fixture is refused with 400 and leaves nothing behind', async () => {
    const response = await upload(running.base, token, fixture('truncated.png'));
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, INVALID);
    await assertNothingStored();
  });

  test('a pixel bomb (tiny file, 20000×20000 header) is refused from its header, before decoding', async () => {
    const bomb = pixelBombPng(20_000, 20_000);
    assert.ok(bomb.length < 1024);
    const response = await upload(running.base, token, bomb, { filename: 'bomb.png' });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { image: ['Image is too large: 20000×20000 pixels exceeds the limit of 50000000 pixels.'] });
    await assertNothingStored();
  });

  test('an extreme shape (16,777,218×2: few pixels, huge rows) is refused from its header by the per-side limit', async () => {
    const response = await upload(running.base, token, pixelBombPng(16_777_218, 2), { filename: 'wide.png' });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { image: ['Image is too large: 16777218×2 exceeds the limit of 25000 pixels per side.'] });
    await assertNothingStored();
  });

  test('a real image just over a lowered pixel limit is refused; one under it is accepted', async () => {
    const small = await startServer({ MAX_IMAGE_PIXELS: '10000' });
    try {
      const user = await register(small.base);
      const over = await sharp({ create: { width: 101, height: 100, channels: 3, background: '#336699' } })
        .png()
        .toBuffer();
      const under = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#336699' } })
        .png()
        .toBuffer();
      const refused = await upload(small.base, user, over, { filename: 'over.png' });
      assert.equal(refused.status, 400);
      assert.match(refused.body.image[0], /^Image is too large: 101×100 pixels/);
      assert.equal((await upload(small.base, user, under, { filename: 'under.png' })).status, 201);
    } finally {
      await small.close();
    }
  });

  test('a 60 MB upload: 413, and the server stops reading long before the end', async () => {
    const total = 60 * 1024 * 1024;
    const result = await streamHugeUpload(running.base, token, total);
    assert.equal(result.status, 413);
    assert.deepEqual(JSON.parse(result.body), { image: [`Ensure this file is at most ${25 * 1024 * 1024} bytes.`] });
    assert.ok(result.bytesSent < 40 * 1024 * 1024, `sent ${result.bytesSent} bytes before the answer`);
    await assertNothingStored();
  });

  test('a 120 MB upload that declares its length (over MAX_UPLOAD_REQUEST_BYTES) is refused before any of it is read', async () => {
    const result = await streamHugeUpload(running.base, token, 120 * 1024 * 1024, true);
    assert.equal(result.status, 413);
    assert.ok(result.bytesSent < 8 * 1024 * 1024, `sent ${result.bytesSent} bytes before the answer`);
    await assertNothingStored();
  });

  test('file names with ../, backslashes, NUL/CR/LF, 1,000 characters and emoji are stored and served safely', async () => {
    const png = await readFile(fixture('tiny-2x2.png'));
    const cases: [string, string][] = [
      ['../../etc/passwd.png', 'passwd.png'],
      ['..\\..\\windows\\system32\\evil.png', 'evil.png'],
      ['nul\u0000byte.png', 'nulbyte.png'],
      ['bad\r\nSet-Cookie: x=1.png', 'badSet-Cookie: x=1.png'],
      ['😀 smile 🖼️.png', '😀 smile 🖼️.png'],
      ['..', 'image'],
    ];
    const long = `${'a'.repeat(1000)}.png`;
    cases.push([long, long.slice(-255)]);
    for (const [given, expected] of cases) {
      const response = await upload(running.base, token, png, { filename: given });
      assert.equal(response.status, 201, JSON.stringify(given));
      assert.equal(response.body.filename, expected, JSON.stringify(given));
      const served = await fetch(response.body.url);
      assert.equal(served.status, 200);
      const disposition = served.headers.get('content-disposition')!;
      assert.doesNotMatch(disposition, /[\r\n\0]/);
      assert.equal(sha256(Buffer.from(await served.arrayBuffer())), sha256(png));
    }
    // Nothing escaped the storage directory.
    const listed = await api(running.base, '/images/', { token });
    assert.equal(listed.body.length, cases.length);
    for (const image of listed.body)
      assert.equal((await api(running.base, `/images/${image.id}/`, { method: 'DELETE', token })).status, 204);
  });

  test('wrong multipart field, no file part, a JSON body: 400 No file was submitted.', async () => {
    const png = await readFile(fixture('tiny-2x2.png'));
    const wrongField = await upload(running.base, token, png, { field: 'file' });
    assert.equal(wrongField.status, 400);
    assert.deepEqual(wrongField.body, { image: ['No file was submitted.'] });
    const onlyFields = new FormData();
    onlyFields.append('image', 'not a file');
    const fieldsResponse = await api(running.base, '/images/', { method: 'POST', token, body: onlyFields });
    assert.equal(fieldsResponse.status, 400);
    assert.deepEqual(fieldsResponse.body, { image: ['No file was submitted.'] });
    const json = await api(running.base, '/images/', { method: 'POST', token, json: { image: 'x' } });
    assert.equal(json.status, 400);
    assert.deepEqual(json.body, { image: ['No file was submitted.'] });
    const empty = await api(running.base, '/images/', { method: 'POST', token });
    assert.equal(empty.status, 400);
    await assertNothingStored();
  });

  test('malformed multipart and too many parts: 4xx JSON', async () => {
    const broken = await api(running.base, '/images/', {
      method: 'POST',
      token,
      body: '--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\nabc',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
    });
    assert.ok(broken.status >= 400 && broken.status < 500, String(broken.status));
    assert.equal(typeof broken.body, 'object');
    const many = new FormData();
    for (let i = 0; i < 60; i++) many.append(`field${i}`, 'x');
    const manyResponse = await api(running.base, '/images/', { method: 'POST', token, body: many });
    assert.ok(manyResponse.status >= 400 && manyResponse.status < 500, String(manyResponse.status));
    assert.equal(typeof manyResponse.body, 'object');
    await assertNothingStored();
  });

  test('several files: those in the field "image" are each stored (207), other file fields are ignored', async () => {
    const form = new FormData();
    form.append('other', new Blob([randomBytes(1000)]), 'junk.bin');
    form.append('image', new Blob([await readFile(fixture('alpha.png'))]), 'alpha.png');
    form.append('image', new Blob([await readFile(fixture('tiny-2x2.png'))]), 'second.png');
    const response = await api(running.base, '/images/', { method: 'POST', token, body: form });
    assert.equal(response.status, 207);
    assert.deepEqual(
      response.body.results.map((result: { index: number; status: number; image: { filename: string } }) => [
        result.index,
        result.status,
        result.image.filename,
      ]),
      [
        [0, 201, 'alpha.png'],
        [1, 201, 'second.png'],
      ],
    );
    for (const result of response.body.results) {
      assert.equal((await api(running.base, `/images/${result.image.id}/`, { method: 'DELETE', token })).status, 204);
    }
  });

  test('unknown routes and malformed URLs: 404/400 JSON, never 5xx', async () => {
    for (const path of ['/nope', '/images/1/2/3', '/media/1', '/media/x/y?exp=1&sig=a', '/%', '/images/%zz/']) {
      const response = await api(running.base, path, { token });
      assert.ok(response.status === 404 || response.status === 400 || response.status === 403, `${path}: ${response.status}`);
      assert.equal(typeof response.body, 'object', path);
    }
  });
});
