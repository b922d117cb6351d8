import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import sharp from 'sharp';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { transfer } from '../src/tools/transfer.js';
import { openPostgres } from '../src/db/database.js';
import { sql } from 'kysely';
import {
  freshScaleOutBackend,
  POSTGRES_URL,
  REDIS_URL,
  s3Env,
  type BackendResources,
  nginxMissing,
  startNginx,
  shippedNginxConfig,
} from '../testkit/index.js';
import {
  api,
  fetchBytes,
  fixture,
  freePort,
  GOOD_PASSWORD,
  register,
  sha256,
  startServer,
  tempDataDir,
  TEST_SECRET,
  uniqueUsername,
  upload,
  type TestServer,
} from '../testkit/index.js';

/** A TCP relay to a real service, which a test can cut (every connection dropped, new ones refused) and restore. */
class Relay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(port = 0): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  restore(): Promise<void> {
    return this.start(this.port);
  }
}

async function sharedResources(): Promise<BackendResources> {
  const backend = await freshScaleOutBackend('scale');
  return { env: { ...backend.env, REDIS_URL, REDIS_PREFIX: `${backend.bucket}:` }, release: backend.release };
}

describe('two instances over one PostgreSQL and one bucket', () => {
  let resources: BackendResources;
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    resources = await sharedResources();
    [a, b] = await Promise.all([startServer({}, resources), startServer({}, resources)]);
  });
  after(async () => {
    await a.close();
    await b.close();
    await resources.release();
  });

  test('an image uploaded through one is listed, served and deleted through the other', async () => {
    const token = await register(a.base);
    const created = (await upload(a.base, token, fixture('photo.webp'))).body;
    const listed = await api(b.base, '/images/', { token });
    assert.deepEqual(
      listed.body.map((image: { id: number }) => image.id),
      [created.id],
    );
    const viaB = new URL(listed.body[0].url);
    const served = await fetchBytes(`${b.base}${viaB.pathname}${viaB.search}`);
    assert.equal(sha256(served.bytes), created.sha256);
    assert.equal(
      (await fetchBytes(`${b.base}/images/${created.id}/content?preset=thumb`, { authorization: `Token ${token}` })).status,
      200,
    );
    assert.equal((await api(b.base, `/images/${created.id}/`, { method: 'DELETE', token })).status, 204);
    assert.equal((await api(a.base, `/images/${created.id}/`, { token })).status, 404);
  });

  test('share views on both: max_views exact across instances; counted views all arrive', async () => {
    const token = await register(a.base);
    const image = (await upload(a.base, token, fixture('alpha.png'))).body;
    const create = async (json: Record<string, unknown>) =>
      (await api(a.base, '/shares/', { method: 'POST', token, json: { image: image.id, ...json } })).body as { id: number; url: string };
    const view = (server: TestServer, url: string) =>
      api(server.base, new URL(url).pathname, { headers: { accept: 'application/json' } }).then((response) => response.status);

    const limited = await create({ max_views: 7 });
    const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => view(i % 2 === 0 ? a : b, limited.url)));
    assert.equal(statuses.filter((status) => status === 200).length, 7, `exactly 7 of 30 views: ${statuses.join(',')}`);
    assert.ok(statuses.every((status) => status === 200 || status === 404));

    // Without a limit, each instance counts in memory and writes every 2 s; reading a share writes what is pending here.
    const open = await create({});
    await Promise.all(Array.from({ length: 20 }, (_, i) => view(i % 2 === 0 ? a : b, open.url)));
    await b.built.services.shares.flushViews();
    const counted = await api(a.base, `/shares/${open.id}/`, { token });
    assert.equal(counted.body.views, 20, "both instances' views, none lost");
  });

  test('a token regenerated on one is refused by the other on the next request', async () => {
    const token = await register(a.base);
    assert.equal((await api(b.base, '/images/', { token })).status, 200);
    const fresh = (await api(a.base, '/regenerateToken/', { token })).body.token;
    assert.equal((await api(b.base, '/images/', { token })).status, 401);
    assert.equal((await api(b.base, '/images/', { token: fresh })).status, 200);
  });

  test('concurrent uploads for one user spread over both get unique ids and none is lost', async () => {
    const token = await register(a.base);
    const uploads = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const bytes = await sharp({ create: { width: 10 + i, height: 10, channels: 3, background: '#123456' } })
          .png()
          .toBuffer();
        return upload((i % 2 ? a : b).base, token, bytes, { filename: `n${i}.png` });
      }),
    );
    assert.deepEqual(
      uploads.map((response) => response.status),
      Array(30).fill(201),
    );
    const ids = uploads.map((response) => response.body.id as number).sort((x, y) => x - y);
    assert.deepEqual(
      ids,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    assert.equal((await api(a.base, '/images/?limit=1000', { token })).body.length, 30);
  });

  test('rate limits are shared through Redis', async () => {
    const limited = await sharedResources();
    const [x, y] = await Promise.all([startServer({ AUTH_RATE_LIMIT: '4' }, limited), startServer({ AUTH_RATE_LIMIT: '4' }, limited)]);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push(
          (await api((i % 2 ? x : y).base, '/api-token-auth/', { method: 'POST', json: { username: 'x', password: 'y' } })).status,
        );
      assert.deepEqual(statuses, [400, 400, 400, 400, 429, 429]);
    } finally {
      await x.close();
      await y.close();
      await limited.release();
    }
  });
});

describe('outages of PostgreSQL and of the object store', () => {
  test('a connection that breaks while a query runs on it fails that query and nothing else (no unhandled error event)', async () => {
    const { schema, release } = await freshScaleOutBackend('midquery');
    const relay = new Relay(5432);
    await relay.start();
    const errors: Error[] = [];
    const db = openPostgres(schema.url.replace('127.0.0.1:5432', `127.0.0.1:${relay.port}`), {
      onIdleError: (error) => errors.push(error),
    });
    try {
      // pg-pool listens for errors only on idle clients: before the fix, the broken connection's 'error' event
      // on the client that ran this query had no listener and took the whole process down.
      const running = sql`select pg_sleep(2)`.execute(db.kysely);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await relay.cut();
      await assert.rejects(running);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(errors.length >= 1, 'the error reached the handler');
      await relay.restore();
      assert.deepEqual((await sql<{ one: number }>`select 1 as one`.execute(db.kysely)).rows, [{ one: 1 }]);
    } finally {
      await db.close();
      await relay.cut().catch(() => undefined);
      await release();
    }
  });

  test('requests get 503 JSON quickly while a dependency is away, and the instance recovers by itself', async () => {
    const { schema, s3, bucket, release } = await freshScaleOutBackend('outage');
    const postgresRelay = new Relay(5432);
    await postgresRelay.start();
    const s3Relay = new Relay(Number(new URL(s3.endpoint).port));
    await s3Relay.start();
    const databaseUrl = schema.url.replace('127.0.0.1:5432', `127.0.0.1:${postgresRelay.port}`);
    const server = await startServer(
      { DATABASE_URL: databaseUrl, ...s3Env(`http://127.0.0.1:${s3Relay.port}`, bucket) },
      { env: {}, release: async () => undefined },
    );
    try {
      const token = await register(server.base);
      const image = (await upload(server.base, token, fixture('alpha.png'))).body;

      await postgresRelay.cut();
      let started = performance.now();
      const listing = await api(server.base, '/images/', { token });
      assert.equal(listing.status, 503);
      assert.match(listing.body.detail, /unavailable/);
      assert.equal(listing.headers.get('retry-after'), '5');
      assert.ok(performance.now() - started < 6000, 'answered without hanging');
      const ready = await api(server.base, '/readyz');
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body, { status: 'unavailable', database: 'unavailable', storage: 'ok' });
      assert.equal((await api(server.base, '/healthz')).status, 200);
      await postgresRelay.restore();
      assert.equal((await api(server.base, '/images/', { token })).status, 200);

      await s3Relay.cut();
      started = performance.now();
      const bytes = await api(server.base, `/images/${image.id}/content`, { token });
      assert.equal(bytes.status, 503);
      assert.ok(performance.now() - started < 10_000, 'answered without hanging');
      const failedUpload = await upload(server.base, token, fixture('tiny-2x2.png'));
      assert.equal(failedUpload.status, 503);
      assert.deepEqual((await api(server.base, '/readyz')).body, { status: 'unavailable', database: 'ok', storage: 'unavailable' });
      await s3Relay.restore();
      assert.equal((await fetchBytes(`${server.base}/images/${image.id}/content`, { authorization: `Token ${token}` })).status, 200);
      assert.equal((await api(server.base, '/readyz')).status, 200);
      // The upload refused during the outage left nothing behind.
      assert.equal((await api(server.base, '/images/', { token })).body.length, 1);
      assert.equal((await upload(server.base, token, fixture('tiny-2x2.png'))).status, 201);
    } finally {
      await server.close();
      await postgresRelay.cut().catch(() => undefined);
      await s3Relay.cut().catch(() => undefined);
      await release();
    }
  });
});

describe('start-up', () => {
  test('instances starting together migrate once, without racing', async () => {
    const { env, release } = await freshScaleOutBackend('startup');
    const configs = await Promise.all(
      Array.from({ length: 4 }, async () =>
        loadConfig({ ...env, SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'silent', DATA_DIR: await tempDataDir() }),
      ),
    );
    const apps = await Promise.all(configs.map((config) => buildApp(config)));
    try {
      const { db } = apps[0]!.services;
      const applied = await db.kysely
        .selectFrom('kysely_migration' as never)
        .select('name' as never)
        .execute();
      assert.deepEqual(
        (applied as { name: string }[]).map((row) => row.name),
        [
          '001_initial',
          '002_pipeline',
          '003_accounts',
          '004_security',
          '005_keys',
          '006_organizing',
          '007_shares',
          '008_share_options',
          '009_ingest',
          '010_webhooks',
          '011_focal_point',
          '012_presets',
          '013_counters',
          '014_presets_stamp',
        ],
      );
    } finally {
      for (const built of apps) await built.app.close();
      await release();
    }
  });
  test('another deployment dropping its schema in the same database does not break this one starting', async () => {
    const { env, release } = await freshScaleOutBackend('neighbour');
    // Another tenant of the database creates and drops schemas with tables as fast as it can:
    // a start-up that scans every schema (Kysely's own introspector did) trips over one vanishing.
    let churning = true;
    const churner = new pg.Client({ connectionString: POSTGRES_URL });
    await churner.connect();
    const churn = (async () => {
      let rounds = 0;
      while (churning) {
        const name = `churn_${process.pid}_${rounds++}`;
        // Separate statements, so that each is committed and seen by others on its own.
        await churner.query(`create schema ${name}`);
        await churner.query(`create table ${name}.t (a int)`);
        await churner.query(`drop schema ${name} cascade`);
      }
      return rounds;
    })();
    let rounds: number;
    try {
      for (let start = 0; start < 15; start++) {
        const config = loadConfig({ ...env, SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'silent', DATA_DIR: await tempDataDir() });
        const built = await buildApp(config);
        await built.app.close();
      }
    } finally {
      churning = false;
      rounds = await churn;
      await churner.end();
      await release();
    }
    assert.ok(rounds > 15, `the neighbour churned ${rounds} schemas`);
  });
});

describe('moving a single-machine deployment to PostgreSQL + S3', () => {
  test('the transfer command carries users, tokens, images, share links and bytes over', async () => {
    // A single-machine deployment with some history: a generated key, replaced and deleted images, shared bytes.
    const sourceDir = await tempDataDir();
    const single = await startServer({ DATA_DIR: sourceDir, SECRET_KEY: '' }, { env: {}, release: async () => undefined });
    const alice = uniqueUsername('alice');
    const aliceToken = await register(single.base, alice);
    const bobToken = await register(single.base);
    await upload(single.base, aliceToken, fixture('photo.webp'));
    await upload(single.base, aliceToken, fixture('alpha.png'));
    await upload(single.base, aliceToken, fixture('tiny-2x2.png'), { method: 'PUT', path: '/images/2/' });
    await upload(single.base, aliceToken, fixture('animated.gif'));
    await api(single.base, '/images/3/', { method: 'DELETE', token: aliceToken });
    await upload(single.base, bobToken, fixture('photo.webp'));
    const shared = (await api(single.base, '/shares/', { method: 'POST', token: aliceToken, json: { image: 1, label: 'for Ana' } })).body;
    const sharePath = new URL(shared.url as string).pathname;
    const before = {
      alice: (await api(single.base, '/images/', { token: aliceToken })).body,
      bob: (await api(single.base, '/images/', { token: bobToken })).body,
    };
    await single.close();

    const target = await freshScaleOutBackend('moved');
    const key = (await readFile(join(sourceDir, 'secret.key'), 'utf8')).trim();
    const targetEnv = { ...target.env, SECRET_KEY: key };
    try {
      const report = await transfer(sourceDir, loadConfig({ ...targetEnv, DATA_DIR: await tempDataDir() }));
      assert.deepEqual(report, { users: 2, images: 3, blobs: 2, bytes: report.bytes });

      const moved = await startServer(targetEnv, { env: {}, release: async () => undefined });
      try {
        // Same tokens (login hands back the same one), same images, same bytes.
        const login = await api(moved.base, '/api-token-auth/', { method: 'POST', json: { username: alice, password: GOOD_PASSWORD } });
        assert.equal(login.body.token, aliceToken);
        for (const [token, expected] of [
          [aliceToken, before.alice],
          [bobToken, before.bob],
        ] as const) {
          const listed = (await api(moved.base, '/images/', { token })).body;
          assert.deepEqual(
            listed.map((image: { id: number; sha256: string; filename: string }) => [image.id, image.sha256, image.filename]),
            expected.map((image: { id: number; sha256: string; filename: string }) => [image.id, image.sha256, image.filename]),
          );
          for (const image of listed) assert.equal(sha256((await fetchBytes(image.url)).bytes), image.sha256);
        }
        // A share link handed out before the move still opens, and new shares get new ids.
        const opened = await api(moved.base, sharePath, { headers: { accept: 'application/json' } });
        assert.equal(opened.status, 200, opened.text);
        const again = await api(moved.base, '/shares/', { method: 'POST', token: aliceToken, json: { image: 1 } });
        assert.equal(again.status, 201, again.text);
        assert.ok(again.body.id > shared.id);
        // Ids keep counting where they were: alice's next image is 4, never a reused 3.
        assert.equal((await upload(moved.base, aliceToken, fixture('exif-canon-40d.jpg'))).body.id, 4);
        assert.equal(await register(moved.base).then(() => 'ok'), 'ok');
      } finally {
        await moved.close();
      }
      await assert.rejects(transfer(sourceDir, loadConfig({ ...targetEnv, DATA_DIR: await tempDataDir() })), /already has users/);
    } finally {
      await target.release();
    }
  });
});

describe('two instances behind nginx (deploy/nginx.conf)', { skip: nginxMissing }, () => {
  /** Two instances on one backend behind the shipped nginx configuration (its ports changed). */
  async function behindNginx(env: Record<string, string> = {}, shared?: BackendResources) {
    const resources = shared ?? (await sharedResources());
    const proxyPort = await freePort();
    const publicUrl = `http://127.0.0.1:${proxyPort}`;
    const [one, two] = await Promise.all([
      startServer({ PUBLIC_URL: publicUrl, TRUST_PROXY: '1', ...env }, resources),
      startServer({ PUBLIC_URL: publicUrl, TRUST_PROXY: '1', ...env }, resources),
    ]);
    const config = shippedNginxConfig({
      instances: [one, two].map((instance) => new URL(instance.base).host),
      listen: `127.0.0.1:${proxyPort}`,
    });
    const nginx = await startNginx(config, `${publicUrl}/healthz`);
    return {
      publicUrl,
      close: async () => {
        await nginx.stop();
        await one.close();
        await two.close();
        await resources.release();
      },
    };
  }

  test('a spoofed X-Forwarded-For does not change the address that rate limits count (TRUST_PROXY=1)', async () => {
    const { publicUrl, close } = await behindNginx({ AUTH_RATE_LIMIT: '3' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        // Values from documentation ranges, sent as a header only: every connection is to 127.0.0.1.
        const response = await api(publicUrl, '/register/', {
          method: 'POST',
          json: { username: uniqueUsername('spoof'), password: GOOD_PASSWORD },
          headers: { 'x-forwarded-for': `198.51.100.${i + 1}` },
        });
        statuses.push(response.status);
      }
      assert.deepEqual(statuses, [201, 201, 201, 429, 429], 'the limit of 3 holds whatever address the client claims');
    } finally {
      await close();
    }
  });

  test("an instance's 503 (the object store is away) reaches the client as sent, every time, and service resumes", async () => {
    const backend = await freshScaleOutBackend('proxied-outage');
    const s3Relay = new Relay(Number(new URL(backend.s3.endpoint).port));
    await s3Relay.start();
    const { publicUrl, close } = await behindNginx(
      {},
      { env: { ...backend.env, ...s3Env(`http://127.0.0.1:${s3Relay.port}`, backend.bucket), REDIS_URL }, release: backend.release },
    );
    try {
      const token = await register(publicUrl);
      const image = (await upload(publicUrl, token, fixture('alpha.png'))).body;
      await s3Relay.cut();
      // More requests than instances × max_fails: the old `proxy_next_upstream … http_503` turned the
      // second one into nginx's own 502 page, with every instance marked down.
      for (let i = 0; i < 8; i++) {
        const bytes = await api(publicUrl, `/images/${image.id}/content`, { token });
        assert.equal(bytes.status, 503, `request ${i}: ${bytes.text}`);
        assert.match(bytes.headers.get('content-type') ?? '', /^application\/json/);
        assert.match(bytes.body.detail, /unavailable/);
        assert.equal(bytes.headers.get('retry-after'), '5');
      }
      const refused = await upload(publicUrl, token, fixture('tiny-2x2.png'));
      assert.equal(refused.status, 503, refused.text);
      assert.equal((await api(publicUrl, '/readyz')).body.storage, 'unavailable');
      // What needs only the database still works meanwhile.
      assert.equal((await api(publicUrl, `/images/${image.id}/`, { token })).status, 200);

      await s3Relay.restore();
      for (let i = 0; i < 4; i++) {
        assert.equal((await fetchBytes(`${publicUrl}/images/${image.id}/content`, { authorization: `Token ${token}` })).status, 200);
      }
      assert.equal((await upload(publicUrl, token, fixture('tiny-2x2.png'))).status, 201);
    } finally {
      await close();
      await s3Relay.cut().catch(() => undefined);
    }
  });

  test('uploads, listings and signed links work through the proxy, spread over both instances', async () => {
    const { publicUrl, close } = await behindNginx();
    try {
      const token = await register(publicUrl);
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) {
        const bytes = await sharp({ create: { width: 20 + i, height: 20, channels: 3, background: '#aa3300' } })
          .png()
          .toBuffer();
        const response = await upload(publicUrl, token, bytes, { filename: `p${i}.png` });
        assert.equal(response.status, 201);
        ids.push(response.body.id);
        assert.ok(response.body.url.startsWith(`${publicUrl}/media/`), response.body.url);
        assert.equal((await fetchBytes(response.body.url)).status, 200);
      }
      assert.deepEqual(ids, [1, 2, 3, 4, 5, 6]);
      assert.equal((await api(publicUrl, '/images/', { token })).body.length, 6);
      // A large upload streams through (no request buffering) and an oversized one is refused by the instance.
      assert.equal((await upload(publicUrl, token, fixture('Landscape_5.jpg'))).status, 201);
    } finally {
      await close();
    }
  });
});
