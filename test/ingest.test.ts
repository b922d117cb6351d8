import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { api, fixture, onBackend, register, upload, useServer } from '../testkit/index.js';

/** A remote image server on 127.0.0.1 with the behaviours URL imports meet: redirects, slowness, lies, floods. */
async function remoteServer(): Promise<{ server: Server; origin: string; hits: string[] }> {
  const png = await readFile(fixture('alpha.png'));
  const webp = await readFile(fixture('photo.webp'));
  const hits: string[] = [];
  const routes: Record<string, (response: ServerResponse, origin: string) => void> = {
    '/alpha.png': (response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png),
    '/lying-type': (response) => response.writeHead(200, { 'content-type': 'text/html' }).end(webp),
    '/html-as-png': (response) => response.writeHead(200, { 'content-type': 'image/png' }).end('<html><body>secret page</body></html>'),
    '/missing': (response) => response.writeHead(404, { 'content-type': 'text/plain' }).end('secret internal error text'),
    '/redirect': (response, origin) => response.writeHead(302, { location: `${origin}/redirect-2` }).end(),
    '/redirect-2': (response) => response.writeHead(301, { location: '/alpha.png' }).end(),
    '/loop': (response) => response.writeHead(302, { location: '/loop' }).end(),
    '/to-other-loopback': (response, origin) =>
      response.writeHead(302, { location: origin.replace('127.0.0.1', '127.0.0.2') + '/alpha.png' }).end(),
    '/declared-huge': (response) => {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': String(50 * 1024 * 1024) });
      response.write(png.subarray(0, 100));
    },
    '/chunked-huge': (response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(256 * 1024, 7);
      const pump = () => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    },
    '/slow-headers': (response) => {
      setTimeout(() => response.writeHead(200).end(png), 5000).unref();
    },
    '/trickle': (response) => {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
      let sent = 0;
      const timer = setInterval(() => {
        if (response.destroyed || sent >= png.length) return clearInterval(timer);
        response.write(png.subarray(sent, sent + 10));
        sent += 10;
      }, 200);
      timer.unref();
    },
    '/cut-short': (response) => {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
      response.write(png.subarray(0, 50));
      setTimeout(() => response.destroy(), 50);
    },
  };
  let origin = '';
  const server = createServer((request, response) => {
    hits.push(request.url ?? '');
    const route = routes[(request.url ?? '').split('?')[0]!];
    if (route) route(response, origin);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin, hits };
}

describe(onBackend('ingest: upload from a URL (local servers only), several files, idempotency keys'), () => {
  const running = useServer({
    OUTBOUND_ALLOW: '127.0.0.1/32',
    MAX_UPLOAD_BYTES: String(4 * 1024 * 1024),
    OUTBOUND_FIRST_BYTE_TIMEOUT_SECONDS: '1',
    OUTBOUND_TIMEOUT_SECONDS: '2',
    MAX_FILES_PER_REQUEST: '3',
  });
  const closed = useServer();
  const limited = useServer({ OUTBOUND_ALLOW: '127.0.0.1/32', URL_FETCHES_PER_HOUR: '2' });
  let remote: Awaited<ReturnType<typeof remoteServer>>;
  before(async () => {
    remote = await remoteServer();
  });
  after(() => new Promise<void>((resolve) => remote.server.close(() => resolve())));

  const fromUrl = (token: string, json: Record<string, unknown>, headers: Record<string, string> = {}) =>
    api(running.base, '/images/', { method: 'POST', token, json, headers });

  async function imageCount(base: string, token: string): Promise<number> {
    return (await api(base, '/images/', { token })).body.length;
  }

  test('refused by default: loopback is not fetched without OUTBOUND_ALLOW', async () => {
    const token = await register(closed.base);
    const before = remote.hits.length;
    const response = await api(closed.base, '/images/', { method: 'POST', token, json: { url: `${remote.origin}/alpha.png` } });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { url: ['The address is a loopback address (127.0.0.1) and is not allowed.'] });
    assert.equal(remote.hits.length, before);
    assert.equal(await imageCount(closed.base, token), 0);
  });

  test('fetched when allowed: the same ingest as an upload (file name from the URL, fields applied)', async () => {
    const token = await register(running.base);
    const response = await fromUrl(token, { url: `${remote.origin}/alpha.png?v=1`, title: 'From afar', tags: ['remote', 'test'] });
    assert.equal(response.status, 201, response.text);
    assert.equal(response.body.filename, 'alpha.png');
    assert.equal(response.body.title, 'From afar');
    assert.deepEqual(response.body.tags, ['remote', 'test']);
    const uploaded = await upload(running.base, token, fixture('alpha.png'));
    assert.equal(response.body.sha256, uploaded.body.sha256);
    const named = await fromUrl(token, { url: `${remote.origin}/alpha.png`, filename: 'mine.png' });
    assert.equal(named.body.filename, 'mine.png');
  });

  test('redirects are followed (each checked); a loop stops after 5; a redirect to a refused address is refused', async () => {
    const token = await register(running.base);
    const redirected = await fromUrl(token, { url: `${remote.origin}/redirect` });
    assert.equal(redirected.status, 201, redirected.text);
    assert.equal(redirected.body.filename, 'alpha.png');
    const loop = await fromUrl(token, { url: `${remote.origin}/loop` });
    assert.deepEqual(loop.body, { url: ['Too many redirects (more than 5).'] });
    const other = await fromUrl(token, { url: `${remote.origin}/to-other-loopback` });
    assert.equal(other.status, 400);
    assert.deepEqual(other.body, { url: ['The address is a loopback address (127.0.0.2) and is not allowed.'] });
    assert.equal(await imageCount(running.base, token), 1);
  });

  test('the remote type is not trusted: content decides; the remote body is never echoed', async () => {
    const token = await register(running.base);
    const lying = await fromUrl(token, { url: `${remote.origin}/lying-type` });
    assert.equal(lying.status, 201);
    assert.equal(lying.body.format, 'webp');
    const html = await fromUrl(token, { url: `${remote.origin}/html-as-png` });
    assert.equal(html.status, 400);
    assert.ok(Array.isArray(html.body.url), html.text);
    assert.doesNotMatch(html.text, /secret page/);
    const missing = await fromUrl(token, { url: `${remote.origin}/missing` });
    assert.deepEqual(missing.body, { url: ['The server answered 404; expected 200.'] });
    assert.doesNotMatch(missing.text, /secret/);
  });

  test('oversized bodies (declared or streamed), slow servers and cut-short bodies: 400 under url, nothing stored', async () => {
    const token = await register(running.base);
    const cases: [string, RegExp][] = [
      ['/declared-huge', /larger than the limit of 4194304 bytes/],
      ['/chunked-huge', /larger than the limit of 4194304 bytes/],
      ['/slow-headers', /did not answer in time/],
      ['/trickle', /took too long/],
      ['/cut-short', /closed the connection|took too long|not a complete|truncated|valid image|decode/i],
    ];
    for (const [path, expected] of cases) {
      const started = Date.now();
      const response = await fromUrl(token, { url: `${remote.origin}${path}` });
      assert.equal(response.status, 400, `${path}: ${response.text}`);
      assert.match(response.body.url[0], expected, path);
      assert.ok(Date.now() - started < 4000, `${path} took ${Date.now() - started} ms`);
    }
    assert.equal(await imageCount(running.base, token), 0);
  });

  test('URL_FETCHES_PER_HOUR: past it, 429 with Retry-After and nothing fetched', async () => {
    const token = await register(limited.base);
    const fetch = () => api(limited.base, '/images/', { method: 'POST', token, json: { url: `${remote.origin}/alpha.png` } });
    assert.equal((await fetch()).status, 201);
    assert.equal((await fetch()).status, 201);
    const before = remote.hits.length;
    const third = await fetch();
    assert.equal(third.status, 429);
    assert.match(third.body.detail, /at most 2 an hour/);
    assert.ok(Number(third.headers.get('retry-after')) > 3000);
    assert.equal(remote.hits.length, before);
  });

  test('bad requests: no url, not a string, other schemes, credentials', async () => {
    const token = await register(running.base);
    assert.deepEqual((await fromUrl(token, { url: 7 })).body, { url: ['Not a valid string.'] });
    assert.deepEqual((await fromUrl(token, { url: 'ftp://127.0.0.1/a.png' })).body, { url: ['Only http and https URLs are allowed.'] });
    assert.deepEqual((await fromUrl(token, { url: `http://u:p@127.0.0.1/` })).body, { url: ['URLs with credentials are not allowed.'] });
    assert.deepEqual((await fromUrl(token, { url: 'x'.repeat(3000) })).body, {
      url: ['Ensure this field has no more than 2048 characters.'],
    });
  });

  test('the album field puts the new image into an album (multipart and URL); an unknown album is 400, nothing stored', async () => {
    const token = await register(running.base);
    const album = (await api(running.base, '/albums/', { method: 'POST', token, json: { title: 'Trip' } })).body;
    const byForm = await upload(running.base, token, fixture('alpha.png'), { fields: { album: String(album.id) } });
    assert.equal(byForm.status, 201);
    assert.deepEqual(byForm.body.albums, [album.id]);
    const byUrl = await fromUrl(token, { url: `${remote.origin}/lying-type`, album: album.id });
    assert.deepEqual(byUrl.body.albums, [album.id]);
    assert.equal((await api(running.base, `/albums/${album.id}/`, { token })).body.image_count, 2);
    const unknown = await upload(running.base, token, fixture('alpha.png'), { fields: { album: '99' } });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body, { album: ['Invalid pk "99" - object does not exist.'] });
    const stranger = await register(running.base);
    const theirs = await upload(running.base, stranger, fixture('alpha.png'), { fields: { album: String(album.id) } });
    assert.deepEqual(theirs.body, { album: [`Invalid pk "${album.id}" - object does not exist.`] });
    assert.equal(await imageCount(running.base, token), 2);
    assert.equal(await imageCount(running.base, stranger), 0);
  });

  test('the image as the whole body (Content-Type: image/…): named by ?filename= or Content-Disposition, checked as ever', async () => {
    const token = await register(running.base);
    const png = await readFile(fixture('alpha.png'));
    const raw = (path: string, body: Buffer, headers: Record<string, string> = {}, method = 'POST') =>
      api(running.base, path, { method, token, body, headers: { 'content-type': 'image/png', ...headers } });
    const named = await raw('/images/?filename=from-query.png', png);
    assert.equal(named.status, 201, named.text);
    assert.equal(named.body.filename, 'from-query.png');
    const uploaded = await upload(running.base, token, png);
    assert.equal(named.body.sha256, uploaded.body.sha256, 'the same ingest as multipart');
    const disposed = await raw('/images/', png, { 'content-disposition': 'attachment; filename="disposed.png"' });
    assert.equal(disposed.body.filename, 'disposed.png');
    const utf8 = await raw('/images/', png, { 'content-disposition': "attachment; filename*=UTF-8''caf%C3%A9.png" });
    assert.equal(utf8.body.filename, 'café.png');
    // The declared type is not trusted: WebP bytes sent as image/png are a WebP; text is refused.
    const webp = await raw('/images/', await readFile(fixture('photo.webp')));
    assert.equal(webp.body.format, 'webp');
    const text = await raw('/images/', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), { 'content-type': 'image/svg+xml' });
    assert.equal(text.status, 400);
    assert.ok(Array.isArray(text.body.image));
    const replaced = await raw(`/images/${named.body.id}/`, await readFile(fixture('photo.webp')), {}, 'PUT');
    assert.deepEqual([replaced.status, replaced.body.id, replaced.body.format], [200, named.body.id, 'webp']);
    const tooLarge = await raw('/images/', Buffer.alloc(5 * 1024 * 1024, 1));
    assert.equal(tooLarge.status, 413);
    assert.deepEqual(tooLarge.body, { image: [`Ensure this file is at most ${4 * 1024 * 1024} bytes.`] });
    assert.equal(
      (await api(running.base, '/images/', { method: 'POST', token, body: 'x', headers: { 'content-type': 'text/plain' } })).status,
      415,
    );
    assert.equal(await imageCount(running.base, token), 5);
  });

  test('PUT with a URL replaces the content', async () => {
    const token = await register(running.base);
    const first = await upload(running.base, token, fixture('tiny-2x2.png'));
    const replaced = await api(running.base, `/images/${first.body.id}/`, {
      method: 'PUT',
      token,
      json: { url: `${remote.origin}/lying-type` },
    });
    assert.equal(replaced.status, 200, replaced.text);
    assert.equal(replaced.body.id, first.body.id);
    assert.equal(replaced.body.format, 'webp');
  });

  test('several files: each stored or refused on its own, 207 with one result per file; over MAX_FILES_PER_REQUEST: 400', async () => {
    const token = await register(running.base);
    const form = new FormData();
    form.append('tags', 'batch');
    form.append('image', new Blob([await readFile(fixture('alpha.png'))]), 'alpha.png');
    form.append('image', new Blob([Buffer.from('not an image at all')]), 'bad.png');
    form.append('image', new Blob([await readFile(fixture('photo.webp'))]), 'photo.webp');
    const response = await api(running.base, '/images/', { method: 'POST', token, body: form });
    assert.equal(response.status, 207);
    const results = response.body.results;
    assert.deepEqual(
      results.map((result: { index: number; status: number }) => [result.index, result.status]),
      [
        [0, 201],
        [1, 400],
        [2, 201],
      ],
    );
    assert.equal(results[0].image.filename, 'alpha.png');
    assert.deepEqual(results[0].image.tags, ['batch']);
    assert.ok(Array.isArray(results[1].error.image));
    assert.equal(results[2].image.format, 'webp');
    assert.equal(await imageCount(running.base, token), 2);

    const tooMany = new FormData();
    for (let i = 0; i < 4; i++) tooMany.append('image', new Blob([await readFile(fixture('tiny-2x2.png'))]), `t${i}.png`);
    const refused = await api(running.base, '/images/', { method: 'POST', token, body: tooMany });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body, { image: ['Ensure at most 3 files are sent in one request.'] });
    assert.equal(await imageCount(running.base, token), 2);
  });

  test('Idempotency-Key: a retry gets the first answer (same id and status), another body 422, keys are per user', async () => {
    const token = await register(running.base);
    const key = { 'idempotency-key': 'upload-42' };
    const png = await readFile(fixture('alpha.png'));
    const first = await api(running.base, '/images/', { method: 'POST', token, body: formWith(png, 'a.png'), headers: key });
    assert.equal(first.status, 201);
    const retry = await api(running.base, '/images/', { method: 'POST', token, body: formWith(png, 'a.png'), headers: key });
    assert.equal(retry.status, 201);
    assert.equal(retry.body.id, first.body.id);
    assert.equal(await imageCount(running.base, token), 1);
    const other = await api(running.base, '/images/', {
      method: 'POST',
      token,
      body: formWith(await readFile(fixture('tiny-2x2.png')), 'b.png'),
      headers: key,
    });
    assert.equal(other.status, 422);
    assert.match(other.body.detail, /different request/);
    // Another user's key of the same name is theirs.
    const stranger = await register(running.base);
    const theirs = await api(running.base, '/images/', { method: 'POST', token: stranger, body: formWith(png, 'a.png'), headers: key });
    assert.equal(theirs.status, 201);
    // A URL import and a replace take keys too.
    const byUrl = { url: `${remote.origin}/alpha.png` };
    const u1 = await fromUrl(token, byUrl, { 'idempotency-key': 'url-1' });
    const u2 = await fromUrl(token, byUrl, { 'idempotency-key': 'url-1' });
    assert.equal(u1.status, 201);
    assert.equal(u2.body.id, u1.body.id);
    const put = (body: FormData) =>
      api(running.base, `/images/${first.body.id}/`, { method: 'PUT', token, body, headers: { 'idempotency-key': 'put-1' } });
    const p1 = await put(formWith(await readFile(fixture('photo.webp')), 'p.webp'));
    const p2 = await put(formWith(await readFile(fixture('photo.webp')), 'p.webp'));
    assert.deepEqual([p1.status, p2.status, p2.body.id, p2.body.sha256], [200, 200, first.body.id, p1.body.sha256]);
    assert.equal(
      (
        await api(running.base, '/images/', {
          method: 'POST',
          token,
          body: formWith(png, 'a.png'),
          headers: { 'idempotency-key': 'bad key' },
        })
      ).status,
      400,
    );
  });

  test('Idempotency-Key: concurrent duplicates store one image; a refused request does not keep the key', async () => {
    const token = await register(running.base);
    const png = await readFile(fixture('photo.webp'));
    const headers = { 'idempotency-key': 'burst' };
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => api(running.base, '/images/', { method: 'POST', token, body: formWith(png, 'p.webp'), headers })),
    );
    assert.deepEqual(
      answers.map((answer) => answer.status),
      Array(6).fill(201),
    );
    assert.equal(new Set(answers.map((answer) => answer.body.id)).size, 1);
    assert.equal(await imageCount(running.base, token), 1);
    const refusedHeaders = { 'idempotency-key': 'refused-then-fixed' };
    const bad = await api(running.base, '/images/', {
      method: 'POST',
      token,
      body: formWith(png, 'p.webp', { expires_in: '5' }),
      headers: refusedHeaders,
    });
    assert.equal(bad.status, 400);
    const good = await api(running.base, '/images/', {
      method: 'POST',
      token,
      body: formWith(png, 'p.webp', { expires_in: '5' }),
      headers: refusedHeaders,
    });
    assert.equal(good.status, 400, 'the same refused request is refused again, not replayed as something else');
  });
});

function formWith(bytes: Buffer, name: string, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const [field, value] of Object.entries(fields)) form.append(field, value);
  form.append('image', new Blob([new Uint8Array(bytes)]), name);
  return form;
}
