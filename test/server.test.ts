import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig, ConfigError } from '../src/config.js';
import { fixture, freePort, register, tempDataDir } from '../testkit/index.js';

const ROOT = join(import.meta.dirname, '..');

interface Running {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(args: string[], env: Record<string, string>, port: number): Running {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, base: `http://127.0.0.1:${port}`, output: () => output, exited };
}

async function waitReady(running: Running, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const response = await fetch(`${running.base}/readyz`);
      if (response.status === 200) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not ready after ${timeoutMs} ms:\n${running.output()}`);
}

describe('configuration', () => {
  test('defaults work out of the box', async () => {
    const dataDir = await tempDataDir();
    const config = loadConfig({ DATA_DIR: dataDir });
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8000);
    assert.equal(config.publicUrl, 'http://127.0.0.1:8000');
    assert.equal(config.maxUploadBytes, 25 * 1024 * 1024);
    assert.equal(config.maxImagePixels, 50_000_000);
    assert.equal(config.urlTtlSeconds, 3600);
    assert.equal(config.secretKeys.length, 1);
    assert.equal(config.logLevel, 'info');
  });

  test('a bad variable is named with the reason', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: 'abc' }, /^Invalid configuration: PORT must be a whole number, got "abc"$/],
      [{ PORT: '70000' }, /^Invalid configuration: PORT must be between 0 and 65535/],
      [{ MAX_UPLOAD_BYTES: '-5' }, /MAX_UPLOAD_BYTES must be a whole number/],
      [{ PUBLIC_URL: 'not a url' }, /PUBLIC_URL must be an absolute http\(s\) URL/],
      [{ PUBLIC_URL: 'ftp://x.example' }, /PUBLIC_URL must use http or https/],
      [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
      [{ SECRET_KEY: 'short' }, /SECRET_KEY must hold keys of at least 32 characters/],
      [{ TRUST_PROXY: 'maybe' }, /TRUST_PROXY holds "maybe", which is neither an address nor a CIDR range/],
      [{ TRUST_PROXY: 'true' }, /TRUST_PROXY must not be true: trusting every hop lets any client choose its address/],
      [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY holds "10.0.0.0\/33"/],
      [{ TRUST_PROXY: '11' }, /TRUST_PROXY must be a hop count from 1 to 10/],
      [{ DELIVERY: 'cdn' }, /DELIVERY must be direct, nginx or redirect, got "cdn"/],
      [{ DELIVERY: 'nginx', STORAGE: 's3', S3_BUCKET: 'photos' }, /DELIVERY nginx needs STORAGE=fs/],
      [{ DELIVERY: 'redirect' }, /DELIVERY redirect needs STORAGE=s3/],
      [{ DELIVERY_REDIRECT_SECONDS: '5' }, /DELIVERY_REDIRECT_SECONDS must be between 10 and 86400/],
      [{ VARIANT_PRESETS: 'download=100' }, /VARIANT_PRESETS "download" is a reserved name/],
      [{ STORAGE: 's3', S3_BUCKET: 'photos', S3_PUBLIC_ENDPOINT: 'files.example' }, /S3_PUBLIC_ENDPOINT must be a URL/],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => loadConfig({ DATA_DIR: '/tmp/image-api-config-test', ...env }),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        JSON.stringify(env),
      );
    }
  });

  test('several comma-separated SECRET_KEYs are accepted for rotation', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/image-api-config-test', SECRET_KEY: `${'a'.repeat(32)},${'b'.repeat(32)}` });
    assert.deepEqual(config.secretKeys, ['a'.repeat(32), 'b'.repeat(32)]);
  });
});

describe('the server process', () => {
  test('refuses to start on bad configuration, naming the variable', async () => {
    const running = launch(
      ['--import', 'tsx', 'src/server.ts'],
      { DATA_DIR: await tempDataDir(), MAX_IMAGE_PIXELS: 'lots' },
      await freePort(),
    );
    assert.equal(await running.exited, 1);
    assert.match(running.output(), /Invalid configuration: MAX_IMAGE_PIXELS must be a whole number, got "lots"/);
  });

  test('SIGTERM lets an upload in flight finish, then exits 0', async () => {
    const running = launch(['--import', 'tsx', 'src/server.ts'], { DATA_DIR: await tempDataDir() }, await freePort());
    try {
      await waitReady(running, 20_000);
      const token = await register(running.base);
      const image = await readFile(fixture('photo.webp'));
      const boundary = `b${randomBytes(8).toString('hex')}`;
      const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="slow.webp"\r\n\r\n`);
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const result = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${running.base}/images/`, {
          method: 'POST',
          headers: {
            authorization: `Token ${token}`,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': head.length + image.length + tail.length,
          },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.write(head);
        req.write(image.subarray(0, 1000));
        // The rest arrives after the server has been told to stop.
        setTimeout(() => {
          running.child.kill('SIGTERM');
          setTimeout(() => req.end(Buffer.concat([image.subarray(1000), tail])), 300);
        }, 200);
      });
      const response = await result;
      assert.equal(response.status, 201, response.body);
      assert.equal(await running.exited, 0);
    } finally {
      running.child.kill('SIGKILL');
    }
  });

  test('npm start (scripts/start.mjs) builds when needed and serves', async () => {
    const running = launch(['scripts/start.mjs'], { DATA_DIR: await tempDataDir() }, await freePort());
    try {
      await waitReady(running, 120_000);
      const health = await fetch(`${running.base}/healthz`);
      assert.equal(health.status, 200);
      running.child.kill('SIGTERM');
      assert.equal(await running.exited, 0);
    } finally {
      running.child.kill('SIGKILL');
    }
  });
});
