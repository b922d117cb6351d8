import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { blobKey } from '../src/images/keys.js';
import { api, backend, fetchBytes, fixture, onBackend, register, upload, useServer, startServer } from '../testkit/index.js';

describe(onBackend('HTTP hygiene'), () => {
  const running = useServer();

  test('GET /openapi.json is an OpenAPI 3 spec covering every endpoint, with the token scheme', async () => {
    const response = await api(running.base, '/openapi.json');
    assert.equal(response.status, 200);
    const spec = response.body;
    assert.match(spec.openapi, /^3\./);
    const expected: Record<string, string[]> = {
      '/register/': ['post'],
      '/api-token-auth/': ['post'],
      '/regenerateToken/': ['get'],
      '/images/': ['get', 'post'],
      '/images/{id}/': ['get', 'put', 'delete'],
      '/images/{id}/content': ['get'],
      '/media/{userId}/{id}': ['get'],
      '/healthz': ['get'],
      '/readyz': ['get'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      assert.ok(spec.paths[path], `missing ${path}`);
      for (const method of methods) assert.ok(spec.paths[path][method], `missing ${method} ${path}`);
    }
    // The Authorize button of /docs takes the bare token the web app copies (sent as Bearer).
    assert.deepEqual(
      { type: spec.components.securitySchemes.token.type, scheme: spec.components.securitySchemes.token.scheme },
      { type: 'http', scheme: 'bearer' },
    );
    const operations = Object.values(spec.paths).flatMap((methods) =>
      Object.values(methods as Record<string, { operationId?: string; security?: unknown[] }>),
    );
    const ids = operations.map((operation) => operation.operationId);
    assert.ok(
      ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id)),
      `every operation has a camelCase operationId: ${ids.join(', ')}`,
    );
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    assert.ok(
      operations.every((operation) => Array.isArray(operation.security)),
      'every operation says whether it needs credentials',
    );
    const uploadBody = spec.paths['/images/'].post.requestBody.content['multipart/form-data'].schema;
    assert.deepEqual(uploadBody.required, ['image']);
    // The image JSON is named once, in components, and referred to.
    assert.equal(spec.paths['/images/{id}/'].get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/Image');
    assert.equal(spec.paths['/images/'].get.responses['200'].content['application/json'].schema.items.$ref, '#/components/schemas/Image');
    assert.ok(spec.components.schemas.Image.properties.sha256);
  });

  test("the spec lints clean with Redocly's recommended rules, each waiver named with its reason", async () => {
    const spec = (await api(running.base, '/openapi.json')).text;
    const config = await createConfig({
      extends: ['recommended'],
      rules: {
        // The original image_api's paths end in a slash (/images/, /register/): compatibility keeps them.
        'no-path-trailing-slash': 'off',
      },
    });
    // Operations that have no such answer to document (checked one by one, so that a new one is not waived).
    const waived = new Set([
      'operation-4xx-response #/paths/~1healthz/get/responses', // liveness: 200 or no answer
      'operation-4xx-response #/paths/~1readyz/get/responses', // readiness: 200 or 503
      'operation-4xx-response #/paths/~1/get/responses', // the API root or the web app: always 200
      'operation-2xx-response #/paths/~1s~1{token}/post/responses', // a share's password form: 303 to the page
    ]);
    const problems = (await lintFromString({ source: spec, absoluteRef: 'openapi.json', config }))
      .map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer ?? ''}: ${problem.message}`)
      .filter((line) => !waived.has(line.split(':')[0]!));
    assert.deepEqual(problems, []);
  });

  test('strict queries on image and media routes: unknown and repeated parameters are a 400 naming them', async () => {
    const token = await register(running.base);
    const image = (await upload(running.base, token, fixture('alpha.png'))).body;
    const contentKnown =
      'Known: w, h, fit, position, format, q, dpr, enlarge, crop, rotate, flip, trim, blur, sharpen, grayscale, pad, background, preset.';
    const cases: [string, Record<string, string[]>][] = [
      [`/images/${image.id}/content?thumb`, { thumb: [`Unknown query parameter. ${contentKnown}`] }],
      [`/images/${image.id}/content?variant=thumb`, { variant: [`Unknown query parameter. ${contentKnown}`] }],
      [`/images/${image.id}/content?w=300&w=2000`, { w: ['Given more than once; give it once.'] }],
      [
        `/images/${image.id}/content?format=bmp`,
        { format: ['"bmp" is not a valid choice. Choose one of: jpeg, png, webp, gif, avif, auto.'] },
      ],
      ['/images/?limit=5&limit=6', { limit: ['Given more than once; give it once.'] }],
      ['/trash/?page=2', { page: ['Unknown query parameter. Known: limit, cursor.'] }],
    ];
    for (const [path, body] of cases) {
      const response = await api(running.base, path, { token });
      assert.equal(response.status, 400, path);
      assert.deepEqual(response.body, body, path);
    }
    const listed = await api(running.base, '/images/?variant=1', { token });
    assert.match(listed.body.variant[0], /^Unknown query parameter\. Known: limit, cursor, .*, sha256, metadata\.<key>\.$/);
    // What may repeat still does, and metadata filters are not unknown.
    assert.equal((await api(running.base, '/images/?tag=a&tag=b&metadata.camera=x', { token })).status, 200);
    // A signed link with anything added is refused the same way (its signature covers only its own parameters).
    const extra = await api(running.base, `${new URL(image.url).pathname}${new URL(image.url).search}&download=1`);
    assert.equal(extra.status, 400);
    assert.deepEqual(Object.keys(extra.body), ['download']);
    assert.equal((await fetchBytes(image.url)).status, 200);
  });

  test('GET /docs serves the interactive documentation', async () => {
    const response = await fetch(`${running.base}/docs/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /text\/html/);
    assert.match(await response.text(), /swagger/i);
  });

  test('/healthz and /readyz', async () => {
    assert.deepEqual((await api(running.base, '/healthz')).body, { status: 'ok' });
    assert.deepEqual((await api(running.base, '/readyz')).body, { status: 'ok', database: 'ok', storage: 'ok' });
  });

  test('unknown routes: 404 JSON', async () => {
    const response = await api(running.base, '/no/such/thing');
    assert.equal(response.status, 404);
    assert.deepEqual(response.body, { detail: 'Not found.' });
  });

  test('security headers and a request id on every response, errors included', async () => {
    for (const path of ['/healthz', '/no/such/thing', '/images/']) {
      const response = await api(running.base, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN', path);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
      assert.match(response.headers.get('content-security-policy')!, /default-src 'self'/, path);
      assert.match(response.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/, path);
    }
  });

  test('a client cannot choose its request id', async () => {
    const response = await api(running.base, '/healthz', { headers: { 'x-request-id': 'injected' } });
    assert.notEqual(response.headers.get('x-request-id'), 'injected');
  });

  test('OPTIONS answers with Allow', async () => {
    const token = await register(running.base);
    const response = await fetch(`${running.base}/images/1/`, { method: 'OPTIONS', headers: { authorization: `Token ${token}` } });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('allow'), 'GET, HEAD, PUT, PATCH, DELETE, OPTIONS');
  });

  test('a server error says nothing internal, carries the request id, and is logged', async () => {
    const token = await register(running.base);
    // Bytes no request has read yet (read ones may be kept in memory, see HotObjects).
    const unread = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: Date.now() % 256, g: 1, b: 2 } } })
      .png()
      .toBuffer();
    const image = (await upload(running.base, token, unread, { filename: 'unread.png' })).body;
    // Corrupt the storage behind the server's back: the row now points at missing bytes.
    await running.server.built.services.storage.delete(blobKey(image.sha256));
    const response = await api(running.base, `/images/${image.id}/content`, { token });
    assert.equal(response.status, 500);
    assert.deepEqual(Object.keys(response.body).sort(), ['detail', 'request_id']);
    assert.equal(response.body.detail, 'A server error occurred.');
    assert.equal(response.body.request_id, response.headers.get('x-request-id'));
    assert.doesNotMatch(response.text, /storage|originals|Error|at /);
  });

  test(
    '/readyz reports unusable storage with 503 and which part failed',
    { skip: backend !== 'sqlite' && 'breaks the local storage directory' },
    async () => {
      const incoming = join(running.server.config.dataDir, 'storage', '.incoming');
      await rm(incoming, { recursive: true });
      await writeFile(incoming, 'not a directory');
      try {
        const response = await api(running.base, '/readyz');
        assert.equal(response.status, 503);
        assert.deepEqual(response.body, { status: 'unavailable', database: 'ok', storage: 'unavailable' });
        assert.equal(response.headers.get('retry-after'), '5');
      } finally {
        await rm(incoming);
        await mkdir(incoming);
      }
      assert.equal((await api(running.base, '/readyz')).status, 200);
    },
  );
});

describe(onBackend('CORS'), () => {
  test('closed by default: no Access-Control-Allow-Origin for another site', async () => {
    const server = await startServer();
    try {
      const preflight = await fetch(`${server.base}/images/`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
      const simple = await fetch(`${server.base}/healthz`, { headers: { origin: 'https://evil.example' } });
      assert.equal(simple.headers.get('access-control-allow-origin'), null);
    } finally {
      await server.close();
    }
  });

  test('CORS_ORIGINS opens the API to exactly those origins', async () => {
    const server = await startServer({ CORS_ORIGINS: 'https://app.example.com' });
    try {
      const allowed = await fetch(`${server.base}/images/`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example.com');
      assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
      const other = await fetch(`${server.base}/healthz`, { headers: { origin: 'https://evil.example' } });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
    } finally {
      await server.close();
    }
  });
});

describe(onBackend('metrics'), () => {
  test('/metrics is closed by default: 403 with the way to open it', async () => {
    const server = await startServer();
    try {
      const response = await api(server.base, '/metrics');
      assert.equal(response.status, 403);
      assert.match(response.body.detail, /METRICS_TOKEN.*METRICS_PUBLIC=true/);
    } finally {
      await server.close();
    }
  });

  test('GET /metrics (METRICS_PUBLIC=true): counts and durations by route and status, upload bytes, queue depth and wait', async () => {
    const server = await startServer({ METRICS_PUBLIC: 'true' });
    try {
      const token = await register(server.base);
      const image = (await upload(server.base, token, fixture('alpha.png'))).body;
      await api(server.base, '/images/', { token });
      await api(server.base, '/images/999/', { token });
      await fetch(image.variants.thumb);
      const text = await (await fetch(`${server.base}/metrics`)).text();
      assert.match(text, /http_requests_total\{method="GET",route="\/images\/",status="200"\} 1/);
      assert.match(text, /http_requests_total\{method="GET",route="\/images\/:id\/",status="404"\} 1/);
      assert.match(text, /http_request_duration_seconds_bucket\{le="0\.1",method="POST",route="\/images\/",status="201"\} \d/);
      assert.match(text, new RegExp(`image_upload_bytes_total ${image.bytes}`));
      assert.match(text, /image_processing_queue_depth\{queue="render",state="queued"\} 0/);
      assert.match(text, /image_processing_queue_wait_seconds_count\{queue="render"\} 1/);
      assert.match(text, /process_resident_memory_bytes \d+/);
      assert.doesNotMatch(text, new RegExp(token));
    } finally {
      await server.close();
    }
  });

  test('METRICS_TOKEN puts /metrics behind a bearer token', async () => {
    const server = await startServer({ METRICS_TOKEN: 'scrape-me-please' });
    try {
      assert.equal((await fetch(`${server.base}/metrics`)).status, 401);
      assert.equal((await fetch(`${server.base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
      assert.equal((await fetch(`${server.base}/metrics`, { headers: { authorization: 'Bearer scrape-me-please' } })).status, 200);
    } finally {
      await server.close();
    }
  });
});
