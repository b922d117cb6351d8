import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { currentSpec, generateSchemaTypes, SCHEMA_FILE } from '../client/generate.js';
import { imageApiClient, type Image } from '../client/index.js';
import { fixture, GOOD_PASSWORD, onBackend, uniqueUsername, useServer } from '../testkit/index.js';

describe(onBackend('the typed client (client/), generated from the OpenAPI spec'), () => {
  const running = useServer();

  test('client/schema.d.ts is what the current spec generates (run npm run build:client after changing a route)', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    assert.ok(committed === (await generateSchemaTypes(await currentSpec())), 'client/schema.d.ts is out of date: npm run build:client');
  });

  test('register, upload, list, read and delete through the typed client', async () => {
    let token: string | null = null;
    let refused = 0;
    const api = imageApiClient({ baseUrl: running.base, token: () => token, onUnauthorized: () => refused++ });
    const username = uniqueUsername('typed');
    const registered = await api.POST('/register/', { body: { username, password: GOOD_PASSWORD } });
    assert.equal(registered.response.status, 201);
    token = registered.data!.token;

    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(await readFile(fixture('photo.webp')))]), 'photo.webp');
    const uploaded = await api.POST('/images/', { body: { image: '' }, bodySerializer: () => form });
    assert.equal(uploaded.response.status, 201, JSON.stringify(uploaded.error));
    // One file: the image itself (several files would get 207 with `results`).
    assert.ok(uploaded.data && 'id' in uploaded.data);
    const image: Image = uploaded.data;
    assert.equal(image.format, 'webp');

    const list = await api.GET('/images/', { params: { query: { order: 'newest', limit: 10 } } });
    assert.deepEqual(
      list.data!.map((item) => item.id),
      [image.id],
    );
    const one = await api.GET('/images/{id}/', { params: { path: { id: String(image.id) } } });
    assert.equal(one.data!.sha256, image.sha256);
    const me = await api.GET('/me/');
    assert.deepEqual(me.data!.usage, { images: 1, bytes: image.bytes });

    const missing = await api.GET('/images/{id}/', { params: { path: { id: '999' } } });
    assert.equal(missing.response.status, 404);
    assert.deepEqual(missing.error, { detail: 'Not found.' });

    assert.equal((await api.DELETE('/images/{id}/', { params: { path: { id: String(image.id) } } })).response.status, 204);
    token = 'f'.repeat(40);
    assert.equal((await api.GET('/me/')).response.status, 401);
    assert.equal(refused, 1, 'the client reports a refused token');
  });
});
