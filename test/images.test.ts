import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import sharp from 'sharp';
import { api, fetchBytes, fixture, fixtureNames, onBackend, register, sha256, upload, useServer, startServer } from '../testkit/index.js';

describe(onBackend('images (compat.md: endpoints)'), () => {
  const running = useServer();

  test('POST /images/ answers 201 with an integer id, an absolute url and the metadata', async () => {
    const token = await register(running.base);
    const response = await upload(running.base, token, fixture('photo.webp'));
    assert.equal(response.status, 201);
    const image = response.body;
    assert.equal(image.id, 1);
    assert.match(image.url, /^http:\/\/127\.0\.0\.1:\d+\/media\/\d+\/1\?exp=\d+&sig=[\w-]+$/);
    assert.equal(image.filename, 'photo.webp');
    assert.equal(image.content_type, 'image/webp');
    assert.equal(image.format, 'webp');
    assert.equal(image.width, 1024);
    assert.equal(image.height, 772);
    // A file without metadata is stored exactly as uploaded.
    const bytes = await readFile(fixture('photo.webp'));
    assert.equal(image.bytes, bytes.length);
    assert.equal(image.sha256, sha256(bytes));
    assert.ok(!Number.isNaN(Date.parse(image.created_at)));
    assert.equal(image.created_at, image.updated_at);
  });

  test("GET /images/ lists only the caller's images, oldest first, as a plain array", async () => {
    const token = await register(running.base);
    const other = await register(running.base);
    await upload(running.base, other, fixture('alpha.png'));
    for (const name of ['alpha.png', 'tiny-2x2.png', 'photo.webp'])
      assert.equal((await upload(running.base, token, fixture(name))).status, 201);
    const response = await api(running.base, '/images/', { token });
    assert.equal(response.status, 200);
    assert.ok(Array.isArray(response.body));
    assert.deepEqual(
      response.body.map((image: { id: number; filename: string }) => [image.id, image.filename]),
      [
        [1, 'alpha.png'],
        [2, 'tiny-2x2.png'],
        [3, 'photo.webp'],
      ],
    );
  });

  test('compat fix 1: an empty list is [] (not a string)', async () => {
    const token = await register(running.base);
    const response = await api(running.base, '/images/', { token });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, []);
  });

  test('compat fix 2: GET /images/<id>/ gives the id as an integer, also for "01"', async () => {
    const token = await register(running.base);
    await upload(running.base, token, fixture('alpha.png'));
    const response = await api(running.base, '/images/1/', { token });
    assert.equal(response.status, 200);
    assert.strictEqual(response.body.id, 1);
    const padded = await api(running.base, '/images/01/', { token });
    assert.strictEqual(padded.body.id, 1);
  });

  test('compat fix 3: PUT /images/<id>/ answers 200 with the same id and the new content', async () => {
    const token = await register(running.base);
    const created = await upload(running.base, token, fixture('alpha.png'));
    const replaced = await upload(running.base, token, fixture('photo.webp'), { method: 'PUT', path: '/images/1/' });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.id, 1);
    assert.equal(replaced.body.filename, 'photo.webp');
    assert.equal(replaced.body.content_type, 'image/webp');
    assert.equal(replaced.body.created_at, created.body.created_at);
    assert.notEqual(replaced.body.sha256, created.body.sha256);
    const served = await fetchBytes(replaced.body.url);
    assert.equal(served.status, 200);
    assert.deepEqual(served.bytes, await readFile(fixture('photo.webp')));
  });

  test('DELETE /images/<id>/ answers 204 with an empty body; the image is gone', async () => {
    const token = await register(running.base);
    const created = await upload(running.base, token, fixture('alpha.png'));
    const response = await api(running.base, '/images/1/', { method: 'DELETE', token });
    assert.equal(response.status, 204);
    assert.equal(response.text, '');
    assert.equal((await api(running.base, '/images/1/', { token })).status, 404);
    assert.equal((await fetchBytes(created.body.url)).status, 403);
    assert.deepEqual((await api(running.base, '/images/', { token })).body, []);
  });

  test('compat fix 6: ids are per user, start at 1 and are never reused, even after deleting the highest', async () => {
    const first = await register(running.base);
    const second = await register(running.base);
    assert.equal((await upload(running.base, first, fixture('alpha.png'))).body.id, 1);
    assert.equal((await upload(running.base, first, fixture('alpha.png'))).body.id, 2);
    assert.equal((await upload(running.base, second, fixture('alpha.png'))).body.id, 1);
    assert.equal((await api(running.base, '/images/2/', { method: 'DELETE', token: first })).status, 204);
    assert.equal((await upload(running.base, first, fixture('alpha.png'))).body.id, 3);
  });

  test('compat fix 7: unknown, non-numeric, negative and huge ids are 404 {"detail": "Not found."}', async () => {
    const token = await register(running.base);
    await upload(running.base, token, fixture('alpha.png'));
    for (const id of ['2', '999999', 'abc', '02x', '-1', '0', '1.5', '99999999999999999999999999', '%20', 'null']) {
      for (const method of ['GET', 'DELETE']) {
        const response = await api(running.base, `/images/${id}/`, { method, token });
        assert.equal(response.status, 404, `${method} ${id}`);
        assert.deepEqual(response.body, { detail: 'Not found.' });
      }
    }
    const put = await upload(running.base, token, fixture('alpha.png'), { method: 'PUT', path: '/images/abc/' });
    assert.equal(put.status, 404);
  });

  test('requests without a trailing slash work on every image route', async () => {
    const token = await register(running.base);
    assert.equal((await upload(running.base, token, fixture('alpha.png'), { path: '/images' })).status, 201);
    assert.equal((await api(running.base, '/images', { token })).status, 200);
    assert.equal((await api(running.base, '/images/1', { token })).status, 200);
    assert.equal((await upload(running.base, token, fixture('tiny-2x2.png'), { method: 'PUT', path: '/images/1' })).status, 200);
    assert.equal((await api(running.base, '/images/1', { method: 'DELETE', token })).status, 204);
  });

  test('method not allowed on images: 405 with Allow', async () => {
    const token = await register(running.base);
    const response = await api(running.base, '/images/', { method: 'DELETE', token });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, HEAD, POST, OPTIONS');
    assert.deepEqual(response.body, { detail: 'Method "DELETE" not allowed.' });
    const post = await api(running.base, '/images/1/', { method: 'POST', token });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD, PUT, PATCH, DELETE, OPTIONS');
  });

  test('every fixture uploads; its pixels come back unchanged (metadata removed) through url and content_url', async () => {
    const token = await register(running.base);
    for (const name of await fixtureNames()) {
      const original = await readFile(fixture(name));
      const response = await upload(running.base, token, original, { filename: name });
      if (name === 'truncated.png') {
        assert.equal(response.status, 400, name);
        assert.deepEqual(response.body, {
          image: ['Upload a valid image. The file you uploaded was either not an image or a corrupted image.'],
        });
        continue;
      }
      assert.equal(response.status, 201, `${name}: ${response.text}`);
      const viaUrl = await fetchBytes(response.body.url);
      assert.equal(viaUrl.status, 200, name);
      assert.equal(sha256(viaUrl.bytes), response.body.sha256, name);
      assert.equal(viaUrl.bytes.length, response.body.bytes, name);
      // Lossless: the decoded pixels of every frame are those of the upload.
      const decode = (input: Buffer) => sharp(input, { animated: true }).raw().toBuffer();
      assert.ok((await decode(viaUrl.bytes)).equals(await decode(original)), `${name}: pixels differ`);
      const viaToken = await fetchBytes(response.body.content_url, { authorization: `Token ${token}` });
      assert.deepEqual(viaToken.bytes, viaUrl.bytes, name);
    }
    const listed = await api(running.base, '/images/', { token });
    assert.equal(listed.body.length, (await fixtureNames()).length - 1);
    assert.ok(!listed.body.some((image: { filename: string }) => image.filename === 'truncated.png'));
  });

  test('reported dimensions are upright for every EXIF orientation', async () => {
    const token = await register(running.base);
    for (let i = 0; i <= 8; i++) {
      const response = await upload(running.base, token, fixture(`Landscape_${i}.jpg`));
      assert.equal(response.status, 201);
      assert.deepEqual([response.body.width, response.body.height], [1800, 1200], `Landscape_${i}`);
    }
  });

  test('pagination: ?limit=, ?order=newest and a cursor in Link rel="next"; limit and order are validated', async () => {
    const token = await register(running.base);
    const png = await readFile(fixture('tiny-2x2.png'));
    for (let i = 0; i < 5; i++) assert.equal((await upload(running.base, token, png, { filename: `p${i}.png` })).status, 201);
    const walk = async (first: string) => {
      const ids: number[] = [];
      const links: string[] = [];
      let path: string | null = first;
      while (path) {
        const response: { status: number; body: { id: number }[]; headers: Headers } = await api(running.base, path, { token });
        assert.equal(response.status, 200);
        ids.push(...response.body.map((image) => image.id));
        const link = /^<([^>]+)>; rel="next"$/.exec(response.headers.get('link') ?? '');
        path = link ? new URL(link[1]!).pathname + new URL(link[1]!).search : null;
        if (path) links.push(path);
      }
      return { ids, links };
    };
    const oldest = await walk('/images/?limit=2');
    assert.deepEqual(oldest.ids, [1, 2, 3, 4, 5]);
    assert.equal(oldest.links.length, 2);
    const newest = await walk('/images/?limit=2&order=newest');
    assert.deepEqual(newest.ids, [5, 4, 3, 2, 1]);
    assert.ok(newest.links.every((link) => link.includes('order=newest')));
    // A cursor continues only the order it was made for.
    const mixed = await api(running.base, newest.links[0]!.replace('order=newest', 'order=oldest'), { token });
    assert.equal(mixed.status, 400);
    assert.deepEqual(mixed.body, { cursor: ['This cursor belongs to order=newest.'] });
    const badOrder = await api(running.base, '/images/?order=random', { token });
    assert.equal(badOrder.status, 400);
    const tooBig = await api(running.base, '/images/?limit=5000', { token });
    assert.equal(tooBig.status, 400);
    assert.deepEqual(tooBig.body, { limit: ['Ensure this value is less than or equal to 1000.'] });
    const notNumber = await api(running.base, '/images/?limit=abc', { token });
    assert.deepEqual(notNumber.body, { limit: ['A valid integer is required.'] });
    const badCursor = await api(running.base, '/images/?cursor=garbage', { token });
    assert.equal(badCursor.status, 400);
    assert.deepEqual(badCursor.body, { cursor: ['Invalid cursor.'] });
  });
});

describe(onBackend('isolation between users'), () => {
  const running = useServer();
  let owner: string;
  let intruder: string;
  let image: { id: number; url: string; content_url: string };

  before(async () => {
    owner = await register(running.base);
    intruder = await register(running.base);
    image = (await upload(running.base, owner, fixture('exif-canon-40d.jpg'))).body;
  });

  test('another user gets 404 on GET, PUT, DELETE and content of the image', async () => {
    assert.deepEqual((await api(running.base, '/images/1/', { token: intruder })).body, { detail: 'Not found.' });
    assert.equal((await api(running.base, '/images/1/', { token: intruder })).status, 404);
    assert.equal((await upload(running.base, intruder, fixture('alpha.png'), { method: 'PUT', path: '/images/1/' })).status, 404);
    assert.equal((await api(running.base, '/images/1/', { method: 'DELETE', token: intruder })).status, 404);
    assert.equal((await api(running.base, '/images/1/content', { token: intruder })).status, 404);
    // Still there, unchanged, for the owner.
    const mine = await api(running.base, '/images/1/', { token: owner });
    assert.equal(mine.status, 200);
    assert.equal(mine.body.filename, 'exif-canon-40d.jpg');
  });

  test('another user sees none of the images in the list', async () => {
    assert.deepEqual((await api(running.base, '/images/', { token: intruder })).body, []);
  });

  test('compat fix 5: bytes need the owner token or a signed link', async () => {
    assert.equal((await fetchBytes(image.content_url)).status, 401);
    const unsigned = new URL(image.url);
    unsigned.search = '';
    assert.equal((await fetchBytes(unsigned.toString())).status, 403);
    assert.equal((await fetchBytes(image.url)).status, 200);
  });
});

describe(onBackend('KEEP_METADATA=true'), () => {
  test('every fixture comes back byte for byte as uploaded', async () => {
    const server = await startServer({ KEEP_METADATA: 'true' });
    try {
      const token = await register(server.base);
      for (const name of await fixtureNames()) {
        if (name === 'truncated.png') continue;
        const original = await readFile(fixture(name));
        const response = await upload(server.base, token, original, { filename: name });
        assert.equal(response.status, 201, name);
        assert.equal(response.body.sha256, sha256(original), name);
        assert.equal(sha256((await fetchBytes(response.body.url)).bytes), sha256(original), name);
      }
    } finally {
      await server.close();
    }
  });
});
