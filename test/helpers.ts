import { createServer } from 'node:net';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { buildApp, type AppOverrides, type BuiltApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { backendResources, type BackendResources } from './backends.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'images');
export const TEST_SECRET = 'test-secret-key-0123456789abcdef0123456789abcdef';

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export async function fixtureNames(): Promise<string[]> {
  return (await readdir(FIXTURES)).filter((name) => !name.endsWith('.md')).sort();
}

export function sha256(data: Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'image-api-test-'));
}

export interface TestServer {
  base: string;
  config: Config;
  /** The environment the server was configured from (for tools run beside it). */
  env: Record<string, string>;
  built: BuiltApp;
  close(): Promise<void>;
}

/**
 * Starts the real app on a real port: over a real SQLite file in a fresh (or given) data
 * directory, or, with TEST_BACKEND=postgres, over a fresh PostgreSQL schema, an S3 bucket and Redis.
 * Pass `resources` to share one database and bucket between servers (restarts, several instances).
 */
export async function startServer(
  env: Record<string, string> = {},
  resources?: BackendResources,
  overrides: AppOverrides = {},
): Promise<TestServer> {
  const port = await freePort();
  const dataDir = env.DATA_DIR ?? (await tempDataDir());
  const owned = resources ? null : await backendResources();
  const backendEnv = (resources ?? owned!).env;
  const serverEnv = {
    SECRET_KEY: TEST_SECRET,
    LOG_LEVEL: 'silent',
    AUTH_RATE_LIMIT: '10000',
    ...backendEnv,
    ...env,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
  const config = loadConfig(serverEnv);
  const built = await buildApp(config, overrides);
  await built.app.listen({ host: config.host, port: config.port });
  return {
    base: `http://127.0.0.1:${port}`,
    config,
    env: serverEnv,
    built,
    close: async () => {
      await built.app.close();
      await owned?.release();
    },
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  method?: string;
  token?: string;
  authorization?: string;
  json?: unknown;
  form?: Record<string, string>;
  body?: string | FormData | Buffer;
  headers?: Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON shapes
export async function api<T = any>(base: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Token ${options.token}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  // A Buffer is copied into a plain Uint8Array: the one body type Node's and the DOM's fetch() types share.
  const response = await fetch(`${base}${path}`, {
    method: options.method ?? 'GET',
    headers,
    body: Buffer.isBuffer(body) ? new Uint8Array(body) : body,
    redirect: 'manual',
  });
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

export async function fetchBytes(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

let userCounter = 0;

export function uniqueUsername(prefix = 'user'): string {
  userCounter++;
  return `${prefix}${userCounter}_${randomBytes(3).toString('hex')}`;
}

export const GOOD_PASSWORD = 'correct horse battery';

export async function register(base: string, username = uniqueUsername()): Promise<string> {
  const response = await api<{ token: string }>(base, '/register/', { method: 'POST', json: { username, password: GOOD_PASSWORD } });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.text}`);
  return response.body.token;
}

export interface UploadOptions {
  method?: 'POST' | 'PUT';
  path?: string;
  field?: string;
  filename?: string;
  contentType?: string;
}

/** Uploads bytes (or a fixture path) as multipart, the way httpie --form and browsers do. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON shapes
export async function upload<T = any>(
  base: string,
  token: string,
  content: Buffer | string,
  options: UploadOptions = {},
): Promise<ApiResponse<T>> {
  const bytes = typeof content === 'string' ? await readFile(content) : content;
  const filename = options.filename ?? (typeof content === 'string' ? basename(content) : 'upload.bin');
  const form = new FormData();
  form.append(
    options.field ?? 'image',
    new Blob([new Uint8Array(bytes)], { type: options.contentType ?? 'application/octet-stream' }),
    filename,
  );
  return api<T>(base, options.path ?? '/images/', { method: options.method ?? 'POST', token, body: form });
}
