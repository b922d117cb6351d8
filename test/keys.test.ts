import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { SCOPES, type Scope } from '../src/auth/scopes.js';
import {
  api,
  backendResources,
  fetchBytes,
  fixture,
  GOOD_PASSWORD,
  onBackend,
  register,
  startServer,
  uniqueUsername,
  upload,
  useServer,
} from '../testkit/index.js';

const KEY = /^imk_[A-Za-z0-9_-]{43}$/;

interface Operation {
  method: string;
  path: string;
  scopes: Scope[] | undefined;
  security: { token?: string[] }[] | undefined;
}

/** A clock the test moves forward (key expiry). */
let offsetMs = 0;
const clock = () => Date.now() + offsetMs;

describe(onBackend('API keys with scopes'), () => {
  const running = useServer({ METRICS_PUBLIC: 'true', METRICS_KEY_LABEL: 'true' }, { clock });

  /** A key made with the account's token, or with another key (`key:<secret>`). */
  async function createKey(credential: string, scopes: readonly Scope[], extra: Record<string, unknown> = {}) {
    const authorization = credential.startsWith('key:') ? `Bearer ${credential.slice(4)}` : `Token ${credential}`;
    const json = { name: `key ${scopes.join(' ')}`, scopes, ...extra };
    const response = await api(running.base, '/keys/', { method: 'POST', authorization, json });
    assert.equal(response.status, 201, response.text);
    return response.body as { id: number; key: string; scopes: Scope[]; prefix: string };
  }

  test('POST /keys/ shows the secret once; lists and reads never show it again', async () => {
    const token = await register(running.base);
    const created = await createKey(token, ['images:write', 'images:read']);
    assert.match(created.key, KEY);
    assert.deepEqual(created.scopes, ['images:read', 'images:write'], 'canonical order');
    assert.equal(created.prefix, created.key.slice(0, 8));
    const listed = await api(running.base, '/keys/', { token });
    assert.equal(listed.status, 200);
    assert.ok(!listed.text.includes(created.key), 'the list does not carry the secret');
    assert.deepEqual(Object.keys(listed.body[0]).sort(), [
      'created_at',
      'expires_at',
      'id',
      'last_used_at',
      'last_used_from',
      'name',
      'prefix',
      'scopes',
    ]);
    const one = await api(running.base, `/keys/${created.id}/`, { token });
    assert.ok(!one.text.includes(created.key));
    // Both schemes work with a key.
    assert.equal((await api(running.base, '/images/', { authorization: `Bearer ${created.key}` })).status, 200);
    assert.equal((await api(running.base, '/images/', { authorization: `Token ${created.key}` })).status, 200);
  });

  test('every authenticated route declares its scopes; a key without them gets 403 naming one, a key with them passes', async (t) => {
    const spec = (await api(running.base, '/openapi.json')).body as {
      paths: Record<string, Record<string, { security?: { token?: string[] }[]; 'x-scopes'?: Scope[] }>>;
    };
    const operations: Operation[] = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        scopes: operation['x-scopes'],
        security: operation.security,
      })),
    );
    const authenticated = operations.filter((operation) => operation.security && operation.security.length > 0);
    const undeclared = authenticated.filter((operation) => !operation.scopes || operation.scopes.length === 0);
    assert.deepEqual(
      undeclared.map((operation) => `${operation.method} ${operation.path}`),
      [],
      'authenticated routes without a scope',
    );
    for (const operation of authenticated)
      assert.deepEqual(operation.security![0]!.token, operation.scopes, `${operation.method} ${operation.path}`);

    // An admin account, so that every scope (admin too) can be granted; its own image and key to act on.
    const adminName = uniqueUsername('walker');
    const token = await register(running.base, adminName);
    await running.server.built.services.admin.setAdmin(adminName, true);
    const image = (await upload(running.base, token, fixture('tiny-2x2.png'))).body;
    const someKey = await createKey(token, ['images:read']);
    // Keys are minted with a key holding every scope: the walk itself revokes the account's token.
    const master = await createKey(token, SCOPES);
    const concrete = (path: string) =>
      path
        .replace('{id}', path.startsWith('/keys/') || path.includes('/keys/{id}') ? String(someKey.id) : String(image.id))
        .replace('{username}', adminName);
    const call = async (operation: Operation, key: string) => {
      const form = new FormData();
      form.append('image', new Blob([await readFile(fixture('tiny-2x2.png'))]), 'walk.png');
      const multipart = operation.method === 'POST' && operation.path === '/images/';
      const replace = operation.method === 'PUT';
      return api(running.base, concrete(operation.path), {
        method: operation.method,
        authorization: `Bearer ${key}`,
        ...(multipart || replace ? { body: form } : ['POST', 'PATCH', 'DELETE'].includes(operation.method) ? { json: {} } : {}),
      });
    };
    // Destructive operations last, so that earlier ones still find what they act on.
    const order = (operation: Operation) => (operation.method === 'DELETE' ? 2 : operation.scopes!.includes('account') ? 1 : 0);
    let checked = 0;
    for (const operation of [...authenticated].sort((a, b) => order(a) - order(b))) {
      const needed = operation.scopes!;
      const without = SCOPES.filter((scope) => !needed.includes(scope));
      if (without.length > 0) {
        const weak = await createKey(`key:${master.key}`, without);
        const refused = await call(operation, weak.key);
        assert.equal(refused.status, 403, `${operation.method} ${operation.path} without ${needed.join(', ')}: ${refused.text}`);
        assert.deepEqual(refused.body, { detail: `This key lacks the scope ${needed[0]}.` }, `${operation.method} ${operation.path}`);
      }
      const strong = await createKey(`key:${master.key}`, needed);
      const allowed = await call(operation, strong.key);
      assert.ok(
        ![401, 403].includes(allowed.status),
        `${operation.method} ${operation.path} with ${needed.join(', ')}: ${allowed.status} ${allowed.text}`,
      );
      checked++;
      // Keep under the 50-key limit.
      await running.server.built.services.db.kysely
        .deleteFrom('api_keys')
        .where('id', 'not in', [someKey.id, master.id])
        .where('user_id', '=', await running.server.built.services.admin.idOf(adminName))
        .execute();
    }
    t.diagnostic(`${checked} authenticated operations walked, each with and without its scopes (${SCOPES.length} scopes)`);
    assert.ok(checked >= 20, `${checked} operations walked`);
  });

  test('keys never widen: PATCH may rename or narrow; a key with `keys` cannot grant what it lacks; admin only for admins', async () => {
    const token = await register(running.base);
    const reader = await createKey(token, ['images:read', 'keys']);
    const narrowed = await api(running.base, `/keys/${reader.id}/`, {
      method: 'PATCH',
      token,
      json: { name: 'renamed', scopes: ['images:read', 'keys'] },
    });
    assert.deepEqual([narrowed.status, narrowed.body.name], [200, 'renamed']);
    const widened = await api(running.base, `/keys/${reader.id}/`, {
      method: 'PATCH',
      token,
      json: { scopes: ['images:read', 'images:delete'] },
    });
    assert.equal(widened.status, 400);
    assert.match(widened.body.scopes[0], /only be narrowed: images:delete is not among its scopes/);
    const minted = await api(running.base, '/keys/', {
      method: 'POST',
      authorization: `Bearer ${reader.key}`,
      json: { name: 'escalate', scopes: ['images:delete'] },
    });
    assert.equal(minted.status, 400);
    assert.match(minted.body.scopes[0], /You cannot grant images:delete/);
    const same = await api(running.base, '/keys/', {
      method: 'POST',
      authorization: `Bearer ${reader.key}`,
      json: { name: 'copy', scopes: ['images:read'] },
    });
    assert.equal(same.status, 201, 'a key may mint a key with scopes it holds');
    const admin = await api(running.base, '/keys/', { method: 'POST', token, json: { name: 'admin', scopes: ['admin'] } });
    assert.equal(admin.status, 400, 'admin is only for admin accounts');
    const bad = await api(running.base, '/keys/', { method: 'POST', token, json: { name: 'x', scopes: ['images:everything'] } });
    assert.equal(bad.status, 400);
    assert.match(bad.body['scopes.0'][0], /is not a valid choice/);
  });

  test('expiry (the clock moved): an expired key is 401 Invalid token., like a bad token', async () => {
    const token = await register(running.base);
    const expiresAt = new Date(clock() + 3600_000).toISOString();
    const key = await createKey(token, ['images:read'], { expires_at: expiresAt });
    assert.equal((await api(running.base, '/images/', { authorization: `Bearer ${key.key}` })).status, 200);
    offsetMs += 3601_000;
    try {
      const expired = await api(running.base, '/images/', { authorization: `Bearer ${key.key}` });
      assert.deepEqual([expired.status, expired.body], [401, { detail: 'Invalid token.' }]);
      const past = await api(running.base, '/keys/', {
        method: 'POST',
        token,
        json: { name: 'late', scopes: ['images:read'], expires_at: expiresAt },
      });
      assert.equal(past.status, 400);
      assert.deepEqual(past.body, { expires_at: ['Ensure this time is in the future.'] });
    } finally {
      offsetMs -= 3601_000;
    }
  });

  test('last use is recorded at most once a minute, with the client address', async () => {
    const token = await register(running.base);
    const key = await createKey(token, ['images:read']);
    assert.equal((await api(running.base, `/keys/${key.id}/`, { token })).body.last_used_at, null);
    await api(running.base, '/images/', { authorization: `Bearer ${key.key}` });
    const first = (await api(running.base, `/keys/${key.id}/`, { token })).body;
    assert.ok(first.last_used_at);
    assert.equal(first.last_used_from, '127.0.0.1');
    await api(running.base, '/images/', { authorization: `Bearer ${key.key}` });
    assert.equal(
      (await api(running.base, `/keys/${key.id}/`, { token })).body.last_used_at,
      first.last_used_at,
      'not written again within the minute',
    );
    offsetMs += 61_000;
    try {
      await api(running.base, '/images/', { authorization: `Bearer ${key.key}` });
      assert.notEqual((await api(running.base, `/keys/${key.id}/`, { token })).body.last_used_at, first.last_used_at);
    } finally {
      offsetMs -= 61_000;
    }
  });

  test('revoked, disabled and deleted: keys stop; a password change or a new token leaves them working', async () => {
    const name = uniqueUsername('keyholder');
    const token = await register(running.base, name);
    const key = await createKey(token, ['images:read']);
    const read = () => api(running.base, '/images/', { authorization: `Bearer ${key.key}` });
    const changed = await api(running.base, '/me/password/', {
      method: 'POST',
      token,
      json: { old_password: GOOD_PASSWORD, new_password: 'a brand new passphrase' },
    });
    assert.equal(changed.status, 200);
    await api(running.base, '/regenerateToken/', { token: changed.body.token });
    assert.equal((await read()).status, 200, 'keys survive a password change and a new token');
    const services = running.server.built.services;
    await services.admin.setDisabled(name, true);
    assert.deepEqual((await read()).body, { detail: 'User inactive or deleted.' });
    await services.admin.setDisabled(name, false);
    assert.equal((await read()).status, 200, "an enabled account's keys work again (they are not the token)");
    const second = await createKey(
      (await api(running.base, '/api-token-auth/', { method: 'POST', json: { username: name, password: 'a brand new passphrase' } })).body
        .token,
      ['images:read'],
    );
    assert.equal(
      (await api(running.base, `/keys/${key.id}/`, { method: 'DELETE', authorization: `Bearer ${second.key}` })).status,
      403,
      'revoking needs `keys`',
    );
    await services.keys.revoke(await services.admin.idOf(name), key.id);
    assert.deepEqual((await read()).body, { detail: 'Invalid token.' });
    await services.admin.delete(name);
    const remaining = await services.db.kysely.selectFrom('api_keys').select('id').where('id', '=', second.id).execute();
    assert.deepEqual(remaining, [], 'deleting the account deleted its keys');
  });

  test('up to 50 keys per account', async () => {
    const token = await register(running.base);
    for (let i = 0; i < 50; i++) await createKey(token, ['images:read']);
    const over = await api(running.base, '/keys/', { method: 'POST', token, json: { name: 'fifty-first', scopes: ['images:read'] } });
    assert.deepEqual([over.status, over.body], [400, { non_field_errors: ['You have 50 keys, the most allowed: revoke one first.'] }]);
  });

  test("metrics count requests by key id and never show a secret; an admin lists and revokes a user's keys", async () => {
    const name = uniqueUsername('counted');
    const token = await register(running.base, name);
    const key = await createKey(token, ['images:read']);
    await api(running.base, '/images/', { authorization: `Bearer ${key.key}` });
    const metrics = await (await fetch(`${running.base}/metrics`)).text();
    assert.ok(metrics.includes(`key="${key.id}"`), 'requests counted by key id');
    assert.ok(!metrics.includes(key.key) && !metrics.includes(key.key.slice(4)), 'no secret in the metrics');
    const adminName = uniqueUsername('keyadmin');
    const root = await register(running.base, adminName);
    await running.server.built.services.admin.setAdmin(adminName, true);
    const listed = await api(running.base, `/admin/users/${name}/keys/`, { token: root });
    assert.deepEqual(
      listed.body.map((k: { id: number }) => k.id),
      [key.id],
    );
    assert.ok(!listed.text.includes(key.key));
    assert.equal((await api(running.base, `/admin/users/${name}/keys/${key.id}/`, { method: 'DELETE', token: root })).status, 204);
    assert.equal((await api(running.base, '/images/', { authorization: `Bearer ${key.key}` })).status, 401);
  });

  test("another user's key reaches none of the victim's images or keys", async () => {
    const victim = await register(running.base);
    const image = (await upload(running.base, victim, fixture('alpha.png'))).body;
    const victimKey = await createKey(victim, ['images:read']);
    const intruder = await register(running.base);
    const strong = await createKey(intruder, ['images:read', 'images:write', 'images:delete', 'keys', 'shares', 'account']);
    const as = { authorization: `Bearer ${strong.key}` };
    for (const [method, path] of [
      ['GET', `/images/${image.id}/`],
      ['GET', `/images/${image.id}/content`],
      ['DELETE', `/images/${image.id}/`],
      ['GET', `/keys/${victimKey.id}/`],
      ['DELETE', `/keys/${victimKey.id}/`],
    ] as const) {
      const response = await api(running.base, path, { method, ...as });
      // The intruder's own image 1 does not exist: every answer is 404, never the victim's data.
      assert.equal(response.status, 404, `${method} ${path}`);
    }
    assert.equal((await fetchBytes(image.url)).status, 200, "the victim's image is untouched");
    assert.equal((await api(running.base, `/keys/${victimKey.id}/`, { token: victim })).status, 200, "the victim's key is untouched");
  });
});

describe(onBackend('API keys across instances'), () => {
  test('a key revoked through one instance is refused by the other on the next request', async () => {
    const resources = await backendResources();
    const first = await startServer({}, resources);
    const second = await startServer({ DATA_DIR: first.config.dataDir }, resources);
    try {
      const token = await register(first.base);
      const created = (await api(first.base, '/keys/', { method: 'POST', token, json: { name: 'shared', scopes: ['images:read'] } })).body;
      assert.equal((await api(second.base, '/images/', { authorization: `Bearer ${created.key}` })).status, 200);
      assert.equal((await api(first.base, `/keys/${created.id}/`, { method: 'DELETE', token })).status, 204);
      assert.equal((await api(second.base, '/images/', { authorization: `Bearer ${created.key}` })).status, 401);
    } finally {
      await second.close();
      await first.close();
      await resources.release();
    }
  });
});
