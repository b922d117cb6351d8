import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { buildApp, type AppOverrides, type BuiltApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { backendResources, type BackendResources } from './backends.js';

const ROOT = join(import.meta.dirname, '..');
export const TEST_SECRET = 'test-secret-key-0123456789abcdef0123456789abcdef';

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

/**
 * One server for the enclosing describe block: started before its tests, closed after them.
 * Read `server` and `base` inside tests (they exist once `before` has run).
 */
export function useServer(
  env: Record<string, string> = {},
  overrides: AppOverrides = {},
): { readonly server: TestServer; readonly base: string } {
  let current: TestServer | undefined;
  before(async () => {
    current = await startServer(env, undefined, overrides);
  });
  after(() => current?.close());
  return {
    get server() {
      if (!current) throw new Error('the server is not started yet: use it inside a test or hook');
      return current;
    },
    get base() {
      return this.server.base;
    },
  };
}

export interface ServerProcess {
  base: string;
  child: ChildProcess;
  dataDir: string;
  /** Milliseconds from spawning `npm start`'s script to the first 200 on /readyz. */
  startupMs: number;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
}

/** Starts the server the way `npm start` does, in its own process, on a fresh data directory. */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = await tempDataDir();
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForReady(base, child).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    base,
    child,
    dataDir,
    startupMs: performance.now() - started,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Runs src/server.ts in a child process on a given data directory and port (the crash tests kill it
 * with SIGKILL and start another on the same directory), with the test secret and generous limits.
 */
export async function startSourceServer(dataDir: string, port: number, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'server.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      DATA_DIR: dataDir,
      PORT: String(port),
      SECRET_KEY: TEST_SECRET,
      LOG_LEVEL: 'warn',
      AUTH_RATE_LIMIT: '10000',
      MAX_CONCURRENT_UPLOADS_PER_USER: '1000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // Generous: with WORKERS=auto three processes each compile the sources with tsx, on a busy machine.
  await waitForReady(`http://127.0.0.1:${port}`, child, 60_000).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return child;
}

/** Waits until /readyz answers 200; fails if the process exits first. */
export async function waitForReady(base: string, child?: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (child && child.exitCode !== null) throw new Error('server exited during start-up');
    if (Date.now() > deadline) throw new Error(`${base} was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
