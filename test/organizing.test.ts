import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { refreshStatistics } from '../src/db/database.js';
import { NO_LABELS } from '../src/images/labels.js';
import { api, fetchBytes, onBackend, register, solid, upload, useServer, type UploadOptions } from '../testkit/index.js';

/** A clock the test moves forward (trash retention, expiry). */
let offsetMs = 0;
const clock = () => Date.now() + offsetMs;
const DAY = 24 * 3600 * 1000;

interface ImageJson {
  id: number;
  url: string;
  filename: string;
  sha256: string;
  title: string | null;
  description: string | null;
  tags: string[];
  metadata: Record<string, string | number | boolean> | null;
  albums: number[];
  trashed_at: string | null;
  expires_at: string | null;
  created_at: string;
}

interface AlbumJson {
  id: number;
  title: string;
  description: string | null;
  image_count: number;
  cover: string | null;
  updated_at: string;
}

let colour = 0;
/** A small PNG no other test image shares (so that its sha256 is its own). */
function uniquePng(width = 8, height = 8): Promise<Buffer> {
  colour++;
  return solid('png', width, height, `#${(colour * 2654435761).toString(16).padStart(6, '0').slice(-6)}`);
}

/** A JPEG whose EXIF says when it was taken. */
async function jpegTakenAt(taken: string): Promise<Buffer> {
  colour++;
  return sharp({
    create: { width: 16, height: 12, channels: 3, background: `#${(colour * 40503).toString(16).padStart(6, '0').slice(-6)}` },
  })
    .jpeg()
    .withExif({ IFD2: { DateTimeOriginal: taken } })
    .toBuffer();
}

describe(onBackend('organizing: fields, albums, finding, bulk, trash'), () => {
  const running = useServer({ TRASH_RETENTION_DAYS: '30', VARIANT_PRESETS: 'thumb=64x64:cover' }, { clock });

  async function add(token: string, fields: UploadOptions['fields'] = {}, content?: Buffer, filename = 'photo.png'): Promise<ImageJson> {
    const response = await upload<ImageJson>(running.base, token, content ?? (await uniquePng()), { fields, filename });
    assert.equal(response.status, 201, response.text);
    return response.body;
  }

  async function list(token: string, query = ''): Promise<ImageJson[]> {
    const response = await api<ImageJson[]>(running.base, `/images/?limit=1000${query}`, { token });
    assert.equal(response.status, 200, response.text);
    return response.body;
  }

  const ids = (images: { id: number }[]) => images.map((image) => image.id);

  test('upload fields: title, description, tags (comma-separated or repeated), metadata, shown in every image JSON', async () => {
    const token = await register(running.base);
    const image = await add(token, {
      title: '  Invoice March  ',
      description: 'Scanned\non paper',
      tags: ['Invoice, 2024', ' tax  return ', 'INVOICE'],
      metadata: JSON.stringify({ client: 'ACME', amount: 120.5, paid: true }),
    });
    assert.equal(image.title, 'Invoice March');
    assert.equal(image.description, 'Scanned\non paper');
    assert.deepEqual(image.tags, ['invoice', '2024', 'tax return']);
    assert.deepEqual(image.metadata, { client: 'ACME', amount: 120.5, paid: true });
    assert.deepEqual(image.albums, []);
    assert.equal(image.trashed_at, null);
    assert.equal(image.expires_at, null);
    const again = await api<ImageJson>(running.base, `/images/${image.id}/`, { token });
    assert.deepEqual(again.body.tags, image.tags);
    const [listed] = await list(token);
    assert.deepEqual(listed?.metadata, image.metadata);
    // Without fields: empty values, not missing keys.
    const plain = await add(token);
    assert.deepEqual([plain.title, plain.description, plain.tags, plain.metadata], [null, null, [], null]);
  });

  test('every field limit is a 400 naming the field and the rule, and stores nothing', async () => {
    const token = await register(running.base);
    const cases: [UploadOptions['fields'], string, RegExp][] = [
      [{ title: 'x'.repeat(201) }, 'title', /no more than 200 characters/],
      [{ description: 'x'.repeat(5001) }, 'description', /no more than 5000 characters/],
      [{ tags: Array.from({ length: 51 }, (_, i) => `t${i}`).join(',') }, 'tags', /no more than 50 tags/],
      [{ tags: 'x'.repeat(65) }, 'tags', /no more than 64 characters/],
      [{ tags: 'no#hash' }, 'tags', /letters, digits, spaces and - _ \. :/],
      [{ metadata: '{not json' }, 'metadata', /JSON object/],
      [{ metadata: '[1,2]' }, 'metadata', /JSON object/],
      [{ metadata: JSON.stringify({ nested: { a: 1 } }) }, 'metadata', /string, a number or true\/false/],
      [{ metadata: JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]))) }, 'metadata', /no more than 50/],
      [{ metadata: JSON.stringify({ ['k'.repeat(65)]: 1 }) }, 'metadata', /not a valid name/],
      [{ metadata: JSON.stringify({ 'bad key': 1 }) }, 'metadata', /not a valid name/],
      [
        { metadata: JSON.stringify(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v'.repeat(900)]))) },
        'metadata',
        /8192 bytes/,
      ],
      [{ expires_in: '59' }, 'expires_in', /between 60/],
      [{ expires_in: 'soon' }, 'expires_in', /integer/],
      [{ expires_at: '2001-01-01T00:00:00Z' }, 'expires_at', /a minute ahead/],
      [{ expires_at: 'tomorrow' }, 'expires_at', /ISO 8601/],
      [{ expires_in: '600', expires_at: '2099-01-01T00:00:00Z' }, 'expires_in', /not both/],
    ];
    for (const [fields, field, message] of cases) {
      const response = await upload(running.base, token, await uniquePng(), { fields });
      assert.equal(response.status, 400, `${JSON.stringify(fields).slice(0, 80)}: ${response.text}`);
      assert.deepEqual(Object.keys(response.body as object), [field], response.text);
      assert.match(String((response.body as Record<string, string[]>)[field]), message);
    }
    // Two fields wrong: both named in one answer.
    const both = await upload(running.base, token, await uniquePng(), { fields: { title: 'x'.repeat(201), tags: '#' } });
    assert.deepEqual(Object.keys(both.body as object).sort(), ['tags', 'title']);
    assert.deepEqual(await list(token), [], 'nothing was stored');
    const me = await api(running.base, '/me/', { token });
    assert.equal(me.body.usage.images, 0);
  });

  test('PATCH changes only the fields given; tags replace, add_tags/remove_tags edit; PUT keeps them', async () => {
    const token = await register(running.base);
    const image = await add(token, { title: 'first', tags: 'a,b', metadata: '{"k":"v"}' });
    const patch = (json: unknown) => api<ImageJson>(running.base, `/images/${image.id}/`, { method: 'PATCH', token, json });

    let changed = await patch({ description: 'words' });
    assert.equal(changed.status, 200, changed.text);
    assert.deepEqual(
      [changed.body.title, changed.body.description, changed.body.tags, changed.body.metadata],
      ['first', 'words', ['a', 'b'], { k: 'v' }],
    );
    changed = await patch({ add_tags: ['C', 'a'], remove_tags: ['b'] });
    assert.deepEqual(changed.body.tags, ['a', 'c']);
    changed = await patch({ tags: ['z'] });
    assert.deepEqual(changed.body.tags, ['z']);
    changed = await patch({ title: null, metadata: null });
    assert.deepEqual([changed.body.title, changed.body.metadata, changed.body.description], [null, null, 'words']);
    changed = await patch({ metadata: { n: 1, ok: false } });
    assert.deepEqual(changed.body.metadata, { n: 1, ok: false });

    // Wrong types and limits: 400 naming the field, nothing changes.
    for (const [json, field] of [
      [{ title: 5 }, 'title'],
      [{ tags: 'a,b' }, 'tags'],
      [{ title: 'x'.repeat(201) }, 'title'],
      [{ add_tags: ['ok', 'b@d'] }, 'add_tags'],
      [{ metadata: { deep: [1] } }, 'metadata'],
      [{ unknown: 1 }, 'unknown'],
    ] as const) {
      const refused = await patch(json);
      assert.equal(refused.status, 400, `${JSON.stringify(json)}: ${refused.text}`);
      assert.ok(
        Object.keys(refused.body as object).some((key) => key === field || key === 'non_field_errors'),
        refused.text,
      );
    }
    const current = await api<ImageJson>(running.base, `/images/${image.id}/`, { token });
    assert.deepEqual([current.body.title, current.body.tags, current.body.metadata], [null, ['z'], { n: 1, ok: false }]);

    const album = await api<AlbumJson>(running.base, '/albums/', { method: 'POST', token, json: { title: 'kept' } });
    await api(running.base, `/albums/${album.body.id}/images/`, { method: 'POST', token, json: { ids: [image.id] } });
    const replaced = await upload<ImageJson>(running.base, token, await uniquePng(), { method: 'PUT', path: `/images/${image.id}/` });
    assert.equal(replaced.status, 200, replaced.text);
    assert.deepEqual([replaced.body.tags, replaced.body.metadata, replaced.body.albums], [['z'], { n: 1, ok: false }, [album.body.id]]);
    assert.equal((await api(running.base, '/images/999999/', { method: 'PATCH', token, json: { title: 'x' } })).status, 404);
  });

  test('albums: CRUD, order kept, idempotent adds, PUT sets order, membership follows deletes, ids never reused', async () => {
    const token = await register(running.base);
    const images = [await add(token), await add(token), await add(token), await add(token)];
    const [a, b, c, d] = ids(images) as [number, number, number, number];
    const created = await api<AlbumJson>(running.base, '/albums/', {
      method: 'POST',
      token,
      json: { title: ' Trip ', description: 'Summer' },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual([created.body.id, created.body.title, created.body.image_count, created.body.cover], [1, 'Trip', 0, null]);
    const album = created.body.id;

    assert.equal((await api(running.base, '/albums/', { method: 'POST', token, json: { title: '  ' } })).status, 400);
    assert.equal((await api(running.base, '/albums/', { method: 'POST', token, json: { title: 'x'.repeat(201) } })).status, 400);
    assert.equal((await api(running.base, '/albums/', { method: 'POST', token, json: {} })).status, 400);

    let added = await api<AlbumJson>(running.base, `/albums/${album}/images/`, { method: 'POST', token, json: { ids: [c, a] } });
    assert.equal(added.status, 200, added.text);
    added = await api<AlbumJson>(running.base, `/albums/${album}/images/`, { method: 'POST', token, json: { ids: [a, b, c] } });
    assert.equal(added.body.image_count, 3);
    assert.match(String(added.body.cover), /\/media\/\d+\/\d+\?/, 'the cover is a signed link');
    const inAlbum = await api<ImageJson[]>(running.base, `/albums/${album}/images/`, { token });
    assert.deepEqual(ids(inAlbum.body), [c, a, b], 'existing images keep their place; new ones follow in the order given');
    assert.deepEqual(ids(await list(token, `&album=${album}&order=album`)), [c, a, b]);
    assert.deepEqual((await api<ImageJson>(running.base, `/images/${a}/`, { token })).body.albums, [album]);

    const unknown = await api(running.base, `/albums/${album}/images/`, { method: 'POST', token, json: { ids: [d, 999_999] } });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body, { ids: ['Not found: 999999.'] });
    assert.equal((await api<AlbumJson>(running.base, `/albums/${album}/`, { token })).body.image_count, 3, 'nothing was added');

    const ordered = await api<AlbumJson>(running.base, `/albums/${album}/images/`, { method: 'PUT', token, json: { ids: [b, d, c] } });
    assert.equal(ordered.status, 200, ordered.text);
    assert.deepEqual(ids((await api<ImageJson[]>(running.base, `/albums/${album}/images/`, { token })).body), [b, d, c]);

    assert.equal((await api(running.base, `/albums/${album}/images/${d}/`, { method: 'DELETE', token })).status, 204);
    assert.equal((await api(running.base, `/albums/${album}/images/${d}/`, { method: 'DELETE', token })).status, 404);
    assert.equal((await api(running.base, `/images/${b}/`, { method: 'DELETE', token })).status, 204);
    assert.deepEqual(ids((await api<ImageJson[]>(running.base, `/albums/${album}/images/`, { token })).body), [c]);

    const renamed = await api<AlbumJson>(running.base, `/albums/${album}/`, {
      method: 'PATCH',
      token,
      json: { title: 'Trip 2024', description: null },
    });
    assert.deepEqual([renamed.body.title, renamed.body.description], ['Trip 2024', null]);
    const second = await api<AlbumJson>(running.base, '/albums/', { method: 'POST', token, json: { title: 'Second' } });
    assert.equal(second.body.id, 2);
    assert.deepEqual(ids((await api<AlbumJson[]>(running.base, '/albums/', { token })).body), [1, 2]);
    const paged = await api<AlbumJson[]>(running.base, '/albums/?limit=1', { token });
    assert.deepEqual(ids(paged.body), [1]);
    const next = /<([^>]+)>; rel="next"/.exec(paged.headers.get('link') ?? '')?.[1];
    assert.ok(next);
    assert.deepEqual(ids((await api<AlbumJson[]>(running.base, next.replace(running.base, ''), { token })).body), [2]);

    assert.equal((await api(running.base, `/albums/${album}/`, { method: 'DELETE', token })).status, 204);
    assert.equal((await api(running.base, `/images/${c}/`, { token })).status, 200, 'deleting an album keeps its images');
    assert.deepEqual((await api<ImageJson>(running.base, `/images/${c}/`, { token })).body.albums, []);
    const third = await api<AlbumJson>(running.base, '/albums/', { method: 'POST', token, json: { title: 'Third' } });
    assert.equal(third.body.id, 3, 'album ids are never reused');
  });

  test('filters: each alone and combined, with tags, words, format, size, times, sha256 and metadata', async () => {
    const token = await register(running.base);
    const invoice2024 = await add(token, { tags: 'invoice', title: 'Café receipt' }, await jpegTakenAt('2024:05:01 10:00:00'), 'scan.jpg');
    const invoice2023 = await add(
      token,
      { tags: 'invoice,paid', metadata: '{"client":"acme","n":5}' },
      await jpegTakenAt('2023:12:31 23:59:59'),
      'old.jpg',
    );
    const holiday = await add(token, { tags: 'holiday', description: 'Beach at Saint-Malo' }, await uniquePng(40, 30), 'beach.png');
    const animated = await add(
      token,
      { metadata: '{"client":"other"}' },
      await sharp('../shared/fixtures/images/animated.gif', { animated: true }).gif().toBuffer(),
      'anim.gif',
    );
    const check = async (query: string, expected: ImageJson[]) => assert.deepEqual(ids(await list(token, query)), ids(expected), query);

    await check('&tag=invoice', [invoice2024, invoice2023]);
    await check('&tag=invoice&tag=Paid', [invoice2023]);
    await check('&tag=nothing', []);
    await check('&q=cafe', [invoice2024]);
    await check('&q=CAFÉ%20rec*', [invoice2024]);
    await check('&q=rec', []);
    await check('&q=malo', [holiday]);
    await check('&q=scan', [invoice2024]);
    await check('&q=invoice', [invoice2024, invoice2023]);
    await check('&format=jpeg', [invoice2024, invoice2023]);
    await check('&format=gif&animated=true', [animated]);
    await check('&animated=false&format=png', [holiday]);
    await check('&min_width=40&animated=false', [holiday]);
    await check('&min_width=300', [animated]);
    await check('&min_width=16&min_height=30&format=png', [holiday]);
    await check('&taken_after=2024-01-01', [invoice2024]);
    await check('&taken_before=2024-01-01', [invoice2023]);
    await check(
      '&taken_after=2023-12-31T23:00:00&taken_before=2024-06-01',
      [invoice2023, invoice2024].sort((x, y) => x.id - y.id),
    );
    await check(`&sha256=${holiday.sha256}`, [holiday]);
    await check(`&sha256=${'0'.repeat(64)}`, []);
    await check('&metadata.client=acme', [invoice2023]);
    await check('&metadata.n=5', [invoice2023]);
    await check('&metadata.client=acme&tag=holiday', []);
    await check(`&created_after=${encodeURIComponent(holiday.created_at)}`, [holiday, animated]);
    await check(`&created_before=${encodeURIComponent(invoice2023.created_at)}`, [invoice2024]);
    await check('&tag=invoice&q=cafe&format=jpeg&taken_after=2024-01-01', [invoice2024]);
    await check('&order=newest', [animated, holiday, invoice2023, invoice2024]);
    await check('&order=taken', [invoice2023, invoice2024, holiday, animated]);
    await check('&order=-taken', [invoice2024, invoice2023, animated, holiday]);
    await check('&order=title', [invoice2024, invoice2023, holiday, animated]);

    for (const bad of ['format=bmp', 'min_width=0', 'sha256=xyz', 'tag=%23', 'taken_after=May', 'order=size', 'order=album', 'album=0']) {
      const response = await api(running.base, `/images/?${bad}`, { token });
      assert.equal(response.status, 400, `${bad}: ${response.text}`);
    }
    assert.equal((await api(running.base, '/images/?album=77', { token })).status, 404);

    const tags = await api(running.base, '/tags/', { token });
    assert.deepEqual(tags.body, [
      { tag: 'holiday', count: 1 },
      { tag: 'invoice', count: 2 },
      { tag: 'paid', count: 1 },
    ]);
  });

  test('paging through 2,500 filtered images while others are added and deleted: no duplicates, no gaps', async () => {
    const token = await register(running.base);
    const png = await uniquePng();
    // The 2,500 are made through the catalog in-process (the upload pipeline's decode would take a
    // minute per backend); the same staged bytes each time, which storage already holds after the first.
    const first = await add(token, { tags: 'even,all', title: 'n00000' }, png);
    const userId = Number(new URL(first.url).pathname.split('/')[2]);
    const { ingest, catalog } = running.server.built.services;
    const staged = await ingest.stage(Readable.from([png]), 'seed.png');
    const made: { id: number }[] = [first];
    try {
      for (let i = 1; i < 2500; i++) {
        const tags = i % 2 === 0 ? ['even', 'all'] : ['odd', 'all'];
        const image = await catalog.create(userId, staged, {
          ...NO_LABELS,
          tags,
          title: `n${String(i).padStart(5, '0')}`,
          expiresAt: null,
        });
        made.push({ id: image.number });
      }
    } finally {
      await staged.discard();
    }
    // As autovacuum would within a minute: a table planned as empty makes every page quadratic.
    await refreshStatistics(running.server.built.services.db);
    const even = new Set(ids(made.filter((_, i) => i % 2 === 0)));
    for (const order of ['oldest', 'newest', 'title']) {
      const seen: number[] = [];
      let path: string | null = `/images/?tag=even&tag=all&limit=97&order=${order}`;
      const deleted = new Set<number>();
      let page = 0;
      while (path) {
        const response: Awaited<ReturnType<typeof api<ImageJson[]>>> = await api<ImageJson[]>(running.base, path, { token });
        assert.equal(response.status, 200, response.text);
        seen.push(...ids(response.body));
        path = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1]?.replace(running.base, '') ?? null;
        // Between pages: a new matching image, and one matching image deleted.
        page++;
        if (page % 5 === 0) {
          await add(token, { tags: 'even,all', title: 'new' }, png);
          const victim = [...even].find((id) => !seen.includes(id) && !deleted.has(id) && id % 7 === 0);
          if (victim !== undefined) {
            assert.equal((await api(running.base, `/images/${victim}/`, { method: 'DELETE', token })).status, 204);
            deleted.add(victim);
            even.delete(victim);
          }
        }
      }
      assert.equal(new Set(seen).size, seen.length, `${order}: no image twice`);
      for (const id of even) assert.ok(seen.includes(id), `${order}: image ${id}, present throughout, was listed`);
      for (const id of deleted) assert.ok(!seen.includes(id), `${order}: deleted image ${id} not listed`);
    }
  });

  test('bulk: all or nothing; a foreign id is a 400 naming it and changes nothing', async () => {
    const token = await register(running.base);
    const other = await register(running.base);
    const mine = [await add(token, { tags: 'keep' }), await add(token), await add(token)];
    // Ids are per user: the other user's sixth image has an id the caller does not have.
    for (let i = 0; i < 5; i++) await add(other);
    const theirs = await add(other);
    const bulk = (json: unknown, as = token) => api(running.base, '/images/bulk/', { method: 'POST', token: as, json });

    const foreign = await bulk({ ids: [...ids(mine), theirs.id], action: 'add_tags', tags: ['x'] });
    assert.equal(foreign.status, 400);
    assert.deepEqual(foreign.body, { ids: [`Not found: ${theirs.id}.`] });
    assert.ok(
      (await list(token)).every((image) => !image.tags.includes('x')),
      'nothing changed',
    );
    // A tag limit crossed on one image refuses the whole action.
    const full = await add(token, { tags: Array.from({ length: 50 }, (_, i) => `t${i}`).join(',') });
    const over = await bulk({ ids: [...ids(mine), full.id], action: 'add_tags', tags: ['one more'] });
    assert.equal(over.status, 400, over.text);
    assert.ok((await list(token)).every((image) => !image.tags.includes('one more')));

    const tagged = await bulk({ ids: ids(mine), action: 'add_tags', tags: ['Batch'] });
    assert.deepEqual(tagged.body, { action: 'add_tags', count: 3 });
    assert.deepEqual(ids(await list(token, '&tag=batch')), ids(mine));
    await bulk({ ids: [mine[0]!.id], action: 'remove_tags', tags: ['keep'] });
    assert.deepEqual((await api<ImageJson>(running.base, `/images/${mine[0]!.id}/`, { token })).body.tags, ['batch']);

    const album = (await api<AlbumJson>(running.base, '/albums/', { method: 'POST', token, json: { title: 'b' } })).body.id;
    assert.equal((await bulk({ ids: ids(mine), action: 'add_to_album', album })).status, 200);
    assert.deepEqual(ids(await list(token, `&album=${album}&order=album`)), ids(mine));
    assert.equal((await bulk({ ids: ids(mine), action: 'add_to_album' })).status, 400, 'album is required');
    assert.equal((await bulk({ ids: ids(mine), action: 'add_to_album', album: 99 })).status, 404);
    await bulk({ ids: [mine[1]!.id], action: 'remove_from_album', album });
    assert.deepEqual(ids(await list(token, `&album=${album}&order=album`)), [mine[0]!.id, mine[2]!.id]);

    assert.equal((await bulk({ ids: ids(mine), action: 'trash' })).status, 200);
    assert.deepEqual(ids(await list(token)), [full.id]);
    assert.equal((await bulk({ ids: ids(mine), action: 'restore' })).status, 200);
    assert.equal((await list(token)).length, 4);
    assert.equal((await bulk({ ids: [...ids(mine), full.id], action: 'delete' })).status, 200);
    assert.deepEqual(await list(token), []);
    assert.equal((await bulk({ ids: Array.from({ length: 1001 }, (_, i) => i + 1), action: 'trash' })).status, 400);
    assert.equal((await bulk({ ids: [1], action: 'explode' })).status, 400);
    assert.equal((await api(running.base, `/images/${theirs.id}/`, { token: other })).status, 200);
  });

  test('trash: hidden from lists and links at once, listed in /trash/, restored with the same id and link; counted in usage', async () => {
    const token = await register(running.base);
    const image = await add(token, { tags: 'trip' });
    const album = (await api<AlbumJson>(running.base, '/albums/', { method: 'POST', token, json: { title: 't' } })).body.id;
    await api(running.base, `/albums/${album}/images/`, { method: 'POST', token, json: { ids: [image.id] } });
    assert.equal((await fetchBytes(image.url)).status, 200);

    const trashed = await api<ImageJson>(running.base, `/images/${image.id}/trash`, { method: 'POST', token });
    assert.equal(trashed.status, 200, trashed.text);
    assert.ok(trashed.body.trashed_at);
    assert.equal((await fetchBytes(image.url)).status, 403, 'its signed link stops at once');
    assert.equal((await fetchBytes(trashed.body.url)).status, 403, 'and so do new ones');
    assert.deepEqual(await list(token), []);
    assert.deepEqual(await list(token, '&tag=trip'), []);
    assert.deepEqual((await api(running.base, '/tags/', { token })).body, []);
    assert.equal((await api<AlbumJson>(running.base, `/albums/${album}/`, { token })).body.image_count, 0);
    assert.deepEqual(ids((await api<ImageJson[]>(running.base, '/trash/', { token })).body), [image.id]);
    assert.equal((await api(running.base, `/images/${image.id}/`, { token })).status, 200, 'the owner can still look at it');
    const me = await api(running.base, '/me/', { token });
    assert.equal(me.body.usage.images, 1, 'the trash counts against the quota');
    assert.equal(me.body.trash.images, 1);
    assert.equal((await api(running.base, `/images/${image.id}/trash`, { method: 'POST', token })).status, 404, 'already in the trash');

    const restored = await api<ImageJson>(running.base, `/images/${image.id}/restore`, { method: 'POST', token });
    assert.equal(restored.status, 200);
    assert.equal(restored.body.trashed_at, null);
    assert.equal((await fetchBytes(image.url)).status, 200, 'the old link works again');
    assert.deepEqual(ids(await list(token)), [image.id]);
    assert.deepEqual(restored.body.albums, [album]);
    assert.deepEqual((await api(running.base, '/trash/', { token })).body, []);
    assert.equal((await api(running.base, `/images/${image.id}/restore`, { method: 'POST', token })).status, 404);
  });

  test('the sweeper purges the trash after TRASH_RETENTION_DAYS and images past their expiry', async () => {
    const token = await register(running.base);
    const kept = await add(token);
    const old = await add(token);
    const expiring = await add(token, { expires_in: '3600' });
    const at = new Date(clock() + 2 * DAY).toISOString();
    const expiringLater = await add(token, { expires_at: at });
    assert.equal(expiringLater.expires_at, at);
    assert.ok(expiring.expires_at);
    await api(running.base, `/images/${old.id}/trash`, { method: 'POST', token });
    const catalog = running.server.built.services.catalog;
    const retention = running.server.config.trashRetentionDays * DAY;

    offsetMs = 2 * 3600 * 1000;
    try {
      // Expired: gone from lists and reads at once, before any purge.
      assert.deepEqual(ids(await list(token)), [kept.id, expiringLater.id]);
      assert.equal((await api(running.base, `/images/${expiring.id}/`, { token })).status, 404);
      await catalog.purgeDue(retention);
      assert.deepEqual(ids((await api<ImageJson[]>(running.base, '/trash/', { token })).body), [old.id], 'still in the trash');
      offsetMs = 31 * DAY;
      await catalog.purgeDue(retention);
      assert.deepEqual((await api(running.base, '/trash/', { token })).body, []);
      assert.equal((await api(running.base, `/images/${old.id}/`, { token })).status, 404);
      assert.deepEqual(ids(await list(token)), [kept.id]);
      const me = await api(running.base, '/me/', { token });
      assert.equal(me.body.usage.images, 1, 'purged images no longer count');
    } finally {
      offsetMs = 0;
    }
  });

  test('isolation: another user’s albums, tags, trash and ids are invisible', async () => {
    const owner = await register(running.base);
    const intruder = await register(running.base);
    // Ids are per user: the owner's third image has an id the intruder does not have.
    await add(owner);
    await add(owner);
    const image = await add(owner, { tags: 'secret', title: 'private words' });
    const album = (await api<AlbumJson>(running.base, '/albums/', { method: 'POST', token: owner, json: { title: 'mine' } })).body.id;
    await api(running.base, `/albums/${album}/images/`, { method: 'POST', token: owner, json: { ids: [image.id] } });
    await api(running.base, `/images/${image.id}/trash`, { method: 'POST', token: owner });
    await api(running.base, `/images/${image.id}/restore`, { method: 'POST', token: owner });
    const other = await add(intruder);
    const before = JSON.stringify((await api(running.base, `/images/${image.id}/`, { token: owner })).body);

    const notFound: [string, string, unknown?][] = [
      ['GET', `/albums/${album}/`],
      ['PATCH', `/albums/${album}/`, { title: 'taken' }],
      ['DELETE', `/albums/${album}/`],
      ['GET', `/albums/${album}/images/`],
      ['POST', `/albums/${album}/images/`, { ids: [other.id] }],
      ['PUT', `/albums/${album}/images/`, { ids: [] }],
      ['DELETE', `/albums/${album}/images/${image.id}/`],
      ['GET', `/images/?album=${album}`],
      ['PATCH', `/images/${image.id}/`, { title: 'x' }],
      ['POST', `/images/${image.id}/trash`],
      ['POST', `/images/${image.id}/restore`],
      ['POST', '/images/bulk/', { ids: [other.id], action: 'add_to_album', album }],
    ];
    for (const [method, path, json] of notFound) {
      const response = await api(running.base, path, { method, token: intruder, json });
      assert.equal(response.status, 404, `${method} ${path}: ${response.text}`);
    }
    // Ids of another's images in the intruder's own requests: named as not found, as unknown ids are.
    const ownAlbum = (await api<AlbumJson>(running.base, '/albums/', { method: 'POST', token: intruder, json: { title: 'x' } })).body.id;
    const adding = await api(running.base, `/albums/${ownAlbum}/images/`, { method: 'POST', token: intruder, json: { ids: [image.id] } });
    const unknownId = 2 ** 31 - 1;
    const unknown = await api(running.base, `/albums/${ownAlbum}/images/`, { method: 'POST', token: intruder, json: { ids: [unknownId] } });
    assert.equal(adding.status, 400);
    assert.equal(JSON.stringify(adding.body).replace(String(image.id), 'N'), JSON.stringify(unknown.body).replace(String(unknownId), 'N'));
    const bulk = await api(running.base, '/images/bulk/', { method: 'POST', token: intruder, json: { ids: [image.id], action: 'delete' } });
    assert.equal(bulk.status, 400);
    for (const path of ['/tags/', '/trash/', '/albums/', '/images/?q=private', '/images/?tag=secret', `/images/?sha256=${image.sha256}`]) {
      const response = await api(running.base, path, { token: intruder });
      assert.equal(response.status, 200, path);
      assert.ok(!response.text.includes('secret') && !response.text.includes('private') && !response.text.includes('"mine"'), path);
      if (path.startsWith('/images/')) assert.deepEqual(response.body, [], path);
    }
    assert.equal(JSON.stringify((await api(running.base, `/images/${image.id}/`, { token: owner })).body), before, 'nothing changed');
  });
});
