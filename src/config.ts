import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { ruleProblem } from './net/address-policy.js';
import { REQUESTED_FORMATS, type RequestedFormat } from './processing/formats.js';
import { FITS, type Fit } from './processing/geometry.js';

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
  /** Longest side of an accepted image: extreme shapes cost memory out of proportion to their pixels. */
  maxImageSide: number;
  logLevel: LogLevel;
  /** Lifetime of signed media links. */
  urlTtlSeconds: number;
  /** Cache-Control max-age of a share's stable URLs (the current content). */
  publicStableMaxAge: number;
  /** Cache-Control max-age of a share's immutable URLs (capped at the share's expiry). */
  publicImmutableMaxAge: number;
  /** Requests per window and client address on /register/ and /api-token-auth/. */
  authRateLimit: number;
  authRateWindowSeconds: number;
  /** Failed logins per account and client address within LOGIN_FAILURE_WINDOW_SECONDS before that pair gets 429. */
  loginFailuresPerUser: number;
  loginFailureWindowSeconds: number;
  /** Uploads one user may have in progress at once on one instance. */
  maxConcurrentUploadsPerUser: number;
  /**
   * Which peers may tell the client's address in X-Forwarded-For: false (none), a hop count (the
   * nearest N proxies), or the proxies' addresses and CIDR ranges. Never "every hop".
   */
  trustProxy: false | number | string[];
  requestTimeoutMs: number;
  /** A client must have sent all request headers within this time. */
  headersTimeoutMs: number;
  /** Keep EXIF/XMP/IPTC in stored originals (off: they are removed, losslessly where the format allows). */
  keepMetadata: boolean;
  /** Include the GPS position in the owner's metadata summary. */
  exposeLocation: boolean;
  maxFrames: number;
  /** Width × height × frames, for animations. */
  maxTotalPixels: number;
  /** Largest width or height of a rendered variant. */
  maxVariantDimension: number;
  presets: VariantPreset[];
  variantCacheBytes: number;
  renderConcurrency: number;
  renderQueue: number;
  /** Renders of one owner's images running or in the shared queue at once; further ones wait in the owner's own line. */
  renderPerUser: number;
  /** Renders of one owner's images that may wait in the owner's own line; beyond, 429. */
  renderPerUserWaiting: number;
  /** Longest a render may wait for a slot before it is answered 503. */
  renderQueueWaitSeconds: number;
  /** Largest width × height × frames of a variant (weighted by its encoder's cost, see processing/cost.ts). */
  maxOutputPixels: number;
  /** Largest factor by which a variant may enlarge its source (with enlarge=true). */
  maxEnlargement: number;
  /** Password hashes (scrypt) computed at once per process; more wait. */
  passwordHashConcurrency: number;
  /** libuv's thread pool, sized above the image and password work that can hold its threads. */
  threadPoolSize: number;
  /** Server processes sharing the port (node:cluster); 1: this process serves alone. */
  workers: number;
  /** Uploads waiting for their decode; they wait rather than fail, up to this many. */
  ingestQueue: number;
  renderTimeoutSeconds: number;
  /** 0 means unlimited. */
  quotaBytes: number;
  quotaImages: number;
  /** Images stay in the trash this long before they are deleted for good. */
  trashRetentionDays: number;
  /** PostgreSQL connection string; null: SQLite in DATA_DIR. */
  databaseUrl: string | null;
  storage: StorageConfig;
  /** Who sends stored bytes once the service has authorised them: the process, nginx (X-Accel-Redirect), or S3 (a presigned redirect). */
  delivery: { kind: 'direct' } | { kind: 'nginx'; prefix: string } | { kind: 'redirect'; seconds: number };
  /** Bytes of small stored objects each process keeps in memory for the bytes it sends itself (0: none). */
  deliveryMemoryCacheBytes: number;
  /** Redis for state shared by instances (rate-limit counters); null: in-process. */
  redisUrl: string | null;
  /** Prefix of every Redis key, so that deployments can share one Redis. */
  redisPrefix: string;
  /** Origins allowed to call the API from a browser (CORS); empty: none. */
  corsOrigins: string[];
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** Serve /metrics to anyone (only behind a network that keeps it private); off: only with METRICS_TOKEN. */
  metricsPublic: boolean;
  /** Count requests by API key id too (a label per key: only for a bounded number of keys). */
  metricsKeyLabel: boolean;
  /** Failed logins per account from all addresses within the window before its logins get 429. */
  loginFailuresPerAccount: number;
  /** Calls out to user-given URLs: ranges and hosts opened (allow) and closed (deny) besides the built-in table. */
  outbound: {
    allow: string[];
    deny: string[];
    /** Ports allowed besides 80 and 443 for hosts not opened by OUTBOUND_ALLOW. */
    ports: number[];
    connectTimeoutMs: number;
    firstByteTimeoutMs: number;
    totalTimeoutMs: number;
  };
  /** URL imports one user may start per hour. */
  urlFetchesPerHour: number;
  /** File parts one multipart upload request may carry. */
  maxFilesPerRequest: number;
  /** Declared length of one upload request (all its files); larger ones are refused before any byte is read. */
  maxUploadRequestBytes: number;
  /** Largest file accepted through resumable (tus) uploads. */
  maxResumableUploadBytes: number;
  /** Unfinished resumable uploads are removed this long after they were created. */
  uploadExpiryHours: number;
  webhooks: {
    /** Failed delivery attempts in a row after which a hook is disabled. */
    failuresToDisable: number;
    /** The first retry's wait; each next one doubles (with jitter), at most an hour. */
    retryBaseMs: number;
    /** A delivery that still fails this long after its event is given up. */
    retryWindowMs: number;
    /** How often each instance looks for due deliveries. */
    pollMs: number;
    /** A delivery claimed by an instance that died is taken over after this long. */
    claimMs: number;
  };
}

export type StorageConfig =
  | { kind: 'fs' }
  | {
      kind: 's3';
      bucket: string;
      endpoint: string | null;
      /** The endpoint browsers reach, for presigned URLs (DELIVERY=redirect); null: the same as endpoint. */
      publicEndpoint: string | null;
      region: string;
      forcePathStyle: boolean;
      /** Null: the AWS SDK's default chain (instance roles, profiles). */
      credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | null;
    };

function readUrl(env: Env, name: string, protocols: readonly string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a URL');
  }
  if (!protocols.includes(url.protocol)) throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  return raw;
}

function readOrigins(env: Env): string[] {
  return readList(env, 'CORS_ORIGINS').map((trimmed) => {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new ConfigError('CORS_ORIGINS', `holds "${trimmed}", which is not an origin like https://app.example.com`);
    }
    if (url.origin !== trimmed.replace(/\/$/, ''))
      throw new ConfigError('CORS_ORIGINS', `holds "${trimmed}": give origins only (scheme, host, port)`);
    return url.origin;
  });
}

function readStorage(env: Env): StorageConfig {
  const kind = readString(env, 'STORAGE', 'fs');
  if (kind === 'fs') return { kind };
  if (kind !== 's3') throw new ConfigError('STORAGE', `must be fs or s3, got "${kind}"`);
  const bucket = readString(env, 'S3_BUCKET', '');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new ConfigError('S3_BUCKET', 'must name a bucket (3-63 lowercase letters, digits, dots, hyphens) when STORAGE=s3');
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey))
    throw new ConfigError(accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID', 'must be set together with its pair');
  return {
    kind,
    bucket,
    endpoint: readUrl(env, 'S3_ENDPOINT', ['http:', 'https:']),
    publicEndpoint: readUrl(env, 'S3_PUBLIC_ENDPOINT', ['http:', 'https:']),
    region: readString(env, 'S3_REGION', 'us-east-1'),
    forcePathStyle: readBoolean(env, 'S3_FORCE_PATH_STYLE', false),
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
        : null,
  };
}

export interface VariantPreset {
  name: string;
  width?: number;
  height?: number;
  fit: Fit;
  format: RequestedFormat;
  quality?: number;
}

const DEFAULT_PRESETS = 'thumb=200x200:cover,small=480,medium=1024,large=2048';

/** "name=W[xH][:fit][:format][:qN]", comma-separated; W or H may be empty ("x300"). */
export function parsePresets(raw: string): VariantPreset[] {
  const presets: VariantPreset[] = [];
  for (const item of raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^([a-z][a-z0-9_-]{0,31})=(\d*)(?:x(\d*))?((?::[a-z0-9]+)*)$/.exec(item);
    if (!match) throw new ConfigError('VARIANT_PRESETS', `cannot read "${item}" (expected name=W[xH][:fit][:format][:qN])`);
    const [, name, width, height, options] = match;
    const preset: VariantPreset = { name: name!, fit: 'inside', format: 'auto' };
    if (width) preset.width = Number(width);
    if (height) preset.height = Number(height);
    if (!preset.width && !preset.height) throw new ConfigError('VARIANT_PRESETS', `"${item}" needs a width or a height`);
    for (const option of (options ?? '').split(':').filter(Boolean)) {
      if ((FITS as readonly string[]).includes(option)) preset.fit = option as Fit;
      else if ((REQUESTED_FORMATS as readonly string[]).includes(option)) preset.format = option as RequestedFormat;
      else if (/^q\d{1,3}$/.test(option) && Number(option.slice(1)) >= 1 && Number(option.slice(1)) <= 100)
        preset.quality = Number(option.slice(1));
      else throw new ConfigError('VARIANT_PRESETS', `unknown option "${option}" in "${item}"`);
    }
    // Share URLs name the original and its download where a preset name goes.
    if (preset.name === 'original' || preset.name === 'download')
      throw new ConfigError('VARIANT_PRESETS', `"${preset.name}" is a reserved name`);
    if (presets.some((existing) => existing.name === preset.name))
      throw new ConfigError('VARIANT_PRESETS', `"${preset.name}" is defined twice`);
    presets.push(preset);
  }
  return presets;
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

/**
 * TRUST_PROXY: unset or false, a hop count, or addresses/CIDRs. `true` (trust every hop) is refused:
 * with it any client chooses its own address by sending X-Forwarded-For.
 */
function readTrustProxy(env: Env): false | number | string[] {
  const raw = readString(env, 'TRUST_PROXY', 'false').trim();
  if (/^(false|0|no|off)$/i.test(raw)) return false;
  if (/^(true|yes|on)$/i.test(raw)) {
    throw new ConfigError(
      'TRUST_PROXY',
      'must not be true: trusting every hop lets any client choose its address with X-Forwarded-For. ' +
        'Give the number of proxies in front of the service (e.g. 1) or their addresses (e.g. 127.0.0.1/32,10.0.0.0/8)',
    );
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops < 1 || hops > 10) throw new ConfigError('TRUST_PROXY', `must be a hop count from 1 to 10, got ${raw}`);
    return hops;
  }
  return raw.split(',').map((part) => {
    const entry = part.trim();
    const valid = entry.includes('/') ? ipaddr.isValidCIDR(entry) : ipaddr.isValid(entry);
    if (!valid) throw new ConfigError('TRUST_PROXY', `holds "${entry}", which is neither an address nor a CIDR range (e.g. 127.0.0.1/32)`);
    return entry;
  });
}

/** A comma-separated list, each entry trimmed; unset or empty: none. */
function readList(env: Env, name: string): string[] {
  const raw = readString(env, name, '').trim();
  return raw === '' ? [] : raw.split(',').map((part) => part.trim());
}

function readRules(env: Env, name: string): string[] {
  return readList(env, name).map((entry) => {
    const problem = ruleProblem(entry);
    if (problem) throw new ConfigError(name, `holds ${problem} (give CIDRs, addresses or host names, comma-separated)`);
    return entry;
  });
}

function readPorts(env: Env): number[] {
  return readList(env, 'OUTBOUND_PORTS').map((entry) => {
    const port = Number(entry);
    if (!/^\d+$/.test(entry) || port < 1 || port > 65535) throw new ConfigError('OUTBOUND_PORTS', `holds "${entry}", which is not a port`);
    return port;
  });
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

export const SECRET_FILE = 'secret.key';

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

/**
 * libuv's pool serves file I/O, DNS, crypto and zlib, and sharp runs each image job on one of its
 * threads for the job's whole duration. With the default 4 threads, four renders starved file
 * delivery (an 8 ms original took 18 s): the pool holds every render and upload-decoding slot, the
 * password hashes, and 4 threads more for everything else. UV_THREADPOOL_SIZE may only raise it.
 */
function threadPoolSize(env: Env, renderConcurrency: number, passwordHashConcurrency: number): number {
  const needed = 2 * renderConcurrency + passwordHashConcurrency + 4;
  return Math.min(1024, Math.max(needed, readInteger(env, 'UV_THREADPOOL_SIZE', needed, 1, 1024)));
}

/** WORKERS: a count, or `auto`: one per core, on SQLite as on PostgreSQL (see docs/decisions.md). */
function readWorkers(env: Env): number {
  const raw = env.WORKERS?.trim();
  if (raw === undefined || raw === '' || raw.toLowerCase() === 'auto') return Math.min(64, availableParallelism());
  return readInteger(env, 'WORKERS', 1, 1, 64);
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
  const workers = readWorkers(env);
  // The cores are shared by the workers: each renders its share of them at once.
  const renderConcurrency = readInteger(env, 'RENDER_CONCURRENCY', Math.max(1, Math.floor(availableParallelism() / workers)), 1, 256);
  const passwordHashConcurrency = readInteger(env, 'PASSWORD_HASH_CONCURRENCY', 1, 1, 64);
  const logLevel = readString(env, 'LOG_LEVEL', 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const storage = readStorage(env);
  const deliveryKind = readString(env, 'DELIVERY', 'direct');
  if (deliveryKind !== 'direct' && deliveryKind !== 'nginx' && deliveryKind !== 'redirect')
    throw new ConfigError('DELIVERY', `must be direct, nginx or redirect, got "${deliveryKind}"`);
  if (deliveryKind === 'redirect' && storage.kind !== 's3')
    throw new ConfigError('DELIVERY', 'redirect needs STORAGE=s3 (clients are sent to presigned URLs of the bucket)');
  const redirectSeconds = readInteger(env, 'DELIVERY_REDIRECT_SECONDS', 300, 10, 86_400);
  if (deliveryKind === 'nginx' && storage.kind !== 'fs')
    throw new ConfigError('DELIVERY', 'nginx needs STORAGE=fs (nginx reads the files)');
  const nginxPrefix = readString(env, 'NGINX_INTERNAL_LOCATION', '/_image-api-files/');
  if (!/^\/[A-Za-z0-9_\-/]*\/$/.test(nginxPrefix))
    throw new ConfigError('NGINX_INTERNAL_LOCATION', `must be a path ending in /, got "${nginxPrefix}"`);

  const maxUploadBytes = readInteger(env, 'MAX_UPLOAD_BYTES', 25 * 1024 * 1024, 1, 2 ** 31 - 1);
  const maxResumableUploadBytes = readInteger(env, 'MAX_RESUMABLE_UPLOAD_BYTES', maxUploadBytes, 1, 2 ** 40);
  const maxUploadRequestBytes = readInteger(env, 'MAX_UPLOAD_REQUEST_BYTES', 4 * maxUploadBytes, 1, 2 ** 40);
  if (maxUploadRequestBytes < maxUploadBytes)
    throw new ConfigError('MAX_UPLOAD_REQUEST_BYTES', `must be at least MAX_UPLOAD_BYTES (${maxUploadBytes})`);
  if (maxResumableUploadBytes < maxUploadBytes)
    throw new ConfigError('MAX_RESUMABLE_UPLOAD_BYTES', `must be at least MAX_UPLOAD_BYTES (${maxUploadBytes})`);

  return {
    host,
    port,
    dataDir,
    publicUrl: readPublicUrl(env, host, port),
    secretKeys: readSecretKeys(env, dataDir),
    maxUploadBytes,
    maxImagePixels: readInteger(env, 'MAX_IMAGE_PIXELS', 50_000_000, 1, 2 ** 40),
    maxImageSide: readInteger(env, 'MAX_IMAGE_SIDE', 25_000, 1, 1_000_000),
    logLevel,
    urlTtlSeconds: readInteger(env, 'URL_TTL_SECONDS', 3600, 60, 7 * 24 * 3600),
    publicStableMaxAge: readInteger(env, 'PUBLIC_STABLE_MAX_AGE', 300, 0, 31_536_000),
    publicImmutableMaxAge: readInteger(env, 'PUBLIC_IMMUTABLE_MAX_AGE', 31_536_000, 0, 31_536_000),
    authRateLimit: readInteger(env, 'AUTH_RATE_LIMIT', 20, 1, 1_000_000),
    authRateWindowSeconds: readInteger(env, 'AUTH_RATE_WINDOW_SECONDS', 60, 1, 86_400),
    loginFailuresPerUser: readInteger(env, 'LOGIN_FAILURES_PER_USER', 10, 1, 1_000_000),
    loginFailureWindowSeconds: readInteger(env, 'LOGIN_FAILURE_WINDOW_SECONDS', 900, 1, 86_400),
    maxConcurrentUploadsPerUser: readInteger(env, 'MAX_CONCURRENT_UPLOADS_PER_USER', 16, 1, 10_000),
    trustProxy: readTrustProxy(env),
    requestTimeoutMs: readInteger(env, 'REQUEST_TIMEOUT_MS', 120_000, 1000, 3_600_000),
    headersTimeoutMs: readInteger(env, 'HEADERS_TIMEOUT_MS', 15_000, 1000, 300_000),
    keepMetadata: readBoolean(env, 'KEEP_METADATA', false),
    exposeLocation: readBoolean(env, 'EXPOSE_LOCATION', false),
    maxFrames: readInteger(env, 'MAX_FRAMES', 500, 1, 100_000),
    maxTotalPixels: readInteger(env, 'MAX_TOTAL_PIXELS', 500_000_000, 1, 2 ** 42),
    maxVariantDimension: readInteger(env, 'MAX_VARIANT_DIMENSION', 4096, 16, 16_384),
    presets: parsePresets(readString(env, 'VARIANT_PRESETS', DEFAULT_PRESETS)),
    variantCacheBytes: readInteger(env, 'VARIANT_CACHE_BYTES', 1024 ** 3, 0, 2 ** 50),
    renderConcurrency,
    renderQueue: readInteger(env, 'RENDER_QUEUE', 32, 0, 100_000),
    renderPerUser: readInteger(env, 'RENDER_PER_USER', 2, 1, 1000),
    renderPerUserWaiting: readInteger(env, 'RENDER_PER_USER_WAITING', 64, 0, 100_000),
    renderQueueWaitSeconds: readInteger(env, 'RENDER_QUEUE_WAIT_SECONDS', 10, 1, 3600),
    maxOutputPixels: readInteger(env, 'MAX_OUTPUT_PIXELS', 64_000_000, 1, 2 ** 40),
    maxEnlargement: readInteger(env, 'MAX_ENLARGEMENT', 4, 1, 100),
    passwordHashConcurrency,
    threadPoolSize: threadPoolSize(env, renderConcurrency, passwordHashConcurrency),
    workers,
    ingestQueue: readInteger(env, 'INGEST_QUEUE', 256, 0, 100_000),
    renderTimeoutSeconds: readInteger(env, 'RENDER_TIMEOUT_SECONDS', 30, 1, 3600),
    quotaBytes: readInteger(env, 'QUOTA_BYTES', 0, 0, 2 ** 50),
    quotaImages: readInteger(env, 'QUOTA_IMAGES', 0, 0, 2 ** 31),
    trashRetentionDays: readInteger(env, 'TRASH_RETENTION_DAYS', 30, 0, 3650),
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    storage,
    delivery:
      deliveryKind === 'nginx'
        ? { kind: 'nginx', prefix: nginxPrefix }
        : deliveryKind === 'redirect'
          ? { kind: 'redirect', seconds: redirectSeconds }
          : { kind: 'direct' },
    deliveryMemoryCacheBytes: readInteger(env, 'DELIVERY_MEMORY_CACHE_MB', 64, 0, 65_536) * 1024 * 1024,
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: readString(env, 'REDIS_PREFIX', 'image-api:'),
    corsOrigins: readOrigins(env),
    metricsToken: readString(env, 'METRICS_TOKEN', '') || null,
    metricsPublic: readBoolean(env, 'METRICS_PUBLIC', false),
    metricsKeyLabel: readBoolean(env, 'METRICS_KEY_LABEL', false),
    loginFailuresPerAccount: readInteger(env, 'LOGIN_FAILURES_PER_ACCOUNT', 100, 1, 10_000_000),
    outbound: {
      allow: readRules(env, 'OUTBOUND_ALLOW'),
      deny: readRules(env, 'OUTBOUND_DENY'),
      ports: readPorts(env),
      connectTimeoutMs: readInteger(env, 'OUTBOUND_CONNECT_TIMEOUT_SECONDS', 5, 1, 60) * 1000,
      firstByteTimeoutMs: readInteger(env, 'OUTBOUND_FIRST_BYTE_TIMEOUT_SECONDS', 15, 1, 300) * 1000,
      totalTimeoutMs: readInteger(env, 'OUTBOUND_TIMEOUT_SECONDS', 60, 1, 3600) * 1000,
    },
    urlFetchesPerHour: readInteger(env, 'URL_FETCHES_PER_HOUR', 100, 1, 1_000_000),
    maxFilesPerRequest: readInteger(env, 'MAX_FILES_PER_REQUEST', 20, 1, 1000),
    maxUploadRequestBytes,
    maxResumableUploadBytes,
    uploadExpiryHours: readInteger(env, 'UPLOAD_EXPIRY_HOURS', 24, 1, 24 * 30),
    webhooks: {
      failuresToDisable: readInteger(env, 'WEBHOOK_FAILURES_TO_DISABLE', 50, 1, 100_000),
      retryBaseMs: readInteger(env, 'WEBHOOK_RETRY_BASE_MS', 10_000, 10, 3_600_000),
      retryWindowMs: readInteger(env, 'WEBHOOK_RETRY_WINDOW_HOURS', 24, 1, 24 * 7) * 3600 * 1000,
      pollMs: readInteger(env, 'WEBHOOK_POLL_MS', 250, 10, 60_000),
      claimMs: readInteger(env, 'WEBHOOK_CLAIM_SECONDS', 60, 1, 3600) * 1000,
    },
  };
}

/** Where uploads are received before they are stored (local even with object storage: sharp needs random access). */
export function uploadDir(config: Config): string {
  return join(config.dataDir, 'tmp');
}
