import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GOOD_PASSWORD, api, onBackend, register, uniqueUsername, useServer, startServer } from '../testkit/index.js';

const TOKEN = /^[0-9a-f]{40}$/;

describe(onBackend('accounts (compat.md: endpoints and error shapes)'), () => {
  const running = useServer();

  test('POST /register/ with JSON answers 201 {"token": <40 lowercase hex>}', async () => {
    const response = await api(running.base, '/register/', {
      method: 'POST',
      json: { username: uniqueUsername(), password: GOOD_PASSWORD },
    });
    assert.equal(response.status, 201);
    assert.deepEqual(Object.keys(response.body), ['token']);
    assert.match(response.body.token, TOKEN);
  });

  test('POST /register/ with a urlencoded form and an email works too', async () => {
    const response = await api(running.base, '/register/', {
      method: 'POST',
      form: { username: uniqueUsername(), password: GOOD_PASSWORD, email: 'a@example.com' },
    });
    assert.equal(response.status, 201);
    assert.match(response.body.token, TOKEN);
  });

  test("the original README's example (demo / demouser) registers", async () => {
    const response = await api(running.base, '/register/', { method: 'POST', json: { username: 'demo', password: 'demouser' } });
    assert.equal(response.status, 201);
  });

  test('POST /api-token-auth/ returns the current token (JSON and form)', async () => {
    const username = uniqueUsername();
    const token = await register(running.base, username);
    const viaJson = await api(running.base, '/api-token-auth/', { method: 'POST', json: { username, password: GOOD_PASSWORD } });
    assert.equal(viaJson.status, 200);
    assert.deepEqual(viaJson.body, { token });
    const viaForm = await api(running.base, '/api-token-auth/', { method: 'POST', form: { username, password: GOOD_PASSWORD } });
    assert.deepEqual(viaForm.body, { token });
  });

  test('GET /regenerateToken/ issues a new token and the old one is refused at once', async () => {
    const username = uniqueUsername();
    const oldToken = await register(running.base, username);
    const response = await api(running.base, '/regenerateToken/', { token: oldToken });
    assert.equal(response.status, 200);
    const newToken = response.body.token;
    assert.match(newToken, TOKEN);
    assert.notEqual(newToken, oldToken);
    const withOld = await api(running.base, '/images/', { token: oldToken });
    assert.equal(withOld.status, 401);
    assert.deepEqual(withOld.body, { detail: 'Invalid token.' });
    assert.equal((await api(running.base, '/images/', { token: newToken })).status, 200);
    const login = await api(running.base, '/api-token-auth/', { method: 'POST', json: { username, password: GOOD_PASSWORD } });
    assert.equal(login.body.token, newToken);
  });

  test('HEAD /regenerateToken/ does not replace the token', async () => {
    const token = await register(running.base);
    const head = await api(running.base, '/regenerateToken/', { method: 'HEAD', token });
    assert.notEqual(head.status, 200);
    assert.equal((await api(running.base, '/images/', { token })).status, 200);
  });

  test('Authorization: Bearer <key> is accepted as well as Token <key>', async () => {
    const token = await register(running.base);
    assert.equal((await api(running.base, '/images/', { authorization: `Bearer ${token}` })).status, 200);
    assert.equal((await api(running.base, '/images/', { authorization: `token ${token}` })).status, 200);
  });

  test('no Authorization header: 401, WWW-Authenticate: Token, DRF detail', async () => {
    const response = await api(running.base, '/images/');
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Token');
    assert.deepEqual(response.body, { detail: 'Authentication credentials were not provided.' });
  });

  test('unknown token: 401 Invalid token.', async () => {
    const response = await api(running.base, '/images/', { authorization: `Token ${'0'.repeat(40)}` });
    assert.equal(response.status, 401);
    assert.deepEqual(response.body, { detail: 'Invalid token.' });
    const malformed = await api(running.base, '/images/', { authorization: 'Token not-a-token' });
    assert.deepEqual(malformed.body, { detail: 'Invalid token.' });
  });

  test('"Token" with no key: 401 Invalid token header. No credentials provided.', async () => {
    const response = await api(running.base, '/images/', { authorization: 'Token' });
    assert.equal(response.status, 401);
    assert.deepEqual(response.body, { detail: 'Invalid token header. No credentials provided.' });
    const spaced = await api(running.base, '/images/', { authorization: 'Token abc def' });
    assert.deepEqual(spaced.body, { detail: 'Invalid token header. Token string should not contain spaces.' });
  });

  test('a header of another form: 401 saying what is wrong with it, never "not provided"', async () => {
    const token = await register(running.base);
    const usage = 'Send "Authorization: Token <token>" (or "Bearer <token>").';
    const cases: [string, string][] = [
      [token, `Invalid token header. The scheme is missing before the token. ${usage}`],
      ['imk_abcdefghijklmnop', `Invalid token header. The scheme is missing before the token. ${usage}`],
      ['Basic dXNlcjpwYXNz', `Invalid token header. The "Basic" authorization scheme is not supported. ${usage}`],
      ['Tokn abc', `Invalid token header. The "Tokn" authorization scheme is not supported. ${usage}`],
      ['{"x": 1}', `Invalid token header. It does not start with a scheme word. ${usage}`],
    ];
    for (const [header, detail] of cases) {
      const response = await api(running.base, '/images/', { authorization: header });
      assert.equal(response.status, 401, header);
      assert.equal(response.headers.get('www-authenticate'), 'Token');
      assert.deepEqual(response.body, { detail }, header);
    }
  });

  test('wrong password and unknown user give the same 400 non_field_errors', async () => {
    const username = uniqueUsername();
    await register(running.base, username);
    const expected = { non_field_errors: ['Unable to log in with provided credentials.'] };
    const wrong = await api(running.base, '/api-token-auth/', { method: 'POST', json: { username, password: 'wrong password 1' } });
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.body, expected);
    const unknown = await api(running.base, '/api-token-auth/', {
      method: 'POST',
      json: { username: uniqueUsername('ghost'), password: GOOD_PASSWORD },
    });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body, expected);
  });

  test('a body field of the wrong type is a 400 naming it, never coerced into something else', async () => {
    const name = uniqueUsername('typed');
    const listName = await api(running.base, '/register/', { method: 'POST', json: { username: [name], password: GOOD_PASSWORD } });
    assert.equal(listName.status, 400);
    assert.deepEqual(listName.body, { username: ['Not a valid string.'] });
    const numberPassword = await api(running.base, '/register/', { method: 'POST', json: { username: name, password: 12345678901 } });
    assert.deepEqual([numberPassword.status, numberPassword.body], [400, { password: ['Not a valid string.'] }]);
    const objectName = await api(running.base, '/api-token-auth/', {
      method: 'POST',
      json: { username: { $ne: '' }, password: GOOD_PASSWORD },
    });
    assert.deepEqual([objectName.status, objectName.body], [400, { username: ['Not a valid string.'] }]);
    // Nothing was registered under the name inside the list.
    const login = await api(running.base, '/api-token-auth/', { method: 'POST', json: { username: name, password: GOOD_PASSWORD } });
    assert.equal(login.status, 400);
    const token = await register(running.base);
    const change = await api(running.base, '/me/password/', {
      method: 'POST',
      token,
      json: { old_password: GOOD_PASSWORD, new_password: true },
    });
    assert.deepEqual([change.status, change.body], [400, { new_password: ['Not a valid string.'] }]);
  });

  test('missing fields: 400 with each field required (register, login; JSON, form, empty body)', async () => {
    const expected = { username: ['This field is required.'], password: ['This field is required.'] };
    for (const path of ['/register/', '/api-token-auth/']) {
      assert.deepEqual((await api(running.base, path, { method: 'POST', json: {} })).body, expected);
      assert.deepEqual((await api(running.base, path, { method: 'POST', form: {} })).body, expected);
      const empty = await api(running.base, path, { method: 'POST' });
      assert.equal(empty.status, 400);
      assert.deepEqual(empty.body, expected);
    }
    const onlyName = await api(running.base, '/register/', { method: 'POST', json: { username: uniqueUsername() } });
    assert.deepEqual(onlyName.body, { password: ['This field is required.'] });
  });

  test('duplicate username: 400 A user with that username already exists.', async () => {
    const username = uniqueUsername();
    await register(running.base, username);
    const response = await api(running.base, '/register/', { method: 'POST', json: { username, password: GOOD_PASSWORD } });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { username: ['A user with that username already exists.'] });
  });

  test('invalid usernames: 400 Enter a valid username', async () => {
    for (const username of ['has space', 'slash/name', 'semi;colon', '<script>']) {
      const response = await api(running.base, '/register/', { method: 'POST', json: { username, password: GOOD_PASSWORD } });
      assert.equal(response.status, 400, username);
      assert.match(response.body.username[0], /^Enter a valid username\./);
    }
    const tooLong = await api(running.base, '/register/', { method: 'POST', json: { username: 'a'.repeat(151), password: GOOD_PASSWORD } });
    assert.equal(tooLong.status, 400);
    assert.deepEqual(tooLong.body, { username: ['Ensure this field has no more than 150 characters.'] });
    const allowed = await api(running.base, '/register/', {
      method: 'POST',
      json: { username: `ok.${uniqueUsername()}@x+y-z`, password: GOOD_PASSWORD },
    });
    assert.equal(allowed.status, 201);
  });

  test('invalid email: 400 Enter a valid email address.', async () => {
    const response = await api(running.base, '/register/', {
      method: 'POST',
      json: { username: uniqueUsername(), password: GOOD_PASSWORD, email: 'not-an-email' },
    });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { email: ['Enter a valid email address.'] });
  });

  test('compat fix 8: password rules are enforced (length, numeric, common, similar to username)', async () => {
    const cases: [string, string, string][] = [
      ['1', uniqueUsername(), 'This password is too short. It must contain at least 8 characters.'],
      ['1', uniqueUsername(), 'This password is entirely numeric.'],
      ['84736251', uniqueUsername(), 'This password is entirely numeric.'],
      ['password', uniqueUsername(), 'This password is too common.'],
      ['Password123', uniqueUsername(), 'This password is too common.'],
      ['longusername1', 'longusername', 'The password is too similar to the username.'],
    ];
    for (const [password, username, message] of cases) {
      const response = await api(running.base, '/register/', { method: 'POST', json: { username, password } });
      assert.equal(response.status, 400, password);
      assert.ok(response.body.password.includes(message), `${password}: ${JSON.stringify(response.body)}`);
    }
  });

  test('malformed JSON: 400 {"detail": "JSON parse error - ..."}', async () => {
    const response = await api(running.base, '/register/', {
      method: 'POST',
      body: '{"username": ',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 400);
    assert.match(response.body.detail, /^JSON parse error - /);
  });

  test('an unsupported body type: 415 JSON', async () => {
    const response = await api(running.base, '/register/', {
      method: 'POST',
      body: 'username=x',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(response.status, 415);
    assert.match(response.body.detail, /Unsupported media type/);
  });

  test('method not allowed: 405 with Allow and DRF detail', async () => {
    const response = await api(running.base, '/register/');
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST, OPTIONS');
    assert.deepEqual(response.body, { detail: 'Method "GET" not allowed.' });
  });

  test('requests without the trailing slash reach the same handler (compat fix 9)', async () => {
    const response = await api(running.base, '/register', {
      method: 'POST',
      json: { username: uniqueUsername(), password: GOOD_PASSWORD },
    });
    assert.equal(response.status, 201);
    const token = response.body.token;
    assert.equal((await api(running.base, '/regenerateToken', { token })).status, 200);
  });
});

describe(onBackend('rate limits on login and registration'), () => {
  const running = useServer({ AUTH_RATE_LIMIT: '3', AUTH_RATE_WINDOW_SECONDS: '60' });

  test('past the limit per client address: 429 with Retry-After and a JSON detail', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await api(running.server.base, '/api-token-auth/', { method: 'POST', json: { username: 'nobody', password: 'whatever12' } });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [400, 400, 400, 429, 429]);
    assert.ok(Number(last!.headers.get('retry-after')) > 0);
    assert.match(last!.body.detail, /^Request was throttled\. Expected available in \d+ seconds\.$/);
    const registerLimited = [];
    for (let i = 0; i < 4; i++) registerLimited.push((await api(running.server.base, '/register/', { method: 'POST', json: {} })).status);
    assert.deepEqual(registerLimited, [400, 400, 400, 429]);
  });
});

describe(onBackend('abuse limits'), () => {
  test('failed logins for one account are limited whatever the address (429 with Retry-After); a success resets them', async () => {
    const server = await startServer({ LOGIN_FAILURES_PER_USER: '3', LOGIN_FAILURE_WINDOW_SECONDS: '600' });
    try {
      const username = uniqueUsername('target');
      await register(server.base, username);
      const other = uniqueUsername('bystander');
      await register(server.base, other);
      const attempt = (name: string, password: string) =>
        api(server.base, '/api-token-auth/', { method: 'POST', json: { username: name, password } });
      assert.equal((await attempt(username, 'wrong-1-password')).status, 400);
      assert.equal((await attempt(username, GOOD_PASSWORD)).status, 200, 'a success before the limit resets the count');
      for (let i = 0; i < 3; i++) assert.equal((await attempt(username, `wrong-${i}-password`)).status, 400);
      const blocked = await attempt(username, GOOD_PASSWORD);
      assert.equal(blocked.status, 429, 'even the right password waits once the account is under attack');
      assert.ok(Number(blocked.headers.get('retry-after')) > 500);
      assert.match(blocked.body.detail, /Too many failed logins for this account/);
      assert.equal((await attempt(other, GOOD_PASSWORD)).status, 200, 'other accounts are not affected');
    } finally {
      await server.close();
    }
  });

  test('uploads in progress per user are limited (429 with Retry-After); other users are not affected', async () => {
    const server = await startServer({ MAX_CONCURRENT_UPLOADS_PER_USER: '2' });
    try {
      const token = await register(server.base);
      const bystander = await register(server.base);
      const { request } = await import('node:http');
      // Two uploads held open (headers sent, body trickling) occupy the user's slots.
      const held = [0, 1].map(
        () =>
          new Promise<{ destroy(): void }>((resolve) => {
            const req = request(`${server.base}/images/`, {
              method: 'POST',
              headers: { authorization: `Token ${token}`, 'content-type': 'multipart/form-data; boundary=z', 'content-length': '100000' },
            });
            req.on('error', () => undefined);
            req.write('--z\r\n');
            setTimeout(() => resolve(req), 200);
          }),
      );
      const open = await Promise.all(held);
      const form = () => {
        const body = new FormData();
        body.append('image', new Blob([Buffer.from('x')]), 'x.png');
        return body;
      };
      const third = await api(server.base, '/images/', { method: 'POST', token, body: form() });
      assert.equal(third.status, 429);
      assert.equal(third.headers.get('retry-after'), '1');
      assert.match(third.body.detail, /at most 2 at once/);
      assert.equal((await api(server.base, '/images/', { method: 'POST', token: bystander, body: form() })).status, 400);
      for (const req of open) req.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Slots are given back however uploads end.
      assert.equal((await api(server.base, '/images/', { method: 'POST', token, body: form() })).status, 400);
    } finally {
      await server.close();
    }
  });
});
