import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** The only reader of process.env: everything else receives a validated Config. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  publicUrl: string;
  /** First key signs; every key verifies (rotation). */
  secretKeys: string[];
  maxUploadBytes: number;
  maxImagePixels: number;
  logLevel: LogLevel;
  /** Lifetime of signed media links. */
  urlTtlSeconds: number;
  /** Requests per window and client address on /register/ and /api-token-auth/. */
  authRateLimit: number;
  authRateWindowSeconds: number;
  trustProxy: boolean;
  requestTimeoutMs: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
  }
}

type Env = Record<string, string | undefined>;

function readString(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${raw}`);
  }
  return value;
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const normalised = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalised)) return true;
  if (['0', 'false', 'no', 'off'].includes(normalised)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function readPublicUrl(env: Env, host: string, port: number): string {
  const raw = env.PUBLIC_URL;
  if (raw === undefined || raw === '') {
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('PUBLIC_URL', `must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('PUBLIC_URL', `must use http or https, got "${url.protocol}"`);
  }
  if (url.search || url.hash) throw new ConfigError('PUBLIC_URL', 'must not carry a query or fragment');
  return url.toString().replace(/\/+$/, '');
}

const SECRET_FILE = 'secret.key';

/** SECRET_KEY from the environment, else the key kept in DATA_DIR (created on first start). */
function readSecretKeys(env: Env, dataDir: string): string[] {
  const raw = env.SECRET_KEY;
  if (raw !== undefined && raw !== '') {
    const keys = raw.split(',').map((key) => key.trim());
    for (const key of keys) {
      if (key.length < 32) throw new ConfigError('SECRET_KEY', 'must hold keys of at least 32 characters (comma-separated for rotation)');
    }
    return keys;
  }
  const path = join(dataDir, SECRET_FILE);
  try {
    return [readFileSync(path, 'utf8').trim()];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const generated = randomBytes(32).toString('hex');
  try {
    // 'wx' so two processes starting together cannot both write different keys.
    writeFileSync(path, `${generated}\n`, { mode: 0o600, flag: 'wx' });
    return [generated];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return [readFileSync(path, 'utf8').trim()];
    throw error;
  }
}

/** Reads and validates configuration; creates DATA_DIR. Throws ConfigError naming the bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const host = readString(env, 'HOST', '127.0.0.1');
  const port = readInteger(env, 'PORT', 8000, 0, 65535);
  const dataDirRaw = readString(env, 'DATA_DIR', './data');
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(process.cwd(), dataDirRaw);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new ConfigError('DATA_DIR', `cannot be created at ${dataDir}: ${(error as Error).message}`);
  }
  const logLevel = readString(env, 'LOG_LEVEL', 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  return {
    host,
    port,
    dataDir,
    publicUrl: readPublicUrl(env, host, port),
    secretKeys: readSecretKeys(env, dataDir),
    maxUploadBytes: readInteger(env, 'MAX_UPLOAD_BYTES', 25 * 1024 * 1024, 1, 2 ** 31 - 1),
    maxImagePixels: readInteger(env, 'MAX_IMAGE_PIXELS', 50_000_000, 1, 2 ** 40),
    logLevel,
    urlTtlSeconds: readInteger(env, 'URL_TTL_SECONDS', 3600, 60, 7 * 24 * 3600),
    authRateLimit: readInteger(env, 'AUTH_RATE_LIMIT', 20, 1, 1_000_000),
    authRateWindowSeconds: readInteger(env, 'AUTH_RATE_WINDOW_SECONDS', 60, 1, 86_400),
    trustProxy: readBoolean(env, 'TRUST_PROXY', false),
    requestTimeoutMs: readInteger(env, 'REQUEST_TIMEOUT_MS', 120_000, 1000, 3_600_000),
  };
}
