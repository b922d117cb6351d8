import type { Redis } from 'ioredis';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AccountAdmin } from './auth/admin.js';
import { DbAttemptCounter, FailureLimits, MemoryAttemptCounter, RedisAttemptCounter } from './auth/attempts.js';
import { AuthService } from './auth/service.js';
import { TokenIssuer } from './auth/tokens.js';
import { PasswordHasher } from './auth/passwords.js';
import { ApiKeys } from './auth/keys.js';
import { systemClock, type Clock } from './clock.js';
import { uploadDir, type Config } from './config.js';
import { migrate, openDatabase, type Db } from './db/database.js';
import { DbCounters } from './db/counters.js';
import { BlobLifecycle } from './images/blobs.js';
import { Albums } from './images/albums.js';
import { BulkActions } from './images/bulk.js';
import { ImageCatalog } from './images/catalog.js';
import { ImageListing } from './images/listing.js';
import { Shares } from './shares/shares.js';
import { PresetStore } from './images/presets.js';
import { Ingest } from './images/ingest.js';
import { Maintenance } from './images/maintenance.js';
import { IdempotencyKeys } from './images/idempotency.js';
import { ResumableUploads } from './images/resumable.js';
import { Dispatcher } from './events/dispatcher.js';
import { Outbox } from './events/outbox.js';
import { SecretBox } from './events/signing.js';
import { Webhooks } from './events/webhooks.js';
import { domainErrorResponse } from './http/errors.js';
import { UrlImport } from './images/url-import.js';
import { OutboundClient, systemResolver, type OutboundOptions, type Resolver } from './net/outbound.js';
import { VariantService } from './images/variants.js';
import { Metrics } from './metrics.js';
import { WorkLimiter } from './limiter.js';
import { FsStorage } from './storage/fs.js';
import type { Storage } from './storage/storage.js';

/** Everything the app, the command-line tool and the tools share, opened from one Config. */
export interface Services {
  db: Db;
  storage: Storage;
  /** Shared state of all instances (rate limits, login failures), when REDIS_URL is set. */
  redis: Redis | null;
  /** The same for the worker processes of one instance without Redis (WORKERS > 1); null: memory. */
  counters: DbCounters | null;
  auth: AuthService;
  keys: ApiKeys;
  admin: AccountAdmin;
  catalog: ImageCatalog;
  listing: ImageListing;
  shares: Shares;
  /** Each user's named variant presets. */
  presets: PresetStore;
  albums: Albums;
  bulk: BulkActions;
  blobs: BlobLifecycle;
  variants: VariantService;
  ingest: Ingest;
  /** Imports from URLs, through the guarded outbound client. */
  urlImport: UrlImport;
  idempotency: IdempotencyKeys;
  /** Resumable (tus) uploads. */
  uploads: ResumableUploads;
  webhooks: Webhooks;
  /** Delivers the outbox (started by the app, not by command-line tools). */
  dispatcher: Dispatcher;
  maintenance: Maintenance;
  metrics: Metrics;
  clock: Clock;
  /** Releases the database, storage and Redis connections. */
  close(): Promise<void>;
}

/** Replacements for tests (a fault-injecting storage, say). */
export interface ServiceOverrides {
  wrapStorage?: (storage: Storage) => Storage;
  /** The time the services see (expiry, retention); default the system clock. */
  clock?: Clock;
  /** How outbound calls resolve host names (tests answer without asking DNS). */
  resolver?: Resolver;
}

/** The configured storage: local files under DATA_DIR (default) or an S3-compatible bucket. */
export async function openStorage(config: Config): Promise<Storage> {
  // Loaded only when used: the AWS SDK is a tenth of a second of start-up that the embedded default does not need.
  if (config.storage.kind === 's3') return new (await import('./storage/s3.js')).S3Storage(config.storage);
  const storage = new FsStorage(join(config.dataDir, 'storage'));
  await storage.init();
  return storage;
}

/** The configured database: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR. */

/**
 * Opens the database (migrating it) and the storage, and wires the domain. No start-up cleaning:
 * the command-line tool uses this beside a running server.
 */
export async function openServices(config: Config, overrides: ServiceOverrides = {}): Promise<Services> {
  const tmpDir = uploadDir(config);
  await mkdir(tmpDir, { recursive: true });
  const opened = await openStorage(config);
  const storage = overrides.wrapStorage ? overrides.wrapStorage(opened) : opened;
  const db = openDatabase(config);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    storage.close?.();
    throw error;
  }
  // Fail fast when Redis is away: callers fall back (rate limits and login throttling fail open).
  const redis = config.redisUrl
    ? new (await import('ioredis')).Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 })
    : null;
  redis?.on('error', () => undefined); // logged by the app once its logger exists

  const failureWindowMs = config.loginFailureWindowSeconds * 1000;
  /** Counts in fixed windows, shared by every instance through Redis when there is one. */
  // Worker processes share no memory: without Redis they count in the database.
  const counters = !redis && config.workers > 1 ? new DbCounters(db) : null;
  const attemptCounter = (name: string, windowMs: number) =>
    redis
      ? new RedisAttemptCounter(redis, `${config.redisPrefix}${name}:`, windowMs)
      : counters
        ? new DbAttemptCounter(counters, `${name}:`, windowMs)
        : new MemoryAttemptCounter(windowMs);
  const attempts = attemptCounter('login-failures', failureWindowMs);
  const clock = overrides.clock ?? systemClock;
  const keys = new ApiKeys(db, clock);
  // One hasher (and so one semaphore) for account and share passwords alike.
  const passwords = new PasswordHasher(config.passwordHashConcurrency);
  const auth = new AuthService(
    db,
    new TokenIssuer(config.secretKeys[0]!),
    new FailureLimits(attempts, config.loginFailuresPerUser, config.loginFailuresPerAccount),
    passwords,
    keys,
  );

  // Variants and uploads queue separately: a burst of renders must not refuse uploads, nor the reverse.
  const queueWait = (queue: string) => (seconds: number) => metrics.queueWait.observe({ queue }, seconds);
  const renders = new WorkLimiter({
    concurrency: config.renderConcurrency,
    queueSize: config.renderQueue,
    perOwner: config.renderPerUser,
    perOwnerWaiting: config.renderPerUserWaiting,
    queueWaitSeconds: config.renderQueueWaitSeconds,
    onWait: queueWait('render'),
  });
  // Uploads wait rather than fail (no per-user cap: MAX_CONCURRENT_UPLOADS_PER_USER bounds them), in a fair order.
  const decodes = new WorkLimiter({ concurrency: config.renderConcurrency, queueSize: config.ingestQueue, onWait: queueWait('ingest') });
  const metrics: Metrics = new Metrics({ render: renders, ingest: decodes }, config.metricsKeyLabel);

  const variants = new VariantService(db, storage, renders, {
    maxDimension: config.maxVariantDimension,
    cacheBytes: config.variantCacheBytes,
    timeoutSeconds: config.renderTimeoutSeconds,
    maxPixels: config.maxImagePixels,
    maxOutputPixels: config.maxOutputPixels,
    maxEnlargement: config.maxEnlargement,
  });
  const blobs = new BlobLifecycle(db, storage, variants);
  const outbox = new Outbox(clock);
  const catalog = new ImageCatalog(db, blobs, { bytes: config.quotaBytes, images: config.quotaImages }, clock, outbox);
  const albums = new Albums(db, catalog, clock, outbox);
  const listing = new ImageListing(db, catalog, clock);
  // Share passwords are throttled like logins: per address and share, and per share from everywhere.
  const shareFailures = attemptCounter('share-password-failures', failureWindowMs);
  const presets = new PresetStore(db);
  const shares = new Shares(db, catalog, albums, {
    passwords,
    failures: new FailureLimits(shareFailures, config.loginFailuresPerUser, config.loginFailuresPerAccount),
    secret: config.secretKeys[0]!,
    presetNames: config.presets.map((preset) => preset.name),
    presets,
    clock,
    outbox,
  });
  const ingest = new Ingest({
    tmpDir,
    maxUploadBytes: config.maxUploadBytes,
    maxPixels: config.maxImagePixels,
    maxSide: config.maxImageSide,
    maxFrames: config.maxFrames,
    maxTotalPixels: config.maxTotalPixels,
    keepMetadata: config.keepMetadata,
    exposeLocation: config.exposeLocation,
    timeoutSeconds: config.renderTimeoutSeconds,
    limiter: decodes,
  });
  // Every call to an address a user gave goes through the same guard; URL imports and webhooks differ in limits only.
  const outboundClient = (
    limits: Pick<OutboundOptions, 'connectTimeoutMs' | 'firstByteTimeoutMs' | 'totalTimeoutMs' | 'maxRedirects'>,
    product: string,
  ) =>
    new OutboundClient({
      ...limits,
      rules: { allow: config.outbound.allow, deny: config.outbound.deny },
      ports: config.outbound.ports,
      resolver: overrides.resolver ?? systemResolver,
      userAgent: `${product} (+${config.publicUrl})`,
    });
  const outbound = outboundClient({ ...config.outbound, maxRedirects: 5 }, `image-api/${process.env.npm_package_version ?? '0'}`);
  // Webhook calls: a 10-second limit for the whole exchange, no redirects followed.
  const hookClient = outboundClient(
    {
      connectTimeoutMs: Math.min(5000, config.outbound.connectTimeoutMs),
      firstByteTimeoutMs: 10_000,
      totalTimeoutMs: 10_000,
      maxRedirects: 0,
    },
    'image-api-webhooks',
  );
  const hourMs = 3600 * 1000;
  const box = new SecretBox(config.secretKeys);
  const webhooks = new Webhooks(db, outbox, box, hookClient, clock);
  const dispatcher = new Dispatcher(db, hookClient, box, clock, {
    pollMs: config.webhooks.pollMs,
    batch: 20,
    retryBaseMs: config.webhooks.retryBaseMs,
    retryWindowMs: config.webhooks.retryWindowMs,
    failuresToDisable: config.webhooks.failuresToDisable,
    lockMs: config.webhooks.claimMs,
  });
  const urlImport = new UrlImport(outbound, ingest, {
    maxBytes: config.maxUploadBytes,
    perUserPerHour: config.urlFetchesPerHour,
    counter: attemptCounter('url-fetches', hourMs),
  });
  const idempotency = new IdempotencyKeys(db, clock, 2 * config.requestTimeoutMs);
  const uploads = new ResumableUploads(db, storage, ingest, catalog, albums, clock, {
    tmpDir,
    maxBytes: config.maxResumableUploadBytes,
    expiryMs: config.uploadExpiryHours * 3600 * 1000,
    maxOpenPerUser: 100,
    staleFinishMs: 2 * config.requestTimeoutMs,
    describeError: (error) => {
      const { statusCode, body } = domainErrorResponse(error);
      return { status: statusCode, body };
    },
  });
  const maintenance = new Maintenance(db, storage, blobs, variants, uploads, { tmpDir, staleAfterMs: 2 * config.requestTimeoutMs });
  return {
    db,
    storage,
    redis,
    counters,
    auth,
    keys,
    admin: new AccountAdmin(db, auth, catalog),
    catalog,
    listing,
    shares,
    presets,
    albums,
    bulk: new BulkActions(db, catalog, albums),
    blobs,
    variants,
    ingest,
    urlImport,
    idempotency,
    uploads,
    webhooks,
    dispatcher,
    maintenance,
    metrics,
    clock,
    async close() {
      await dispatcher.stop();
      await variants.settled();
      await shares.close();
      await db.close();
      storage.close?.();
      redis?.disconnect();
    },
  };
}
