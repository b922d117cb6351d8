import cors from '@fastify/cors';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import secureJsonParse from 'secure-json-parse';
import { AuthService } from './auth/service.js';
import { TokenIssuer } from './auth/tokens.js';
import { AccountAdmin } from './auth/admin.js';
import { MemoryAttemptCounter, RedisAttemptCounter } from './auth/attempts.js';
import type { Config } from './config.js';
import { migrate, openPostgres, openSqlite, type Db } from './db/database.js';
import { ApiError } from './errors.js';
import { registerErrorHandling } from './http/errors.js';
import { Metrics, registerMetrics } from './http/metrics.js';
import { ImagePresenter } from './http/present.js';
import { ImageService } from './images/service.js';
import { VariantService } from './images/variants.js';
import { RenderLimiter } from './processing/limiter.js';
import { MediaSigner } from './media/signing.js';
import { accountRoutes } from './routes/accounts.js';
import { healthRoutes } from './routes/health.js';
import { imageRoutes } from './routes/images.js';
import { mediaRoutes } from './routes/media.js';
import { meRoutes } from './routes/me.js';
import { adminRoutes } from './routes/admin.js';
import { webRoutes } from './routes/web.js';
import { loadWebApp } from './http/web-assets.js';
import { multipartImageBody } from './routes/schemas.js';
import { FsStorage } from './storage/fs.js';
import { S3Storage } from './storage/s3.js';
import { Redis } from 'ioredis';
import type { Storage } from './storage/storage.js';

const JSON_BODY_LIMIT = 64 * 1024;
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

export interface AppServices {
  db: Db;
  storage: Storage;
  auth: AuthService;
  images: ImageService;
  metrics: Metrics;
  /** Shared state of all instances (rate limits, login failures), when REDIS_URL is set. */
  redis: Redis | null;
  admin: AccountAdmin;
}

/** The configured storage: local files under DATA_DIR (default) or an S3-compatible bucket. */
export async function openStorage(config: Config): Promise<Storage> {
  if (config.storage.kind === 's3') return new S3Storage(config.storage);
  const storage = new FsStorage(join(config.dataDir, 'storage'));
  await storage.init();
  return storage;
}

/** The configured database: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR. */
export function openDatabase(config: Config, onIdleError: (error: Error) => void = () => undefined): Db {
  return config.databaseUrl ? openPostgres(config.databaseUrl, { onIdleError }) : openSqlite(config.dataDir);
}

/** Replacements for tests (a fault-injecting storage, say). */
export interface AppOverrides {
  wrapStorage?: (storage: Storage) => Storage;
  /** Where the built browser app is (default: dist/web/). */
  webDir?: string;
}

/**
 * Opens the database (migrating it) and the storage, and wires the domain services. No start-up
 * cleaning: the command-line tool uses this beside a running server.
 */
export async function openServices(config: Config, overrides: AppOverrides = {}): Promise<AppServices> {
  // Temporary upload files stay local even with object storage: sharp needs random access to them.
  const tmpDir = join(config.dataDir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const opened = await openStorage(config);
  const storage = overrides.wrapStorage ? overrides.wrapStorage(opened) : opened;
  const db = openDatabase(config);
  await migrate(db);
  // Fail fast when Redis is away: callers fall back (rate limits and login throttling fail open).
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 })
    : null;
  redis?.on('error', () => undefined); // logged once the app's logger exists
  const failureWindowMs = config.loginFailureWindowSeconds * 1000;
  const attempts = redis
    ? new RedisAttemptCounter(redis, `${config.redisPrefix}login-failures:`, failureWindowMs)
    : new MemoryAttemptCounter(failureWindowMs);
  const auth = new AuthService(db, new TokenIssuer(config.secretKeys[0]!), { attempts, maxFailures: config.loginFailuresPerUser });
  // Variants and uploads queue separately: a burst of renders must not refuse uploads, nor the reverse.
  const queueWait = (queue: string) => (seconds: number) => metrics.queueWait.observe({ queue }, seconds);
  const renders = new RenderLimiter(config.renderConcurrency, config.renderQueue, queueWait('render'));
  const ingests = new RenderLimiter(config.renderConcurrency, config.ingestQueue, queueWait('ingest'));
  const metrics: Metrics = new Metrics({ render: renders, ingest: ingests });
  const variants = new VariantService(db, storage, renders, {
    maxDimension: config.maxVariantDimension,
    cacheBytes: config.variantCacheBytes,
    timeoutSeconds: config.renderTimeoutSeconds,
    maxPixels: config.maxImagePixels,
  });
  const images = new ImageService(
    db,
    storage,
    variants,
    {
      tmpDir,
      staleAfterMs: 2 * config.requestTimeoutMs,
      maxUploadBytes: config.maxUploadBytes,
      maxPixels: config.maxImagePixels,
      maxSide: config.maxImageSide,
      maxFrames: config.maxFrames,
      maxTotalPixels: config.maxTotalPixels,
      keepMetadata: config.keepMetadata,
      exposeLocation: config.exposeLocation,
      timeoutSeconds: config.renderTimeoutSeconds,
      limiter: ingests,
    },
    { bytes: config.quotaBytes, images: config.quotaImages },
  );
  return { db, storage, auth, images, metrics, redis, admin: new AccountAdmin(db, auth, images) };
}

function redactSignature(url: string): string {
  return url.replace(/([?&]sig=)[^&]*/g, '$1[redacted]');
}

export interface BuiltApp {
  app: FastifyInstance;
  services: AppServices;
}

/** Builds the Fastify app from configuration: plugins, then routes. Call app.close() to release everything. */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<BuiltApp> {
  // Uploads in progress when a previous process stopped: nobody will finish them.
  await rm(join(config.dataDir, 'tmp'), { recursive: true, force: true });
  const services = await openServices(config, overrides);
  const { db, auth, images, storage } = services;
  const signer = new MediaSigner(config.secretKeys, config.urlTtlSeconds);
  const presenter = new ImagePresenter(config.publicUrl, signer, config.presets);

  const app = Fastify({
    logger: {
      level: config.logLevel,
      // @fastify/multipart logs the request headers at trace level: redact wherever they show up.
      redact: ['req.headers.authorization', 'headers.authorization', '*.headers.authorization', 'busboyOptions.headers.cookie'],
      // A signed link is a credential until it expires: keep its signature out of the logs.
      serializers: {
        req: (request) => ({ method: request.method, url: redactSignature(request.url), remoteAddress: request.ip }),
      },
    },
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    trustProxy: config.trustProxy,
    bodyLimit: JSON_BODY_LIMIT,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    // Node checks these timeouts every connectionsCheckingInterval (30 s by default): check every second.
    http: { headersTimeout: config.headersTimeoutMs, connectionsCheckingInterval: 1_000 },
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 200 },
    ajv: { customOptions: { allErrors: true } },
  });

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    // While shutting down, connections end with their response instead of idling until the keep-alive timeout.
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  registerErrorHandling(app);
  registerMetrics(app, services.metrics, config.metricsToken);

  // Only JSON, urlencoded forms and multipart are bodies this API understands; anything else is 415.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, {});
    try {
      done(null, secureJsonParse.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }));
    } catch (error) {
      done(new ApiError(400, { detail: `JSON parse error - ${(error as Error).message}` }), undefined);
    }
  });
  // Closed unless origins are configured: without CORS headers, browsers keep other sites' pages out.
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      exposedHeaders: ['Link', 'X-Request-Id'],
      maxAge: 600,
    });
  }
  await app.register(formbody, { bodyLimit: JSON_BODY_LIMIT });
  await app.register(multipart, {
    limits: {
      // One byte over the limit, so that crossing it is seen (and refused) rather than silently truncated.
      fileSize: config.maxUploadBytes + 1,
      files: 5,
      parts: 50,
      fields: 20,
      fieldSize: 64 * 1024,
      headerPairs: 100,
    },
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // Deployments on plain http (the default) must still load /docs.
        upgradeInsecureRequests: null,
      },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
    // HSTS means something only to a client that reached us over https.
    strictTransportSecurity: config.publicUrl.startsWith('https:'),
  });
  // With REDIS_URL the counters are shared by every instance; if Redis fails, requests pass (fail open).
  const { redis } = services;
  redis?.on('error', (error) => app.log.warn({ err: error }, 'redis unavailable'));
  await app.register(rateLimit, {
    global: false,
    ...(redis ? { redis, nameSpace: `${config.redisPrefix}rate-limit:`, skipOnError: true } : {}),
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, { detail: `Request was throttled. Expected available in ${Math.ceil(context.ttl / 1000)} seconds.` }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'image-api',
        version: '0.1.0',
        description: 'Self-hosted image management. Authenticate with `Authorization: Token <key>` (or `Bearer <key>`).',
      },
      servers: [{ url: config.publicUrl }],
      components: { securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Token <key>`' } } },
      tags: [
        { name: 'accounts', description: 'Registration and API tokens' },
        { name: 'images', description: "The caller's images" },
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'admin', description: 'Operators only: accounts of admin users' },
        { name: 'meta', description: 'The API root and the web app' },
      ],
    },
    transform: ({ schema, url }) => {
      const consumes = (schema as { consumes?: string[] } | undefined)?.consumes;
      return { schema: consumes?.includes('multipart/form-data') ? { ...schema, body: multipartImageBody } : schema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { db, storage });
  await app.register(accountRoutes, { auth, rateLimit: { max: config.authRateLimit, timeWindow: config.authRateWindowSeconds * 1000 } });
  await app.register(imageRoutes, {
    auth,
    images,
    presenter,
    maxUploadBytes: config.maxUploadBytes,
    maxConcurrentUploadsPerUser: config.maxConcurrentUploadsPerUser,
    presets: config.presets,
    metrics: services.metrics,
  });
  await app.register(mediaRoutes, { images, signer });
  await app.register(meRoutes, { auth, images, admin: services.admin, maxUploadBytes: config.maxUploadBytes });
  await app.register(adminRoutes, { auth, admin: services.admin });
  await app.register(webRoutes, { web: await loadWebApp(overrides.webDir), publicUrl: config.publicUrl });

  const sweep = async () => {
    try {
      const report = await images.sweep();
      if (Object.values(report).some((count) => count > 0)) app.log.info(report, 'storage sweep');
    } catch (error) {
      app.log.error({ err: error }, 'storage sweep failed');
    }
  };
  await images.forgetDeadUploads();
  await sweep();
  const sweepTimer = setInterval(sweep, SWEEP_INTERVAL_MS).unref();
  app.addHook('onClose', async () => {
    clearInterval(sweepTimer);
    await db.close();
    services.storage.close?.();
    redis?.disconnect();
  });
  return { app, services };
}
