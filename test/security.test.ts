/**
 * The security review's findings (issue 12), each reproduced as it was reported: render exhaustion,
 * unthrottled password checks, disabled accounts, deletion races, and the low-severity ones.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import {
  api,
  fetchBytes,
  fixture,
  GOOD_PASSWORD,
  noisyJpeg,
  onBackend,
  register,
  solid,
  startServer,
  uniqueUsername,
  upload,
  useServer,
  type TestServer,
} from '../testkit/index.js';

/** A GIF of `frames` frames of width × height, each a different colour. */
async function animatedGif(frames: number, width: number, height: number): Promise<Buffer> {
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({ create: { width, height, channels: 3, background: { r: (i * 5) % 256, g: 100, b: 200 - (i % 200) } } })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(pages, { join: { animated: true } })
    .gif()
    .toBuffer();
}

async function withServer<T>(env: Record<string, string>, run: (server: TestServer) => Promise<T>): Promise<T> {
  const server = await startServer(env);
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

const auth = (token: string) => ({ authorization: `Token ${token}` });

describe(onBackend('security review: render cost is bounded before rendering'), () => {
  const running = useServer({ MAX_OUTPUT_PIXELS: '10000000' });

  test('the reported 16×16 GIF to 4096×4096: refused at once for its enlargement, naming the parameter', async () => {
    const token = await register(running.base);
    const bomb = (await upload(running.base, token, await animatedGif(50, 16, 16), { filename: 'bomb.gif' })).body;
    const started = performance.now();
    const response = await api(running.base, `/images/${bomb.id}/content?w=4096&h=4096&fit=fill&enlarge=true&format=gif&q=7`, { token });
    assert.equal(response.status, 400);
    assert.match(response.body.enlarge[0], /^Enlarging 256\.0× \(16×16 to 4096×4096\) exceeds the limit of 4×\.$/);
    assert.ok(performance.now() - started < 5000, 'refused without rendering');
  });

  test('output pixels count every frame and are weighted by the encoder: refused under the size parameter', async () => {
    const token = await register(running.base);
    const animation = (await upload(running.base, token, await animatedGif(50, 400, 300), { filename: 'anim.gif' })).body;
    const frames = await api(running.base, `/images/${animation.id}/content?w=1600&enlarge=true&format=gif`, { token });
    assert.equal(frames.status, 400);
    const cost = 1600 * 1200 * animation.frames * 8;
    assert.ok(animation.frames > 10);
    assert.match(
      frames.body.w[0],
      new RegExp(`would be 1600×1200 × ${animation.frames} frames in GIF, which costs as much as ${cost} pixels; the limit is 10000000`),
    );
    // The same size as a still (first frame, JPEG) is within the budget.
    assert.equal(
      (await fetchBytes(`${running.base}/images/${animation.id}/content?w=1600&enlarge=true&format=jpeg`, auth(token))).status,
      200,
    );
    const photo = (await upload(running.base, token, await solid('jpeg', 3000, 2000, '#446688'), { filename: 'big.jpg' })).body;
    const avif = await api(running.base, `/images/${photo.id}/content?format=avif`, { token });
    assert.equal(avif.status, 400, 'AVIF costs three times a JPEG of the same size');
    assert.match(avif.body.format[0], /3000×2000 in AVIF, which costs as much as 18000000 pixels/);
    assert.equal((await fetchBytes(`${running.base}/images/${photo.id}/content?format=jpeg`, auth(token))).status, 200);
  });
});

describe(onBackend('security review: one user cannot take rendering from others'), () => {
  test("an owner's renders beyond RENDER_PER_USER wait in its own line, beyond that 429; another user's render goes first", async () => {
    await withServer({ RENDER_CONCURRENCY: '1', RENDER_PER_USER: '1', RENDER_PER_USER_WAITING: '1' }, async ({ base }) => {
      const attacker = await register(base);
      const victim = await register(base);
      const big = (await upload(base, attacker, await solid('jpeg', 4000, 3000, '#884422'), { filename: 'a.jpg' })).body;
      const photo = (await upload(base, victim, fixture('Landscape_3.jpg'))).body;
      const finished: string[] = [];
      const slow = (q: number) =>
        fetchBytes(`${base}/images/${big.id}/content?w=3000&format=avif&q=${q}`, auth(attacker)).then((response) => {
          finished.push(`attacker-${q}`);
          return response;
        });
      const first = slow(40);
      await new Promise((resolve) => setTimeout(resolve, 150));
      const second = slow(41);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const third = await api(base, `/images/${big.id}/content?w=3000&format=avif&q=42`, { token: attacker });
      assert.equal(third.status, 429, 'the line of one waiting render is full');
      assert.equal(third.headers.get('retry-after'), '1');
      assert.match(third.body.detail, /Too many images of this account are being processed at once \(at most 1\)/);
      const thumbnail = fetchBytes(`${base}/images/${photo.id}/content?w=150&h=150&fit=cover&format=webp`, auth(victim)).then(
        (response) => {
          finished.push('victim');
          return response;
        },
      );
      const results = await Promise.all([first, second, thumbnail]);
      assert.deepEqual(
        results.map((response) => response.status),
        [200, 200, 200],
      );
      assert.deepEqual(finished, ['attacker-40', 'victim', 'attacker-41'], "the other user's render takes the next free slot");
    });
  });

  test('a render waiting longer than RENDER_QUEUE_WAIT_SECONDS is answered 503 with Retry-After', async () => {
    await withServer({ RENDER_CONCURRENCY: '1', RENDER_QUEUE_WAIT_SECONDS: '1', MAX_OUTPUT_PIXELS: '200000000' }, async ({ base }) => {
      const owner = await register(base);
      const other = await register(base);
      const big = (await upload(base, owner, await noisyJpeg(4000, 3000), { filename: 'b.jpg' })).body;
      const photo = (await upload(base, other, fixture('Landscape_1.jpg'))).body;
      const long = fetchBytes(`${base}/images/${big.id}/content?w=4000&format=avif`, auth(owner));
      await new Promise((resolve) => setTimeout(resolve, 150));
      const started = performance.now();
      const waited = await api(base, `/images/${photo.id}/content?w=300&format=avif`, { token: other });
      const seconds = (performance.now() - started) / 1000;
      assert.equal(waited.status, 503);
      assert.equal(waited.headers.get('retry-after'), '5');
      assert.match(waited.body.detail, /Waited 1 s for a slot/);
      assert.ok(seconds >= 0.9 && seconds < 3, `answered after ${seconds.toFixed(2)} s`);
      assert.equal((await long).status, 200);
    });
  });

  test('a render still queued when its image is deleted answers 404, not a server error', async () => {
    await withServer({ RENDER_CONCURRENCY: '1', MAX_OUTPUT_PIXELS: '200000000' }, async ({ base }) => {
      const owner = await register(base);
      const big = (await upload(base, owner, await noisyJpeg(4000, 3000), { filename: 'c.jpg' })).body;
      const photo = (await upload(base, owner, fixture('Landscape_2.jpg'))).body;
      const long = fetchBytes(`${base}/images/${big.id}/content?w=4000&format=avif`, auth(owner));
      await new Promise((resolve) => setTimeout(resolve, 150));
      const queued = fetchBytes(`${base}/images/${photo.id}/content?w=333&format=webp`, auth(owner));
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal((await api(base, `/images/${photo.id}/`, { method: 'DELETE', token: owner })).status, 204);
      assert.equal((await long).status, 200);
      const answer = await queued;
      assert.equal(answer.status, 404, answer.bytes.toString());
    });
  });

  test('a render still queued when its client leaves is dropped: it never runs', async () => {
    await withServer({ RENDER_CONCURRENCY: '1', MAX_OUTPUT_PIXELS: '200000000' }, async ({ base, built }) => {
      const owner = await register(base);
      const other = await register(base);
      const big = (await upload(base, owner, await noisyJpeg(4000, 3000), { filename: 'c.jpg' })).body;
      const photo = (await upload(base, other, fixture('Landscape_2.jpg'))).body;
      const long = fetchBytes(`${base}/images/${big.id}/content?w=4000&format=avif`, auth(owner));
      await new Promise((resolve) => setTimeout(resolve, 150));
      const abandoned = new AbortController();
      const queued = fetch(`${base}/images/${photo.id}/content?w=321&format=webp`, {
        headers: auth(other),
        signal: abandoned.signal,
      }).catch(() => null);
      await new Promise((resolve) => setTimeout(resolve, 150));
      abandoned.abort();
      await queued;
      assert.equal((await long).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const rows = await built.services.db.kysely.selectFrom('variants').select('key').execute();
      assert.ok(
        rows.some((row) => row.key.includes('4000x0')),
        'the long render was stored',
      );
      assert.ok(!rows.some((row) => row.key.includes('321x0')), 'the abandoned render never ran');
    });
  });
});

describe(onBackend('security review: password checks are throttled'), () => {
  test('POST /me/password/: wrong old passwords count per account and address (429)', async () => {
    await withServer({ LOGIN_FAILURES_PER_USER: '2', AUTH_RATE_LIMIT: '5' }, async ({ base }) => {
      const token = await register(base);
      const change = (old: string) =>
        api(base, '/me/password/', { method: 'POST', token, json: { old_password: old, new_password: 'brand new phrase' } });
      assert.equal((await change('wrong guess one')).status, 400);
      assert.equal((await change('wrong guess two')).status, 400);
      const locked = await change(GOOD_PASSWORD);
      assert.equal(locked.status, 429, 'even the right old password waits once the account is under attack from this address');
      assert.match(locked.body.detail, /Too many failed logins for this account/);
      assert.ok(Number(locked.headers.get('retry-after')) > 0);
      const limited = await change(GOOD_PASSWORD);
      const throttled = await change(GOOD_PASSWORD);
      assert.deepEqual([limited.status, throttled.status], [429, 429]);
      assert.match(throttled.body.detail, /Request was throttled|Too many failed logins/);
    });
  });

  test('failed logins lock an account per address; an account-wide ceiling stops a guess spread over many addresses', async () => {
    await withServer({ TRUST_PROXY: '1', LOGIN_FAILURES_PER_USER: '3', LOGIN_FAILURES_PER_ACCOUNT: '6' }, async ({ base }) => {
      const username = uniqueUsername('target');
      await register(base, username);
      // Addresses from documentation ranges, as header values only: every connection is to 127.0.0.1.
      const login = (password: string, from: string) =>
        api(base, '/api-token-auth/', { method: 'POST', json: { username, password }, headers: { 'x-forwarded-for': from } });
      for (let i = 0; i < 3; i++) assert.equal((await login(`wrong ${i}`, '198.51.100.1')).status, 400);
      assert.equal((await login(GOOD_PASSWORD, '198.51.100.1')).status, 429, 'the attacking address is locked out');
      assert.equal(
        (await login(GOOD_PASSWORD, '203.0.113.9')).status,
        200,
        'the owner, elsewhere, is not (and a success resets the counts)',
      );
      for (let i = 0; i < 6; i++) assert.equal((await login(`wrong ${i}`, `198.51.100.${10 + i}`)).status, 400);
      const ceiling = await login(GOOD_PASSWORD, '203.0.113.9');
      assert.equal(ceiling.status, 429, 'six failures from six addresses reach the account-wide ceiling');
    });
  });
});

describe(onBackend('security review: disabled accounts and revoked links'), () => {
  const running = useServer();

  async function adminToken(): Promise<string> {
    const name = uniqueUsername('admin');
    const token = await register(running.base, name);
    await running.server.built.services.admin.setAdmin(name, true);
    return token;
  }

  test("disabling stops the account's signed links at once; enabling brings back neither links nor token", async () => {
    const root = await adminToken();
    const name = uniqueUsername('owner');
    const token = await register(running.base, name);
    const image = (await upload(running.base, token, fixture('photo.webp'))).body;
    assert.equal((await fetchBytes(image.url)).status, 200);
    assert.equal((await fetchBytes(image.variants.thumb)).status, 200);
    assert.equal((await api(running.base, `/admin/users/${name}/disable`, { method: 'POST', token: root })).status, 200);
    assert.equal((await fetchBytes(image.url)).status, 403, 'the original link');
    assert.equal((await fetchBytes(image.variants.thumb)).status, 403, 'a cached variant link');
    assert.equal((await api(running.base, `/admin/users/${name}/enable`, { method: 'POST', token: root })).status, 200);
    assert.equal((await fetchBytes(image.url)).status, 403, 'links from before stay dead');
    assert.equal((await api(running.base, '/images/', { token })).status, 401, 'so does the token');
    const fresh = (await api(running.base, '/api-token-auth/', { method: 'POST', json: { username: name, password: GOOD_PASSWORD } })).body
      .token;
    const again = (await api(running.base, `/images/${image.id}/`, { token: fresh })).body;
    assert.equal((await fetchBytes(again.url)).status, 200, 'new links work');
  });

  test('POST /me/revoke-links ends every link of the user at once; the token and other users are unaffected', async () => {
    const token = await register(running.base);
    const bystander = await register(running.base);
    const mine = (await upload(running.base, token, fixture('alpha.png'))).body;
    const theirs = (await upload(running.base, bystander, fixture('alpha.png'))).body;
    assert.equal((await api(running.base, '/me/revoke-links', { method: 'POST', token })).status, 204);
    for (const url of [mine.url, ...Object.values(mine.variants as Record<string, string>)])
      assert.equal((await fetchBytes(url)).status, 403);
    assert.equal((await fetchBytes(theirs.url)).status, 200, "another user's link of the same bytes still works");
    const renewed = (await api(running.base, `/images/${mine.id}/`, { token })).body;
    assert.notEqual(renewed.url, mine.url);
    assert.equal((await fetchBytes(renewed.url)).status, 200);
  });

  test('the last active admin cannot be disabled or deleted, by the API or itself (409)', async () => {
    const db = running.server.built.services.db;
    // Only this test's admin is active: earlier admins of this server are demoted.
    await db.kysely.updateTable('users').set({ is_admin: 0 }).execute();
    const name = uniqueUsername('onlyadmin');
    const root = await register(running.base, name);
    await running.server.built.services.admin.setAdmin(name, true);
    const disable = await api(running.base, `/admin/users/${name}/disable`, { method: 'POST', token: root });
    assert.deepEqual(
      [disable.status, disable.body],
      [409, { detail: 'This is the last active admin account: make another account admin first.' }],
    );
    assert.equal((await api(running.base, `/admin/users/${name}/`, { method: 'DELETE', token: root })).status, 409);
    assert.equal((await api(running.base, '/me/', { method: 'DELETE', token: root, json: { password: GOOD_PASSWORD } })).status, 409);
    assert.equal((await api(running.base, '/images/', { token: root })).status, 200, 'nothing changed');
    const second = uniqueUsername('secondadmin');
    await register(running.base, second);
    await running.server.built.services.admin.setAdmin(second, true);
    assert.equal((await api(running.base, `/admin/users/${name}/disable`, { method: 'POST', token: root })).status, 200);
  });
});

describe(onBackend('security review: deleting an account while it uploads'), () => {
  test('uploads racing DELETE /me/ get 201, 401 or 404 (never 500), and afterwards every reference count is right', async () => {
    await withServer({}, async ({ base, built }) => {
      const name = uniqueUsername('leaving');
      const token = await register(base, name);
      const neighbour = await register(base);
      // Content the neighbour also has: its bytes must survive the deletion.
      const sharedBytes = await solid('png', 33, 33, '#123123');
      const kept = (await upload(base, neighbour, sharedBytes, { filename: 'kept.png' })).body;
      for (let i = 0; i < 20; i++) assert.equal((await upload(base, token, await solid('png', 20 + i, 20, '#aa0000'))).status, 201);
      const statuses: number[] = [];
      let deleting = false;
      const uploader = async (worker: number) => {
        for (let i = 0; i < 40; i++) {
          const bytes = i % 5 === 0 ? sharedBytes : await solid('png', 10 + worker, 10 + i, '#00aa00');
          const response = await upload(base, token, bytes, { filename: `w${worker}-${i}.png` });
          statuses.push(response.status);
          if (deleting && response.status === 401) return;
        }
      };
      const workers = [0, 1, 2, 3].map(uploader);
      await new Promise((resolve) => setTimeout(resolve, 300));
      deleting = true;
      const deleted = await api(base, '/me/', { method: 'DELETE', token, json: { password: GOOD_PASSWORD } });
      await Promise.all(workers);
      assert.equal(deleted.status, 204);
      assert.ok(
        statuses.every((status) => [201, 401, 404].includes(status)),
        `statuses: ${[...new Set(statuses)].join(', ')}`,
      );
      const db = built.services.db.kysely;
      assert.equal((await db.selectFrom('users').select('id').where('username', '=', name).execute()).length, 0);
      const report = await built.services.maintenance.verify(false);
      assert.deepEqual(
        { missing: report.missing, corrupt: report.corrupt, wrongCounts: report.wrongCounts },
        { missing: [], corrupt: [], wrongCounts: [] },
      );
      assert.equal((await fetchBytes(kept.url)).status, 200, "the neighbour's copy of shared bytes is served");
    });
  });

  test('check --repair corrects reference counts that are already wrong', async () => {
    await withServer({}, async ({ base, built }) => {
      const token = await register(base);
      const image = (await upload(base, token, fixture('tiny-2x2.png'))).body;
      await built.services.db.kysely.updateTable('blobs').set({ ref_count: 3 }).where('sha256', '=', image.sha256).execute();
      const found = await built.services.maintenance.verify(true);
      assert.deepEqual(found.wrongCounts, [{ sha256: image.sha256, recorded: 3, actual: 1 }]);
      assert.equal(found.repaired, 1);
      assert.deepEqual((await built.services.maintenance.verify(false)).wrongCounts, []);
    });
  });
});

describe(onBackend('security review: the low-severity findings'), () => {
  const running = useServer();

  test('signatures are accepted only in their canonical form (no padding, dots or trailing garbage)', async () => {
    const token = await register(running.base);
    const image = (await upload(running.base, token, fixture('tiny-2x2.png'))).body;
    const url = new URL(image.url);
    const sig = url.searchParams.get('sig')!;
    assert.equal((await fetchBytes(url.href)).status, 200);
    for (const bent of [`${sig}!!`, `${sig}=`, `${sig.slice(0, 10)}.${sig.slice(10)}`, `${sig}==`, ` ${sig}`]) {
      url.searchParams.set('sig', bent);
      assert.equal((await fetchBytes(url.href)).status, 403, JSON.stringify(bent));
    }
  });

  test('look-alike usernames are refused: case, fullwidth and other compatibility forms (NFKC)', async () => {
    const base = `lookalike${Date.now() % 100000}`;
    await register(running.base, base);
    for (const lookalike of [
      base.toUpperCase(),
      base.replace('l', 'Ｌ'),
      base.replace(/./g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
    ]) {
      const response = await api(running.base, '/register/', { method: 'POST', json: { username: lookalike, password: GOOD_PASSWORD } });
      assert.deepEqual([response.status, response.body], [400, { username: ['A user with that username already exists.'] }], lookalike);
    }
    const fullwidth = base.replace(/./g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    const login = await api(running.base, '/api-token-auth/', { method: 'POST', json: { username: fullwidth, password: GOOD_PASSWORD } });
    assert.equal(login.status, 200, 'a name is read in its NFKC form at login too');
  });

  test('Range: bytes=5-1 is ignored (200, the whole file), as RFC 9110 says', async () => {
    const token = await register(running.base);
    const image = (await upload(running.base, token, fixture('alpha.png'))).body;
    const response = await fetchBytes(image.url, { range: 'bytes=5-1' });
    assert.equal(response.status, 200);
    assert.equal(response.bytes.length, image.bytes);
    assert.equal((await fetchBytes(image.url, { range: `bytes=${image.bytes}-` })).status, 416, 'a range past the end is still 416');
  });

  test("Node's parser refusals come back as DRF JSON: a malformed request (400) and oversized headers (431)", async () => {
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(running.base).port), '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
        socket.write(request);
      });
    const malformed = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n');
    assert.match(malformed, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(malformed, /content-type: application\/json/);
    assert.match(malformed, /\r\n\r\n\{"detail":"The request could not be parsed\."\}$/);
    const oversized = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(oversized, /^HTTP\/1\.1 431 /);
    assert.match(oversized, /\{"detail":"The request headers are too large\."\}$/);
  });
});
