import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { api, fetchBytes, fixture, freePort, tempDataDir, upload } from '../testkit/index.js';

const ROOT = join(import.meta.dirname, '..');
const SECRET = 'log-test-secret-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0';

test('tokens, passwords, signatures and the signing key never appear in the logs', async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'server.ts')], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: await tempDataDir(), PORT: String(port), SECRET_KEY: SECRET, LOG_LEVEL: 'trace' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  try {
    for (
      let i = 0;
      i < 200 &&
      !(await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    const password = 'a very private passphrase 42';
    const registered = await api(base, '/register/', { method: 'POST', json: { username: 'logged_user', password } });
    const token: string = registered.body.token;
    await api(base, '/api-token-auth/', { method: 'POST', form: { username: 'logged_user', password } });
    await api(base, '/api-token-auth/', { method: 'POST', json: { username: 'logged_user', password: `${password}-wrong` } });
    const image = (await upload(base, token, fixture('photo.webp'))).body;
    await fetchBytes(image.url);
    await fetchBytes(image.variants.thumb);
    await api(base, '/images/', { token });
    await api(base, '/images/', { authorization: `Bearer ${token}` });
    const fresh: string = (await api(base, '/regenerateToken/', { token })).body.token;
    await api(base, '/images/', { token }); // the revoked one
    await api(base, '/images/', { token: fresh });
    await api(base, '/register/', { method: 'POST', body: `{"password": "${password}"`, headers: { 'content-type': 'application/json' } });
    // The signature's name encoded (%73 is s) or in another case: the server reads them as `sig`, so must the redaction.
    const encodedSig = new URL(image.url).searchParams.get('sig')!;
    const media = new URL(image.url);
    await fetchBytes(`${base}${media.pathname}?exp=${media.searchParams.get('exp')}&%73ig=${encodedSig}`);
    await fetchBytes(`${base}${media.pathname}?exp=${media.searchParams.get('exp')}&SIG=${encodedSig}x`);
    // An API key: the log names its id on each request, never the key.
    const apiKey = (await api(base, '/keys/', { method: 'POST', token: fresh, json: { name: 'logged', scopes: ['images:read'] } })).body;
    await api(base, '/images/', { authorization: `Bearer ${apiKey.key}` });
    // A share link: its token is the credential, in the path; its password is a form field.
    const shared = (await api(base, '/shares/', { method: 'POST', token: fresh, json: { image: image.id, password: 'share password 1' } }))
      .body;
    const shareToken = String(shared.url).split('/s/')[1]!;
    await api(base, `/s/${shareToken}`, { headers: { accept: 'application/json', 'x-share-password': 'share password 1' } });
    await api(base, `/s/${shareToken}`, { method: 'POST', form: { password: 'share password 1' } });
    await fetchBytes(`${base}/s/${shareToken}/${image.id}/thumb`);

    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(log.includes('"reqId"'), 'requests were logged');
    const signatures = [image.url, image.variants.thumb].map((url: string) => new URL(url).searchParams.get('sig')!);
    assert.ok(log.includes(`"key":${apiKey.id}`), 'requests made with a key are logged with its id');
    for (const secret of [token, fresh, password, SECRET, ...signatures, apiKey.key, apiKey.key.slice(4), shareToken, 'share password 1']) {
      const at = log.indexOf(secret);
      assert.ok(at < 0, `the log contains ${secret.slice(0, 12)}…: ${log.slice(at - 100, at + 400)}`);
    }
    // Every request line carries the request id.
    for (const line of log.split('\n').filter((l) => l.includes('"req"'))) assert.match(line, /"reqId":"[0-9a-f-]{36}"/);
  } finally {
    child.kill('SIGKILL');
  }
});
