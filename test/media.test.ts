import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import { MediaSigner } from '../src/media/signing.js';
import {
  TEST_SECRET,
  api,
  fetchBytes,
  fixture,
  onBackend,
  register,
  sameAnswers,
  upload,
  useServer,
  startServer,
} from '../testkit/index.js';

interface ImageJson {
  id: number;
  url: string;
  content_url: string;
  sha256: string;
  bytes: number;
}

function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}

describe(onBackend('private delivery: signed links and the owner path'), () => {
  const running = useServer();
  let token: string;
  let image: ImageJson;
  let original: Buffer;
  let userId: number;

  before(async () => {
    token = await register(running.base);
    original = await readFile(fixture('photo.webp'));
    image = (await upload<ImageJson>(running.base, token, original, { filename: 'holiday "best" ☀️.webp' })).body;
    userId = Number(new URL(image.url).pathname.split('/')[2]);
  });

  test('the signed url works without headers, with the detected type and safe headers', async () => {
    const response = await fetchBytes(image.url);
    assert.equal(response.status, 200);
    assert.deepEqual(response.bytes, original);
    assert.equal(response.headers.get('content-type'), 'image/webp');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('etag'), `"${image.sha256}"`);
    assert.equal(response.headers.get('accept-ranges'), 'bytes');
    assert.match(response.headers.get('cache-control')!, /^private, max-age=\d+$/);
    assert.ok(response.headers.get('last-modified'));
    const disposition = response.headers.get('content-disposition')!;
    assert.match(
      disposition,
      /^inline; filename="holiday _best_ __.webp"; filename\*=UTF-8''holiday%20%22best%22%20%E2%98%80%EF%B8%8F\.webp$/,
    );
  });

  test('the owner path needs the token and sends the same bytes', async () => {
    const response = await fetchBytes(image.content_url, { authorization: `Token ${token}` });
    assert.equal(response.status, 200);
    assert.deepEqual(response.bytes, original);
    assert.equal(response.headers.get('cache-control'), 'private, no-cache');
  });

  test('If-None-Match with the ETag gives 304 with no body', async () => {
    const response = await fetchBytes(image.url, { 'if-none-match': `"${image.sha256}"` });
    assert.equal(response.status, 304);
    assert.equal(response.bytes.length, 0);
    const stale = await fetchBytes(image.url, { 'if-none-match': '"something-else"' });
    assert.equal(stale.status, 200);
  });

  test('byte ranges: 206 with Content-Range; suffix ranges; 416 when unsatisfiable', async () => {
    const first = await fetchBytes(image.url, { range: 'bytes=0-99' });
    assert.equal(first.status, 206);
    assert.equal(first.headers.get('content-range'), `bytes 0-99/${original.length}`);
    assert.deepEqual(first.bytes, original.subarray(0, 100));
    const suffix = await fetchBytes(image.content_url, { range: 'bytes=-10', authorization: `Token ${token}` });
    assert.equal(suffix.status, 206);
    assert.deepEqual(suffix.bytes, original.subarray(original.length - 10));
    const open = await fetchBytes(image.url, { range: `bytes=${original.length - 5}-` });
    assert.deepEqual(open.bytes, original.subarray(original.length - 5));
    const beyond = await fetchBytes(image.url, { range: `bytes=${original.length}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${original.length}`);
    const ifRangeStale = await fetchBytes(image.url, { range: 'bytes=0-9', 'if-range': '"old"' });
    assert.equal(ifRangeStale.status, 200);
    assert.equal(ifRangeStale.bytes.length, original.length);
  });

  test('HEAD gives the headers and the length without a body', async () => {
    const response = await fetch(image.url, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-length'), String(original.length));
    assert.equal(response.headers.get('content-type'), 'image/webp');
    assert.equal((await response.arrayBuffer()).byteLength, 0);
  });

  test('a link with any part altered is refused (403 JSON)', async () => {
    const url = new URL(image.url);
    const sig = url.searchParams.get('sig')!;
    const exp = url.searchParams.get('exp')!;
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    const altered = [
      withParam(image.url, 'sig', flipped),
      withParam(image.url, 'sig', ''),
      withParam(image.url, 'exp', String(Number(exp) + 1)),
      withParam(image.url, 'exp', 'soon'),
      image.url.replace(`/media/${userId}/${image.id}`, `/media/${userId}/${image.id + 1}`),
      image.url.replace(`/media/${userId}/`, `/media/${userId + 1}/`),
    ];
    for (const link of altered) {
      const response = await api(running.base, new URL(link).pathname + new URL(link).search);
      assert.ok(response.status === 403 || response.status === 404, `${link}: ${response.status}`);
      assert.ok(typeof response.body.detail === 'string');
    }
  });

  test("another user's valid link cannot be bent to reach this user's image", async () => {
    const other = await register(running.base);
    const theirs = (await upload<ImageJson>(running.base, other, fixture('alpha.png'))).body;
    const theirUrl = new URL(theirs.url);
    const bent = `/media/${userId}/${image.id}${theirUrl.search}`;
    assert.equal((await api(running.base, bent)).status, 403);
  });

  test('an expired link is refused', async () => {
    const signer = new MediaSigner([TEST_SECRET], 3600);
    const longAgo = Math.floor(Date.now() / 1000) - 3 * 3600;
    const { linkKey } = await running.server.built.services.catalog.get(userId, image.id);
    const { exp, sig } = signer.sign({ userId, number: image.id, sha256: image.sha256, variant: '', linkKey }, signer.expiry(longAgo));
    assert.ok(exp < Date.now() / 1000);
    const response = await api(running.base, `/media/${userId}/${image.id}?exp=${exp}&sig=${sig}`);
    assert.equal(response.status, 403);
    assert.deepEqual(response.body, { detail: 'This link is invalid or has expired.' });
    // The same signer with the current time makes a working link: the refusal above is the expiry.
    const fresh = signer.sign({ userId, number: image.id, sha256: image.sha256, variant: '', linkKey });
    assert.equal((await fetchBytes(`${running.base}/media/${userId}/${image.id}?exp=${fresh.exp}&sig=${fresh.sig}`)).status, 200);
  });

  test('a replace makes the old link stop working; the new link serves the new bytes', async () => {
    const token2 = await register(running.base);
    const first = (await upload<ImageJson>(running.base, token2, fixture('alpha.png'))).body;
    assert.equal((await fetchBytes(first.url)).status, 200);
    const replaced = (
      await upload<ImageJson>(running.base, token2, fixture('tiny-2x2.png'), { method: 'PUT', path: `/images/${first.id}/` })
    ).body;
    assert.equal((await fetchBytes(first.url)).status, 403);
    const fresh = await fetchBytes(replaced.url);
    assert.equal(fresh.status, 200);
    assert.deepEqual(fresh.bytes, await readFile(fixture('tiny-2x2.png')));
  });

  test('a link asked for again gets the same answer (from memory on SQLite) until it expires, is revoked or is deleted', async () => {
    const owner = await register(running.base);
    const shown = (await upload<ImageJson & { variants: { thumb: string } }>(running.base, owner, fixture('Landscape_2.jpg'))).body;
    const { catalog } = running.server.built.services;
    const same = (url: string, headers: Record<string, string> = {}) =>
      sameAnswers(running.server, url, {
        headers,
        sameHeaders: ['content-type', 'etag', 'vary', 'content-disposition', 'content-security-policy', 'cross-origin-resource-policy'],
        check: (answer, first) => {
          assert.match(answer.headers.get('cache-control')!, /^private, max-age=\d+$/);
          assert.notEqual(answer.headers.get('x-request-id'), first.headers.get('x-request-id'), 'each answer has its own request id');
        },
      });
    // Negotiated by Accept: each Accept is its own answer.
    assert.equal((await same(shown.variants.thumb, { accept: 'image/webp' })).headers.get('content-type'), 'image/webp');
    assert.equal((await same(shown.variants.thumb, { accept: 'image/jpeg' })).headers.get('content-type'), 'image/jpeg');
    // Range and HEAD are still answered in full.
    const part = await fetchBytes(shown.variants.thumb, { accept: 'image/webp', range: 'bytes=0-9' });
    assert.equal(part.status, 206);
    assert.equal(part.bytes.length, 10);
    const head = await fetch(shown.variants.thumb, { method: 'HEAD', headers: { accept: 'image/webp' } });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'image/webp');
    await same(shown.url);

    // A link that expires in a moment: answered until then, refused after.
    const shownId = Number(new URL(shown.url).pathname.split('/')[2]);
    const { linkKey } = await catalog.get(shownId, shown.id);
    const signer = new MediaSigner([TEST_SECRET], 3600);
    const soon = Math.floor(Date.now() / 1000) + 1;
    const { sig } = signer.sign({ userId: shownId, number: shown.id, sha256: shown.sha256, variant: '', linkKey }, soon);
    const brief = `${running.base}/media/${shownId}/${shown.id}?exp=${soon}&sig=${sig}`;
    await same(brief);
    await new Promise((resolve) => setTimeout(resolve, (soon + 1) * 1000 - Date.now() + 50));
    assert.equal((await fetchBytes(brief)).status, 403, 'refused once expired, though answered from memory before');

    assert.equal((await api(running.base, '/me/revoke-links', { method: 'POST', token: owner })).status, 204);
    assert.equal((await fetchBytes(shown.url)).status, 403, 'revoked at once');
    assert.equal((await fetchBytes(shown.variants.thumb, { accept: 'image/webp' })).status, 403, 'revoked at once');

    const relinked = (await api<ImageJson & { variants: { thumb: string } }>(running.base, `/images/${shown.id}/`, { token: owner })).body;
    await same(relinked.variants.thumb, { accept: 'image/webp' });
    assert.equal((await api(running.base, `/images/${shown.id}/`, { method: 'DELETE', token: owner })).status, 204);
    assert.equal((await fetchBytes(relinked.variants.thumb, { accept: 'image/webp' })).status, 403, 'gone with its image');
  });

  test('links are built from PUBLIC_URL, never from the Host header (compat fix 11)', async () => {
    const response = await api(running.base, '/images/', { token, headers: { host: 'evil.example' } });
    assert.equal(response.status, 200);
    for (const item of response.body) {
      assert.ok(item.url.startsWith(`${running.base}/media/`), item.url);
      assert.ok(item.content_url.startsWith(`${running.base}/images/`), item.content_url);
    }
  });
});

describe(onBackend('PUBLIC_URL'), () => {
  test('is the base of every absolute URL', async () => {
    const server = await startServer({ PUBLIC_URL: 'https://images.example.com/api/' });
    try {
      const token = await register(server.base);
      const image = (await upload(server.base, token, fixture('alpha.png'))).body;
      assert.match(image.url, /^https:\/\/images\.example\.com\/api\/media\/\d+\/1\?exp=/);
      assert.equal(image.content_url, 'https://images.example.com/api/images/1/content');
    } finally {
      await server.close();
    }
  });
});
