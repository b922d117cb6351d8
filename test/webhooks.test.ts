import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { EVENT_TYPES } from '../src/events/types.js';
import {
  api,
  backend,
  backendResources,
  fixture,
  onBackend,
  register,
  startServer,
  tempDataDir,
  upload,
  useServer,
  type BackendResources,
} from '../testkit/index.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; created_at: string; data: Record<string, unknown> };
}

/** A receiver on 127.0.0.1: records every delivery; each path can be told to fail its first N deliveries. */
async function receiver(): Promise<{
  url: (path: string) => string;
  received: Received[];
  failFirst: Map<string, number>;
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const failFirst = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const left = failFirst.get(path) ?? 0;
      if (left > 0) {
        failFirst.set(path, left - 1);
        response.writeHead(500).end('receiver is down: '.repeat(1000));
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ path, headers: request.headers, body, event: JSON.parse(body) as Received['event'] });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: (path) => `${origin}${path}`, received, failFirst, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function until<T>(what: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = what();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const ALL_EVENTS = EVENT_TYPES.filter((type) => type !== 'ping');

const HOOK_ENV = {
  OUTBOUND_ALLOW: '127.0.0.1/32',
  WEBHOOK_POLL_MS: '25',
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_FAILURES_TO_DISABLE: '4',
  QUOTA_IMAGES: '5',
};

describe(onBackend('webhooks'), () => {
  const running = useServer(HOOK_ENV);
  let hooks: Awaited<ReturnType<typeof receiver>>;
  before(async () => {
    hooks = await receiver();
  });
  after(() => hooks.close());

  const createHook = (token: string, path: string, events: string[] = ALL_EVENTS) =>
    api(running.base, '/webhooks/', { method: 'POST', token, json: { url: hooks.url(path), events, description: 'test' } });

  const eventsAt = (path: string) => hooks.received.filter((delivery) => delivery.path === path).map((delivery) => delivery.event);

  test('create, list, read, change and delete; the secret is shown once; bad input is 400 naming the field', async () => {
    const token = await register(running.base);
    const created = await createHook(token, '/crud');
    assert.equal(created.status, 201);
    assert.match(created.body.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.equal(created.body.active, true);
    assert.deepEqual(created.body.events, ALL_EVENTS);
    const listed = await api(running.base, '/webhooks/', { token });
    assert.equal(listed.body.length, 1);
    assert.equal(listed.body[0].secret, undefined);
    const changed = await api(running.base, `/webhooks/${created.body.id}/`, { method: 'PATCH', token, json: { events: ['ping'] } });
    assert.deepEqual(changed.body.events, ['ping']);
    const refused = await api(running.base, '/webhooks/', {
      method: 'POST',
      token,
      json: { url: 'http://10.0.0.7/hook', events: ['ping'] },
    });
    assert.deepEqual(refused.body, { url: ['The address is a private network (10.0.0.7) and is not allowed.'] });
    const badScheme = await api(running.base, '/webhooks/', { method: 'POST', token, json: { url: 'ftp://127.0.0.1/', events: ['ping'] } });
    assert.deepEqual(badScheme.body, { url: ['Only http and https URLs are allowed.'] });
    const badEvent = await api(running.base, '/webhooks/', {
      method: 'POST',
      token,
      json: { url: hooks.url('/x'), events: ['image.exploded'] },
    });
    assert.equal(badEvent.status, 400);
    assert.ok(badEvent.body['events.0'] ?? badEvent.body.events, badEvent.text);
    const stranger = await register(running.base);
    assert.equal((await api(running.base, `/webhooks/${created.body.id}/`, { token: stranger })).status, 404);
    assert.equal((await api(running.base, `/webhooks/${created.body.id}/`, { method: 'DELETE', token: stranger })).status, 404);
    for (let i = 1; i < 10; i++) assert.equal((await createHook(token, `/n${i}`, ['ping'])).status, 201);
    const eleventh = await createHook(token, '/n11', ['ping']);
    assert.deepEqual(eleventh.body, { non_field_errors: ['You may have at most 10 webhooks.'] });
    assert.equal((await api(running.base, `/webhooks/${created.body.id}/`, { method: 'DELETE', token })).status, 204);
    assert.equal((await api(running.base, '/webhooks/', { token })).body.length, 9);
  });

  test('every event type fires once for its action, signed (checked with the standardwebhooks library); refusals fire none', async () => {
    const token = await register(running.base);
    const hook = (await createHook(token, '/all')).body;
    const verifier = new StandardWebhook(hook.secret);
    const albumId = (await api(running.base, '/albums/', { method: 'POST', token, json: { title: 'A' } })).body.id;
    await api(running.base, `/albums/${albumId}/`, { method: 'PATCH', token, json: { title: 'B' } });
    const image = (await upload(running.base, token, fixture('alpha.png'), { fields: { album: String(albumId) } })).body;
    // Refused: not an image, and an unknown album (rolled back after the image row was written).
    assert.equal((await upload(running.base, token, Buffer.from('not an image'))).status, 400);
    assert.equal((await upload(running.base, token, fixture('alpha.png'), { fields: { album: '99' } })).status, 400);
    await upload(running.base, token, fixture('photo.webp'), { method: 'PUT', path: `/images/${image.id}/` });
    await api(running.base, `/images/${image.id}/`, { method: 'PATCH', token, json: { title: 'Hello' } });
    await api(running.base, `/images/${image.id}/trash`, { method: 'POST', token });
    await api(running.base, `/images/${image.id}/restore`, { method: 'POST', token });
    const share = (await api(running.base, '/shares/', { method: 'POST', token, json: { image: image.id } })).body;
    await api(running.base, new URL(share.url).pathname, { headers: { accept: 'application/json' } });
    await api(running.base, new URL(share.url).pathname, { headers: { accept: 'application/json' } });
    await api(running.base, `/shares/${share.id}/`, { method: 'DELETE', token });
    // QUOTA_IMAGES=5: the 4th image crosses 80 %, the 5th 95 %.
    for (const name of ['tiny-2x2.png', 'exif-canon-40d.jpg', 'animated.gif']) await upload(running.base, token, fixture(name));
    await upload(running.base, token, fixture('tiny-2x2.png'), { filename: 'again.png' });
    await api(running.base, `/images/${image.id}/`, { method: 'DELETE', token });
    await api(running.base, `/albums/${albumId}/`, { method: 'DELETE', token });
    await api(running.base, `/webhooks/${hook.id}/test`, { method: 'POST', token });
    const expected = [
      'album.created',
      'album.updated',
      'image.created',
      'image.replaced',
      'image.updated',
      'image.trashed',
      'image.restored',
      'share.created',
      'share.viewed',
      'share.revoked',
      'image.created',
      'image.created',
      'image.created',
      'quota.warning',
      'image.created',
      'quota.warning',
      'image.deleted',
      'album.deleted',
      'ping',
    ];
    await until(() => eventsAt('/all').length >= expected.length);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more arrives
    const events = eventsAt('/all');
    assert.deepEqual(
      [...events]
        .sort((a, b) => a.created_at.localeCompare(b.created_at) || 0)
        .map((event) => event.type)
        .sort(),
      [...expected].sort(),
    );
    assert.equal(new Set(events.map((event) => event.id)).size, events.length, 'one delivery per event');
    for (const delivery of hooks.received.filter((received) => received.path === '/all')) {
      assert.equal(delivery.headers['content-type'], 'application/json');
      assert.equal(delivery.headers['webhook-id'], delivery.event.id);
      assert.deepEqual(verifier.verify(delivery.body, delivery.headers as Record<string, string>), delivery.event);
    }
    const created = events.find((event) => event.type === 'image.created' && event.data.id === image.id)!;
    assert.equal(created.data.filename, 'alpha.png');
    assert.deepEqual(created.data.albums, [albumId]);
    assert.equal(created.data.url, undefined, 'no signed links in events');
    assert.equal(events.find((event) => event.type === 'image.updated')!.data.title, 'Hello');
    const warnings = events.filter((event) => event.type === 'quota.warning').map((event) => event.data);
    assert.deepEqual(warnings, [
      { quota: 'images', limit: 5, used: 4, percent: 80 },
      { quota: 'images', limit: 5, used: 5, percent: 95 },
    ]);
    assert.equal(events.filter((event) => event.type === 'share.viewed').length, 1, 'at most one share.viewed a minute');
    const deliveries = await api(running.base, `/webhooks/${hook.id}/deliveries/`, { token });
    assert.equal(deliveries.body.length, expected.length);
    assert.ok(
      deliveries.body.every(
        (attempt: { delivery_status: string; status_code: number; attempt: number }) =>
          attempt.delivery_status === 'delivered' && attempt.status_code === 204 && attempt.attempt === 1,
      ),
    );
  });

  test("a user's hooks see only that user's events", async () => {
    const token = await register(running.base);
    const other = await register(running.base);
    await createHook(token, '/mine', ['image.created']);
    await upload(running.base, other, fixture('alpha.png'));
    const mine = await upload(running.base, token, fixture('alpha.png'));
    await until(() => eventsAt('/mine').length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(
      eventsAt('/mine').map((event) => event.data.id),
      [mine.body.id],
    );
  });

  test('retries with backoff: a receiver that fails three times gets the event on the fourth attempt', async () => {
    const token = await register(running.base);
    hooks.failFirst.set('/flaky', 3);
    const hook = (await createHook(token, '/flaky', ['image.created'])).body;
    const started = Date.now();
    await upload(running.base, token, fixture('alpha.png'));
    const [event] = await until(() => eventsAt('/flaky').length === 1 && eventsAt('/flaky'));
    // Waits of about 50, 100 and 200 ms (±25 %) before attempts 2, 3 and 4.
    assert.ok(Date.now() - started >= 250, `delivered after ${Date.now() - started} ms`);
    // Every attempt is listed, newest first, all of one delivery of this event.
    const attempts = (await api(running.base, `/webhooks/${hook.id}/deliveries/`, { token })).body as {
      attempt: number;
      status_code: number;
      delivery_id: number;
      event_id: string;
      delivery_status: string;
      error: string | null;
    }[];
    assert.deepEqual(
      attempts.map((attempt) => [attempt.attempt, attempt.status_code, attempt.event_id, attempt.delivery_status]),
      [
        [4, 204, event!.id, 'delivered'],
        [3, 500, event!.id, 'delivered'],
        [2, 500, event!.id, 'delivered'],
        [1, 500, event!.id, 'delivered'],
      ],
    );
    assert.equal(new Set(attempts.map((attempt) => attempt.delivery_id)).size, 1);
    assert.equal(attempts[1]!.error, 'The receiver answered 500.');
    assert.equal((await api(running.base, `/webhooks/${hook.id}/`, { token })).body.consecutive_failures, 0);
  });

  test('disabled after WEBHOOK_FAILURES_TO_DISABLE failures in a row, and says so; enabling it again delivers', async () => {
    const token = await register(running.base);
    hooks.failFirst.set('/down', 1000);
    const hook = (await createHook(token, '/down', ['image.created'])).body;
    await upload(running.base, token, fixture('alpha.png'));
    let state = (await api(running.base, `/webhooks/${hook.id}/`, { token })).body;
    for (let i = 0; i < 200 && state.active; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      state = (await api(running.base, `/webhooks/${hook.id}/`, { token })).body;
    }
    assert.equal(state.active, false);
    assert.match(state.disabled_reason, /^Disabled after 4 failed deliveries in a row \(the last: The receiver answered 500\.\)$/);
    const deliveries = (await api(running.base, `/webhooks/${hook.id}/deliveries/`, { token })).body;
    assert.equal(deliveries[0].status_code, 500);
    assert.doesNotMatch(JSON.stringify(deliveries), /receiver is down/, "the receiver's body is never shown");
    assert.equal((await api(running.base, `/webhooks/${hook.id}/test`, { method: 'POST', token })).status, 409);
    hooks.failFirst.set('/down', 0);
    const enabled = await api(running.base, `/webhooks/${hook.id}/`, { method: 'PATCH', token, json: { active: true } });
    assert.equal(enabled.body.active, true);
    await upload(running.base, token, fixture('tiny-2x2.png'));
    await until(() => eventsAt('/down').length >= 1);
  });

  test('secret rotation: both secrets sign for 24 hours; redelivery sends the same event id again', async () => {
    const token = await register(running.base);
    const hook = (await createHook(token, '/rotate', ['ping'])).body;
    const rotated = await api(running.base, `/webhooks/${hook.id}/rotate-secret`, { method: 'POST', token });
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.secret, hook.secret);
    assert.ok(Date.parse(rotated.body.previous_secret_until) > Date.now() + 23 * 3600 * 1000);
    await api(running.base, `/webhooks/${hook.id}/test`, { method: 'POST', token });
    const [delivery] = await until(
      () =>
        hooks.received.filter((received) => received.path === '/rotate').length === 1 && hooks.received.filter((r) => r.path === '/rotate'),
    );
    assert.equal(String(delivery!.headers['webhook-signature']).split(' ').length, 2);
    for (const secret of [hook.secret, rotated.body.secret])
      new StandardWebhook(secret).verify(delivery!.body, delivery!.headers as Record<string, string>);
    assert.throws(() =>
      new StandardWebhook('whsec_' + Buffer.alloc(24, 1).toString('base64')).verify(
        delivery!.body,
        delivery!.headers as Record<string, string>,
      ),
    );
    // The attempt is recorded just after the receiver answered: wait for it.
    let deliveries: { delivery_id: number }[] = [];
    for (let i = 0; i < 200 && deliveries.length === 0; i++) {
      deliveries = (await api(running.base, `/webhooks/${hook.id}/deliveries/`, { token })).body;
      if (deliveries.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const again = await api(running.base, `/webhooks/${hook.id}/deliveries/${deliveries[0]!.delivery_id}/redeliver`, {
      method: 'POST',
      token,
    });
    assert.equal(again.status, 202);
    await until(() => hooks.received.filter((received) => received.path === '/rotate').length === 2);
    const ids = hooks.received.filter((received) => received.path === '/rotate').map((received) => received.headers['webhook-id']);
    assert.equal(ids[0], ids[1]);
  });
});

describe(
  onBackend('webhooks: two instances deliver each event once'),
  { skip: backend === 'sqlite' ? 'one process per SQLite file' : false },
  () => {
    let resources: BackendResources;
    let hooks: Awaited<ReturnType<typeof receiver>>;
    before(async () => {
      resources = await backendResources();
      hooks = await receiver();
    });
    after(async () => {
      await hooks.close();
      await resources?.release();
    });

    test('50 events, two instances delivering: every event exactly once', async () => {
      const servers = [
        await startServer({ ...HOOK_ENV, QUOTA_IMAGES: '0', DATA_DIR: await tempDataDir() }, resources),
        await startServer({ ...HOOK_ENV, QUOTA_IMAGES: '0', DATA_DIR: await tempDataDir() }, resources),
      ];
      try {
        const token = await register(servers[0]!.base);
        await api(servers[0]!.base, '/webhooks/', { method: 'POST', token, json: { url: hooks.url('/pair'), events: ['image.updated'] } });
        const image = (await upload(servers[0]!.base, token, await readFile(fixture('alpha.png')))).body;
        for (let i = 0; i < 50; i++) {
          await api(servers[i % 2]!.base, `/images/${image.id}/`, { method: 'PATCH', token, json: { title: `t${i}` } });
        }
        await until(() => hooks.received.length >= 50, 20_000);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const ids = hooks.received.map((received) => received.event.id);
        assert.equal(ids.length, 50);
        assert.equal(new Set(ids).size, 50);
      } finally {
        for (const server of servers) await server.built.app.close();
      }
    });
  },
);
