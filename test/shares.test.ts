import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  api,
  fetchBytes,
  fixture,
  onBackend,
  register,
  rememberedAnswers,
  requestFrom,
  sameAnswers,
  solid,
  upload,
  useServer,
} from '../testkit/index.js';

/** A clock the test moves forward (share expiry). */
let offsetMs = 0;
const clock = () => Date.now() + offsetMs;

interface ShareJson {
  id: number;
  url: string | null;
  image: number | null;
  album: number | null;
  label: string | null;
  expires_at: string | null;
  has_password: boolean;
  max_views: number | null;
  views: number;
  presets: string[] | null;
  allow_original: boolean;
  allow_download: boolean;
  indexable: boolean;
  show_exif: boolean;
  show_location: boolean;
  embed?: { html: string; markdown: string; bbcode: string };
}

interface PublicJson {
  title: string | null;
  images: {
    id: number;
    title: string | null;
    width: number;
    original: { stable: string; immutable: string } | null;
    download: string | null;
    variants: Record<string, { stable: string; immutable: string }>;
    exif?: { camera?: string; location?: { latitude: number; longitude: number } };
  }[];
}

const TOKEN_URL = /\/s\/([A-Za-z0-9_-]{32})$/;

describe(onBackend('share links'), () => {
  // Few wrong share passwords allowed (per address, per share), so that the test reaches both bounds.
  const running = useServer(
    {
      VARIANT_PRESETS: 'thumb=64x64:cover,small=120',
      LOGIN_FAILURES_PER_USER: '3',
      LOGIN_FAILURES_PER_ACCOUNT: '5',
      EXPOSE_LOCATION: 'true',
    },
    { clock },
  );
  const path = (url: string) => url.replace(running.base, '');

  async function share(token: string, json: Record<string, unknown>): Promise<ShareJson> {
    const created = await api<ShareJson>(running.base, '/shares/', { method: 'POST', token, json });
    assert.equal(created.status, 201, created.text);
    return created.body;
  }
  const view = (url: string, headers: Record<string, string> = {}) =>
    api<PublicJson>(running.base, path(url), { headers: { accept: 'application/json', ...headers } });

  test('a share of an image: the URL once, a public page and JSON with stable and immutable URLs, counted views', async () => {
    const token = await register(running.base);
    const image = (await upload(running.base, token, fixture('alpha.png'))).body;
    await api(running.base, `/images/${image.id}/`, { method: 'PATCH', token, json: { title: 'Alpha <b>', tags: ['private-tag'] } });
    const created = await share(token, { image: image.id, label: 'for Ana' });
    assert.match(String(created.url), TOKEN_URL);
    assert.deepEqual(
      [created.image, created.album, created.label, created.views, created.has_password],
      [image.id, null, 'for Ana', 0, false],
    );
    assert.ok(created.embed?.html.startsWith('<a href="'), 'embed snippets');
    assert.match(String(created.embed?.markdown), /^\[!\[Alpha <b>\]\(/);

    const listed = await api<ShareJson[]>(running.base, '/shares/', { token });
    assert.deepEqual(
      listed.body.map((item) => [item.id, item.url]),
      [[created.id, null]],
      'the URL is not shown again',
    );

    const json = await view(created.url!);
    assert.equal(json.status, 200, json.text);
    assert.equal(json.headers.get('x-robots-tag'), 'noindex');
    assert.equal(json.headers.get('referrer-policy'), 'no-referrer');
    assert.deepEqual(Object.keys(json.body.images[0]!.variants), ['thumb', 'small']);
    assert.ok(
      !json.text.includes('private-tag') && !json.text.includes(image.sha256) && !json.text.includes('alpha.png'),
      'only what is published',
    );

    const page = await api(running.base, path(created.url!), { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(page.text, /<meta property="og:image" content="http:\/\/127\.0\.0\.1:\d+\/s\/[^"]+\/thumb">/);
    assert.match(page.text, /<title>Alpha &#60;b&#62;<\/title>/, 'escaped');
    assert.match(String(page.headers.get('content-security-policy')), /default-src 'self'/);
    assert.ok(!/<script/i.test(page.text));

    const entry = json.body.images[0]!;
    const stable = await fetchBytes(entry.original!.stable);
    assert.equal(stable.status, 200);
    assert.equal(stable.headers.get('cache-control'), 'public, max-age=300');
    assert.equal(stable.headers.get('cross-origin-resource-policy'), 'cross-origin');
    const etag = stable.headers.get('etag')!;
    assert.equal((await fetchBytes(entry.original!.stable, { 'if-none-match': etag })).status, 304);
    assert.equal((await fetchBytes(entry.original!.stable, { range: 'bytes=0-9' })).status, 206);
    const immutable = await fetchBytes(entry.variants.thumb!.immutable);
    assert.equal(immutable.status, 200);
    assert.match(String(immutable.headers.get('cache-control')), /^public, max-age=31536000, immutable$/);
    assert.equal(immutable.headers.get('content-type'), 'image/webp');
    const head = await fetch(entry.variants.small!.stable, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('vary'), 'Accept');

    // Only the named URLs: no parameters, no other preset, no other image of the owner.
    const other = (await upload(running.base, token, fixture('tiny-2x2.png'))).body;
    for (const url of [
      `${entry.original!.stable}?w=4000`,
      `${entry.variants.thumb!.stable}?format=gif`,
      entry.original!.stable.replace(/\/\d+$/, `/${other.id}`),
      `${entry.original!.stable}/large`,
      `${entry.original!.stable}/thumb/0000000000000000.webp`,
    ]) {
      assert.equal((await fetchBytes(url)).status, 404, url);
    }
    const counted = await api<ShareJson>(running.base, `/shares/${created.id}/`, { token });
    assert.equal(counted.body.views, 2, 'the JSON and the page count; byte requests do not');
  });

  test('stable URLs follow a replace; immutable ones of the old content end', async () => {
    const token = await register(running.base);
    const image = (await upload(running.base, token, await solid('png', 40, 30, '#ff0000'))).body;
    const created = await share(token, { image: image.id });
    const before = (await view(created.url!)).body.images[0]!;
    const replaced = await upload(running.base, token, await solid('png', 50, 20, '#00ff00'), {
      method: 'PUT',
      path: `/images/${image.id}/`,
    });
    assert.equal(replaced.status, 200);
    const after = (await view(created.url!)).body.images[0]!;
    assert.equal(after.width, 50);
    assert.equal(before.original!.stable, after.original!.stable, 'the stable URL stays');
    assert.notEqual(before.original!.immutable, after.original!.immutable);
    assert.equal((await fetchBytes(before.original!.immutable)).status, 404);
    assert.equal((await fetchBytes(after.original!.immutable)).status, 200);
    assert.equal((await fetchBytes(before.original!.stable)).bytes.equals((await fetchBytes(after.original!.immutable)).bytes), true);
  });

  test('settings: presets, no original, expiry, view limit exact under concurrent views, revoke', async () => {
    const token = await register(running.base);
    const image = (await upload(running.base, token, fixture('photo.webp'))).body;
    const limited = await share(token, { image: image.id, presets: ['thumb'], allow_original: false });
    const content = (await view(limited.url!)).body.images[0]!;
    assert.equal(content.original, null);
    assert.deepEqual(Object.keys(content.variants), ['thumb']);
    const stableOriginal = `${limited.url}/${image.id}`;
    assert.equal((await fetchBytes(stableOriginal)).status, 404);
    assert.equal((await fetchBytes(`${limited.url}/${image.id}/small`)).status, 404);
    assert.equal(
      (await api(running.base, '/shares/', { method: 'POST', token, json: { image: image.id, presets: ['huge'] } })).status,
      400,
    );

    const expiring = await share(token, { image: image.id, expires_at: new Date(clock() + 3600_000).toISOString() });
    assert.equal((await view(expiring.url!)).status, 200);
    offsetMs = 2 * 3600_000;
    try {
      const gone = await view(expiring.url!);
      assert.equal(gone.status, 404);
      assert.deepEqual(gone.body, { detail: 'Not found.' });
    } finally {
      offsetMs = 0;
    }

    const counted = await share(token, { image: image.id, max_views: 5 });
    const results = await Promise.all(Array.from({ length: 20 }, () => view(counted.url!)));
    assert.equal(results.filter((result) => result.status === 200).length, 5, 'exactly max_views views');
    assert.equal((await api<ShareJson>(running.base, `/shares/${counted.id}/`, { token })).body.views, 5);
    assert.equal((await fetchBytes(`${counted.url}/${image.id}`)).status, 404, 'used up: its bytes too');

    const revoked = await share(token, { image: image.id });
    assert.equal((await api(running.base, `/shares/${revoked.id}/`, { method: 'DELETE', token })).status, 204);
    assert.equal((await view(revoked.url!)).status, 404);
    assert.equal((await fetchBytes(`${revoked.url}/${image.id}`)).status, 404);

    const changed = await api<ShareJson>(running.base, `/shares/${limited.id}/`, {
      method: 'PATCH',
      token,
      json: { presets: null, allow_original: true, label: 'now all' },
    });
    assert.deepEqual([changed.body.presets, changed.body.allow_original, changed.body.label], [null, true, 'now all']);
    assert.equal((await fetchBytes(stableOriginal)).status, 200);
    for (const json of [
      { max_views: 0 },
      { password: 'short' },
      { label: 'x'.repeat(201) },
      { expires_at: '2001-01-01T00:00:00Z' },
      { what: 1 },
    ]) {
      assert.equal((await api(running.base, `/shares/${limited.id}/`, { method: 'PATCH', token, json })).status, 400, JSON.stringify(json));
    }
  });

  test('password: a form for browsers, 401 for JSON without it, a cookie after the right one, wrong ones rate-limited', async () => {
    const token = await register(running.base);
    const image = (await upload(running.base, token, fixture('alpha.png'))).body;
    const created = await share(token, { image: image.id, password: 'open sesame!' });
    assert.equal(created.has_password, true);
    const url = created.url!;
    assert.equal((await view(url)).status, 401);
    assert.equal((await fetchBytes(`${url}/${image.id}`)).status, 401);
    const form = await api(running.base, path(url), { headers: { accept: 'text/html' } });
    assert.match(form.text, /<form method="post"/);
    assert.equal((await view(url, { 'x-share-password': 'open sesame!' })).status, 200);

    const wrong = await api(running.base, path(url), { method: 'POST', form: { password: 'nope nope' } });
    assert.equal(wrong.status, 401);
    const right = await api(running.base, path(url), { method: 'POST', form: { password: 'open sesame!' } });
    assert.equal(right.status, 303);
    const cookie = String(right.headers.get('set-cookie'));
    assert.match(cookie, /^share_access=\d+\.[A-Za-z0-9_-]{43}; Path=\/s\/[A-Za-z0-9_-]{32}; Max-Age=3600; HttpOnly; SameSite=Strict$/);
    const pair = cookie.split(';')[0]!;
    assert.equal((await view(url, { cookie: pair })).status, 200);
    assert.equal((await fetchBytes(`${url}/${image.id}`, { cookie: pair })).status, 200);
    assert.equal((await view(url, { cookie: pair.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) })).status, 401, 'a forged cookie');
    const bytes = await fetchBytes(`${url}/${image.id}/thumb`, { cookie: pair });
    assert.equal(bytes.headers.get('cache-control'), 'private, max-age=300', "a password share's bytes are kept by no shared cache");

    // Wrong passwords: 3 from one address (the form or the header alike), then that address gets 429
    // even with the right one; other addresses go on until the share's 5 in all.
    const post = (from: string, password: string) =>
      requestFrom(from, `${url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ password }).toString(),
      });
    assert.equal((await post('127.0.0.1', 'wrong one 2')).status, 401);
    assert.equal((await view(url, { 'x-share-password': 'wrong one 3' })).status, 401);
    const throttled = await post('127.0.0.1', 'open sesame!');
    assert.equal(throttled.status, 429, throttled.text);
    assert.ok(Number(throttled.headers['retry-after']) > 0);
    assert.equal((await post('127.0.0.2', 'open sesame!')).status, 303, 'another address is not locked out');
    assert.equal((await post('127.0.0.2', 'wrong one 4')).status, 401);
    assert.equal((await post('127.0.0.3', 'wrong one 5')).status, 401);
    assert.equal((await post('127.0.0.4', 'open sesame!')).status, 429, 'the share as a whole: 5 wrong ones in all');
    assert.equal((await view(url, { cookie: pair })).status, 200, 'who already gave it keeps access');
  });

  test('indexable, the EXIF summary and the location only when the owner opts in; downloads where allowed', async () => {
    const token = await register(running.base);
    const image = (await upload(running.base, token, fixture('exif-gps-nikon.jpg'))).body as { id: number; exif: { location?: unknown } };
    assert.ok(image.exif.location, 'the deployment keeps the location (EXPOSE_LOCATION=true)');
    const plain = await share(token, { image: image.id });
    assert.deepEqual([plain.indexable, plain.show_exif, plain.show_location, plain.allow_download], [false, false, false, false]);
    const hidden = await view(plain.url!);
    assert.equal(hidden.body.images[0]!.exif, undefined);
    assert.equal(hidden.body.images[0]!.download, null);
    assert.ok(!/NIKON/i.test(hidden.text) && !/latitude/.test(hidden.text));
    assert.equal((await fetchBytes(`${plain.url}/${image.id}/download`)).status, 404);

    const exifOnly = await share(token, { image: image.id, show_exif: true, indexable: true });
    const withExif = await view(exifOnly.url!);
    assert.equal(withExif.headers.get('x-robots-tag'), null, 'indexable: no noindex');
    assert.match(String(withExif.body.images[0]!.exif?.camera), /NIKON/i);
    assert.equal(withExif.body.images[0]!.exif?.location, undefined, 'the location needs its own opt-in');
    const page = await api(running.base, path(exifOnly.url!), { headers: { accept: 'text/html' } });
    assert.match(page.text, /<small>[^<]*NIKON/i);

    const everything = await share(token, { image: image.id, show_exif: true, show_location: true, allow_download: true });
    const full = (await view(everything.url!)).body.images[0]!;
    assert.equal(typeof full.exif?.location?.latitude, 'number');
    const download = await fetchBytes(full.download!);
    assert.equal(download.status, 200);
    assert.match(String(download.headers.get('content-disposition')), /^attachment; filename="exif-gps-nikon\.jpg"/);
    assert.equal((await fetchBytes(`${full.download}/0000000000000000.jpg`)).status, 404, 'a download has no immutable form');
  });

  test('trash, delete and a disabled owner end a share at once; restore revives it', async () => {
    const token = await register(running.base);
    const image = (await upload(running.base, token, fixture('alpha.png'))).body;
    const created = await share(token, { image: image.id });
    const original = `${created.url}/${image.id}`;
    await api(running.base, `/images/${image.id}/trash`, { method: 'POST', token });
    assert.equal((await view(created.url!)).status, 404);
    assert.equal((await fetchBytes(original)).status, 404);
    await api(running.base, `/images/${image.id}/restore`, { method: 'POST', token });
    assert.equal((await fetchBytes(original)).status, 200);
    assert.equal((await api(running.base, `/images/${image.id}/`, { method: 'DELETE', token })).status, 204);
    assert.equal((await fetchBytes(original)).status, 404);
    assert.deepEqual((await api(running.base, '/shares/', { token })).body, [], 'deleting the image ends its shares');

    const second = (await upload(running.base, token, fixture('tiny-2x2.png'))).body;
    const other = await share(token, { image: second.id });
    const me = (await api(running.base, '/me/', { token })).body as { username: string };
    const admin = running.server.built.services.admin;
    await admin.setDisabled(me.username, true);
    try {
      assert.equal((await view(other.url!)).status, 404);
    } finally {
      await admin.setDisabled(me.username, false);
    }
    assert.equal((await view(other.url!)).status, 200);
  });

  test('byte URLs asked for again get the same answer (from memory on SQLite) until the share expires or ends', async () => {
    const token = await register(running.base);
    const image = (await upload(running.base, token, fixture('photo.webp'))).body;
    const { admin } = running.server.built.services;
    const remembered = () => rememberedAnswers(running.server);
    const same = (url: string) =>
      sameAnswers(running.server, url, { sameHeaders: ['content-type', 'etag', 'content-disposition', 'cross-origin-resource-policy'] });

    const expiring = await share(token, { image: image.id, expires_at: new Date(clock() + 3600_000).toISOString() });
    const urls = (await view(expiring.url!)).body.images[0]!.original!;
    assert.equal((await same(urls.stable)).headers.get('cache-control'), 'public, max-age=300');
    const immutable = await same(urls.immutable);
    const maxAge = Number(/^public, max-age=(\d+), immutable$/.exec(immutable.headers.get('cache-control')!)?.[1]);
    assert.ok(maxAge > 3500 && maxAge <= 3600, 'an immutable URL is cached no longer than the share works');
    offsetMs = 2 * 3600_000;
    try {
      assert.equal((await fetchBytes(urls.stable)).status, 404, 'expired, though answered from memory before');
      assert.equal((await fetchBytes(urls.immutable)).status, 404);
    } finally {
      offsetMs = 0;
    }

    const open = await share(token, { image: image.id });
    const stable = `${open.url}/${image.id}`;
    await same(stable);
    await api(running.base, `/images/${image.id}/trash`, { method: 'POST', token });
    assert.equal((await fetchBytes(stable)).status, 404, 'trashed at once');
    await api(running.base, `/images/${image.id}/restore`, { method: 'POST', token });
    await same(stable);
    assert.equal((await api(running.base, `/shares/${open.id}/`, { method: 'DELETE', token })).status, 204);
    assert.equal((await fetchBytes(stable)).status, 404, 'revoked at once');

    // A password share's answer depends on the password sent: always worked out in full.
    const locked = await share(token, { image: image.id, password: 'a long password' });
    const before = await remembered();
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.equal((await fetchBytes(`${locked.url}/${image.id}`, { 'x-share-password': 'a long password' })).status, 200);
    }
    assert.equal((await fetchBytes(`${locked.url}/${image.id}`)).status, 401);
    assert.equal(await remembered(), before);

    const last = await share(token, { image: image.id });
    await same(`${last.url}/${image.id}`);
    const me = (await api(running.base, '/me/', { token })).body as { username: string };
    await admin.setDisabled(me.username, true);
    assert.equal((await fetchBytes(`${last.url}/${image.id}`)).status, 404, 'its owner disabled at once');
  });

  test('an album share follows the album: its order, images added later, removed or trashed ones gone', async () => {
    const token = await register(running.base);
    const ids: number[] = [];
    for (const colour of ['#111111', '#222222', '#333333'])
      ids.push((await upload(running.base, token, await solid('png', 8, 8, colour))).body.id);
    const album = (await api(running.base, '/albums/', { method: 'POST', token, json: { title: 'Holiday' } })).body.id as number;
    await api(running.base, `/albums/${album}/images/`, { method: 'POST', token, json: { ids: [ids[1], ids[0]] } });
    const created = await share(token, { album });
    const shown = async () => (await view(created.url!)).body;
    assert.deepEqual(
      (await shown()).images.map((image) => image.id),
      [ids[1], ids[0]],
    );
    assert.equal((await shown()).title, 'Holiday');
    await api(running.base, `/albums/${album}/images/`, { method: 'POST', token, json: { ids: [ids[2]] } });
    assert.deepEqual(
      (await shown()).images.map((image) => image.id),
      [ids[1], ids[0], ids[2]],
    );
    await api(running.base, `/images/${ids[0]}/trash`, { method: 'POST', token });
    await api(running.base, `/albums/${album}/images/${ids[2]}/`, { method: 'DELETE', token });
    assert.deepEqual(
      (await shown()).images.map((image) => image.id),
      [ids[1]],
    );
    assert.equal((await fetchBytes(`${created.url}/${ids[0]}`)).status, 404, 'a trashed image of the album');
    assert.equal((await fetchBytes(`${created.url}/${ids[2]}`)).status, 404, 'an image taken out of the album');
    assert.equal((await fetchBytes(`${created.url}/${ids[1]}`)).status, 200);
    const page = await api(running.base, path(created.url!), { headers: { accept: 'text/html' } });
    assert.match(page.text, /<h1>Holiday<\/h1>/);
  });

  test("isolation: another user's shares, images and albums are out of reach", async () => {
    const owner = await register(running.base);
    const intruder = await register(running.base);
    for (let i = 0; i < 3; i++) await upload(running.base, owner, await solid('png', 4, 4, `#00000${i}`));
    const created = await share(owner, { image: 3 });
    await api(running.base, '/albums/', { method: 'POST', token: owner, json: { title: 'x' } });
    for (const [method, url, json] of [
      ['GET', `/shares/${created.id}/`, undefined],
      ['PATCH', `/shares/${created.id}/`, { label: 'mine' }],
      ['DELETE', `/shares/${created.id}/`, undefined],
    ] as const) {
      assert.equal((await api(running.base, url, { method, token: intruder, json })).status, 404, `${method} ${url}`);
    }
    assert.deepEqual((await api(running.base, '/shares/', { token: intruder })).body, []);
    const foreignImage = await api(running.base, '/shares/', { method: 'POST', token: intruder, json: { image: 3 } });
    assert.deepEqual([foreignImage.status, foreignImage.body], [400, { image: ['Not found.'] }]);
    const foreignAlbum = await api(running.base, '/shares/', { method: 'POST', token: intruder, json: { album: 1 } });
    assert.deepEqual([foreignAlbum.status, foreignAlbum.body], [400, { album: ['Not found.'] }]);
    assert.equal((await api(running.base, '/shares/', { method: 'POST', token: owner, json: { image: 3, album: 1 } })).status, 400);
    assert.equal((await view(`${running.base}/s/${'A'.repeat(32)}`)).status, 404);
    assert.equal((await view(`${running.base}/s/short`)).status, 404);
  });
});
