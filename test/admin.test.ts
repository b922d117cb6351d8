import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { GOOD_PASSWORD, api, fetchBytes, fixture, onBackend, register, upload, useServer } from '../testkit/index.js';

describe(onBackend('admin API and account self-service'), () => {
  const running = useServer();
  let root: string;
  let alice: string;
  let bob: string;
  let shared: { url: string; sha256: string };

  before(async () => {
    root = await register(running.base, 'root');
    await running.server.built.services.admin.setAdmin('root', true);
    alice = await register(running.base, 'alice');
    bob = await register(running.base, 'bob');
    shared = (await upload(running.base, alice, fixture('photo.webp'))).body;
    await upload(running.base, bob, fixture('photo.webp'));
    await upload(running.base, bob, fixture('alpha.png'));
  });

  test('admin routes refuse anonymous callers (401) and non-admins (403), and are tagged in the spec', async () => {
    for (const [method, path] of [
      ['GET', '/admin/users/'],
      ['POST', '/admin/users/alice/disable'],
      ['POST', '/admin/users/alice/enable'],
      ['POST', '/admin/users/alice/revoke-token'],
      ['DELETE', '/admin/users/alice/'],
    ] as const) {
      assert.equal((await api(running.base, path, { method })).status, 401, path);
      const forbidden = await api(running.base, path, { method, token: bob });
      assert.equal(forbidden.status, 403, path);
      assert.deepEqual(forbidden.body, { detail: 'You do not have permission to perform this action.' });
    }
    assert.equal((await api(running.base, '/images/', { token: alice })).status, 200, 'nothing happened to alice');
    const spec = (await api(running.base, '/openapi.json')).body;
    assert.deepEqual(spec.paths['/admin/users/'].get.tags, ['admin']);
  });

  test('an admin lists users with usage, disables (token refused at once, for good), enables and revokes tokens', async () => {
    const users = (await api(running.base, '/admin/users/', { token: root })).body as {
      username: string;
      images: number;
      disabled: boolean;
      admin: boolean;
    }[];
    assert.deepEqual(
      users.map((u) => [u.username, u.images, u.admin]),
      [
        ['alice', 1, false],
        ['bob', 2, false],
        ['root', 0, true],
      ],
    );
    const disabled = await api(running.base, '/admin/users/alice/disable', { method: 'POST', token: root });
    assert.equal(disabled.body.disabled, true);
    assert.equal((await api(running.base, '/images/', { token: alice })).status, 401);
    const disabledLogin = await api(running.base, '/api-token-auth/', {
      method: 'POST',
      json: { username: 'alice', password: GOOD_PASSWORD },
    });
    assert.equal(disabledLogin.status, 400, 'a disabled account cannot log in');
    await api(running.base, '/admin/users/alice/enable', { method: 'POST', token: root });
    // Enabling brings back nothing issued before: the user logs in for a new token.
    assert.deepEqual((await api(running.base, '/images/', { token: alice })).body, { detail: 'Invalid token.' });
    alice = (await api(running.base, '/api-token-auth/', { method: 'POST', json: { username: 'alice', password: GOOD_PASSWORD } })).body
      .token;
    assert.equal((await api(running.base, '/images/', { token: alice })).status, 200);
    await api(running.base, '/admin/users/alice/revoke-token', { method: 'POST', token: root });
    assert.equal((await api(running.base, '/images/', { token: alice })).status, 401);
    alice = (await api(running.base, '/api-token-auth/', { method: 'POST', json: { username: 'alice', password: GOOD_PASSWORD } })).body
      .token;
    assert.equal((await api(running.base, '/admin/users/nobody/disable', { method: 'POST', token: root })).status, 404);
  });

  test('deleting a user removes them and their images, and keeps bytes shared with others', async () => {
    assert.equal((await api(running.base, '/admin/users/bob/', { method: 'DELETE', token: root })).status, 204);
    assert.equal((await api(running.base, '/images/', { token: bob })).status, 401);
    // Alice's links were renewed when she was disabled: her image's current link.
    const alicesCopy = (await api(running.base, '/images/', { token: alice })).body.find(
      (image: { sha256: string }) => image.sha256 === shared.sha256,
    );
    assert.equal((await fetchBytes(alicesCopy.url)).status, 200, "alice's copy of the WebP bob also had still serves");
    const names = ((await api(running.base, '/admin/users/', { token: root })).body as { username: string }[]).map((u) => u.username);
    assert.deepEqual(names, ['alice', 'root']);
  });

  test('a user changes their own password: the old password and token stop working', async () => {
    const wrong = await api(running.base, '/me/password/', {
      method: 'POST',
      token: alice,
      json: { old_password: 'nope', new_password: 'brand new passphrase' },
    });
    assert.equal(wrong.status, 400);
    assert.ok(wrong.body.old_password);
    const weak = await api(running.base, '/me/password/', {
      method: 'POST',
      token: alice,
      json: { old_password: GOOD_PASSWORD, new_password: '123' },
    });
    assert.equal(weak.status, 400);
    assert.ok(weak.body.new_password.length > 0);
    const changed = await api(running.base, '/me/password/', {
      method: 'POST',
      token: alice,
      json: { old_password: GOOD_PASSWORD, new_password: 'brand new passphrase' },
    });
    assert.equal(changed.status, 200);
    assert.equal((await api(running.base, '/images/', { token: alice })).status, 401);
    assert.equal((await api(running.base, '/images/', { token: changed.body.token })).status, 200);
    assert.equal(
      (await api(running.base, '/api-token-auth/', { method: 'POST', json: { username: 'alice', password: GOOD_PASSWORD } })).status,
      400,
    );
    alice = (await api(running.base, '/api-token-auth/', { method: 'POST', json: { username: 'alice', password: 'brand new passphrase' } }))
      .body.token;
  });

  test('a user deletes their own account and all their images, after giving the password', async () => {
    const image = (await api(running.base, '/images/', { token: alice })).body[0];
    const noPassword = await api(running.base, '/me/', { method: 'DELETE', token: alice });
    assert.deepEqual([noPassword.status, noPassword.body], [400, { password: ['This field is required.'] }]);
    const wrong = await api(running.base, '/me/', { method: 'DELETE', token: alice, json: { password: 'not my password' } });
    assert.deepEqual([wrong.status, wrong.body], [400, { password: ['Your password was entered incorrectly. Please enter it again.'] }]);
    assert.equal((await api(running.base, '/images/', { token: alice })).status, 200, 'a refused deletion changes nothing');
    assert.equal(
      (await api(running.base, '/me/', { method: 'DELETE', token: alice, json: { password: 'brand new passphrase' } })).status,
      204,
    );
    assert.equal((await api(running.base, '/images/', { token: alice })).status, 401);
    assert.equal((await fetchBytes(image.url)).status, 403);
    assert.equal((await running.server.built.services.db.kysely.selectFrom('images').select('id').execute()).length, 0);
  });
});
