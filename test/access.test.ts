import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import { MediaSigner } from '../src/media/signing.js';
import { TEST_SECRET, api, fixture, onBackend, register, uniqueUsername, useServer } from '../testkit/index.js';

interface Operation {
  method: string;
  path: string;
  secured: boolean;
}

describe(onBackend('access control audit: every route in the OpenAPI spec'), () => {
  const running = useServer();
  let victimName: string;
  let victim: string;
  let intruder: string;
  let revoked: string;
  let image: { id: number; url: string; sha256: string; filename: string; variants: Record<string, string> };
  let victimUserId: number;
  let victimUpload: string;
  let operations: Operation[];

  before(async () => {
    victimName = uniqueUsername('victim');
    victim = await register(running.base, victimName);
    intruder = await register(running.base);
    revoked = await register(running.base);
    await api(running.base, '/regenerateToken/', { token: revoked });
    const form = new FormData();
    form.append('image', new Blob([await readFile(fixture('exif-canon-40d.jpg'))]), 'victim-secret-name.jpg');
    image = (await api(running.base, '/images/', { method: 'POST', token: victim, body: form })).body;
    // The victim's album 1 holds the image: album routes are probed with ids that exist.
    await api(running.base, '/albums/', { method: 'POST', token: victim, json: { title: 'victim-secret-name album' } });
    await api(running.base, '/albums/1/images/', { method: 'POST', token: victim, json: { ids: [image.id] } });
    victimUserId = Number(new URL(image.url).pathname.split('/')[2]);
    // An unfinished resumable upload of the victim's: upload routes are probed with its id.
    const created = await fetch(`${running.base}/uploads/`, {
      method: 'POST',
      headers: { authorization: `Token ${victim}`, 'tus-resumable': '1.0.0', 'upload-length': '1000' },
    });
    victimUpload = created.headers.get('location')!.split('/').pop()!;
    const spec = (await api(running.base, '/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        secured: Boolean(operation.security?.length),
      })),
    );
  });

  const concrete = (path: string) =>
    path
      .replace('{id}', path.startsWith('/albums/') ? '1' : path.startsWith('/uploads/') ? victimUpload : String(image.id))
      .replace('{imageId}', String(image.id))
      .replace('{userId}', String(victimUserId))
      .replace('{username}', victimName);

  /** JSON bodies that name the victim's things, for the routes that take JSON. */
  const JSON_BODIES: Record<string, unknown> = {
    'POST /albums/': { title: 'intruder' },
    'POST /albums/{id}/images/': { ids: [1] },
    'PUT /albums/{id}/images/': { ids: [] },
    'POST /images/bulk/': { ids: [1], action: 'trash' },
  };

  async function call(operation: Operation, headers: Record<string, string>, query = '') {
    const init: {
      method: string;
      token?: string;
      authorization?: string;
      body?: FormData | Buffer;
      json?: unknown;
      headers: Record<string, string>;
    } = {
      method: operation.method,
      headers: operation.path.startsWith('/uploads/') ? { 'tus-resumable': '1.0.0', 'upload-offset': '0', ...headers } : headers,
    };
    // A valid (empty) JSON body, so that what answers is the route's access check, not body validation.
    const jsonBody = JSON_BODIES[`${operation.method} ${operation.path}`];
    if (operation.method === 'PATCH' && operation.path.startsWith('/uploads/')) {
      init.body = Buffer.alloc(10);
      init.headers['content-type'] = 'application/offset+octet-stream';
    } else if (operation.method === 'PATCH') init.json = {};
    else if (jsonBody !== undefined) init.json = jsonBody;
    else if (operation.method === 'POST' || operation.method === 'PUT') {
      const form = new FormData();
      form.append('image', new Blob([await readFile(fixture('tiny-2x2.png'))]), 'intruder.png');
      init.body = form;
    }
    return api(running.base, `${concrete(operation.path)}${query}`, init);
  }

  /** Nothing of the victim's in a response meant for someone else. */
  function assertReveals(text: string, context: string) {
    for (const secret of [image.sha256, 'victim-secret-name', victimName, victim])
      assert.ok(!text.includes(secret), `${context} reveals ${secret}`);
  }

  test('the spec lists the routes this audit must cover', () => {
    const secured = operations.filter((operation) => operation.secured).map((operation) => `${operation.method} ${operation.path}`);
    for (const expected of [
      'GET /images/',
      'POST /images/',
      'GET /images/{id}/',
      'PUT /images/{id}/',
      'DELETE /images/{id}/',
      'GET /images/{id}/content',
      'GET /regenerateToken/',
      'GET /me/',
      'PATCH /images/{id}/',
      'POST /images/{id}/trash',
      'POST /images/{id}/restore',
      'POST /images/bulk/',
      'GET /trash/',
      'GET /tags/',
      'GET /albums/',
      'POST /albums/',
      'GET /albums/{id}/',
      'PATCH /albums/{id}/',
      'DELETE /albums/{id}/',
      'GET /albums/{id}/images/',
      'POST /albums/{id}/images/',
      'PUT /albums/{id}/images/',
      'DELETE /albums/{id}/images/{imageId}/',
      'POST /uploads/',
      'GET /uploads/{id}',
      'PATCH /uploads/{id}',
      'DELETE /uploads/{id}',
    ]) {
      assert.ok(secured.includes(expected), `${expected} is not marked as secured`);
    }
  });

  test('secured routes: no credentials, a revoked token, a malformed header → 401 with nothing revealed', async () => {
    for (const operation of operations.filter((candidate) => candidate.secured)) {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: `Token ${revoked}` },
        { authorization: 'Token' },
        { authorization: `Bearer ${'f'.repeat(40)}` },
      ];
      for (const headers of attempts) {
        const response = await call(operation, headers);
        assert.equal(response.status, 401, `${operation.method} ${operation.path} with ${JSON.stringify(headers)}`);
        assertReveals(response.text, `${operation.method} ${operation.path}`);
      }
    }
  });

  test("secured routes: another user's token never reaches the victim's image", async () => {
    for (const operation of operations.filter((candidate) => candidate.secured)) {
      // These act on the caller's own account only (a new image, a new token or password, deleting oneself).
      const ownAccount =
        ['/regenerateToken/', '/me/password/'].includes(operation.path) ||
        (operation.method === 'POST' && ['/images/', '/albums/', '/uploads/'].includes(operation.path)) ||
        (operation.method === 'DELETE' && operation.path === '/me/');
      if (ownAccount) continue;
      const response = await call(operation, { authorization: `Token ${intruder}` });
      assertReveals(response.text, `${operation.method} ${operation.path} as another user`);
      // Admin routes refuse a non-admin before anything else; other routes find nothing of the victim's.
      if (operation.path.startsWith('/admin/')) assert.equal(response.status, 403, `${operation.method} ${operation.path}`);
      else if (operation.path.includes('{id}')) assert.equal(response.status, 404, `${operation.method} ${operation.path}`);
    }
    // The victim's image is untouched.
    const mine = await api(running.base, `/images/${image.id}/`, { token: victim });
    assert.equal(mine.status, 200);
    assert.equal(mine.body.sha256, image.sha256);
    assert.equal(mine.body.trashed_at, null);
    assert.deepEqual(mine.body.albums, [1]);
    assert.equal((await api(running.base, '/albums/1/', { token: victim })).body.image_count, 1);
    const upload = await api(running.base, `/uploads/${victimUpload}`, { token: victim });
    assert.deepEqual([upload.status, upload.body.offset, upload.body.status], [200, 0, 'receiving']);
  });

  test('signed links: missing, borrowed, altered and expired signatures are refused without revealing anything', async () => {
    const media = operations.filter((operation) => operation.path.startsWith('/media/'));
    assert.ok(media.length > 0);
    const intruderImage = (
      await (async () => {
        const form = new FormData();
        form.append('image', new Blob([await readFile(fixture('alpha.png'))]), 'mine.png');
        return api(running.base, '/images/', { method: 'POST', token: intruder, body: form });
      })()
    ).body as { url: string };
    const own = new URL(image.url);
    const signer = new MediaSigner([TEST_SECRET], 3600);
    const { linkKey } = await running.server.built.services.catalog.get(victimUserId, image.id);
    const expired = signer.sign(
      { userId: victimUserId, number: image.id, sha256: image.sha256, variant: '', linkKey },
      signer.expiry(Math.floor(Date.now() / 1000) - 7200),
    );
    const cases: [string, string][] = [
      ['no signature', ''],
      ["another user's signature", new URL(intruderImage.url).search],
      ['altered expiry', `?exp=${Number(own.searchParams.get('exp')) + 60}&sig=${own.searchParams.get('sig')}`],
      ['altered signature', `?exp=${own.searchParams.get('exp')}&sig=${own.searchParams.get('sig')!.slice(0, -2)}AA`],
      ['expired', `?exp=${expired.exp}&sig=${expired.sig}`],
      ['original signature asking for a variant', `${own.search}&w=10`],
    ];
    for (const operation of media) {
      for (const [label, query] of cases) {
        const response = await call(operation, {}, query);
        assert.ok([403, 404].includes(response.status), `${label}: ${response.status}`);
        assertReveals(response.text, label);
      }
      // With the owner's own link it works: the refusals above are about the credential.
      assert.equal((await call(operation, {}, own.search)).status, 200);
    }
  });
});
