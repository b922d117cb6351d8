import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import { clearLeftovers } from './leftovers.js';
import type { Offload } from './http/deliver.js';
import { registerErrorHandling } from './http/errors.js';
import { ImagePresenter } from './http/present.js';
import { reusePresigned } from './http/presigned-urls.js';
import { loadWebApp } from './http/web-assets.js';
import { redactUrl } from './http/redact.js';
import type {} from './http/auth.js';
import { answerClientError } from './http/client-errors.js';
import { MediaSigner } from './media/signing.js';
import { lifecyclePlugin } from './plugins/lifecycle.js';
import { metricsPlugin } from './plugins/metrics.js';
import { multipartPlugin } from './plugins/multipart.js';
import { openapiPlugin } from './plugins/openapi.js';
import { JSON_BODY_LIMIT, parsersPlugin } from './plugins/parsers.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { securityPlugin } from './plugins/security.js';
import { sweeperPlugin } from './plugins/sweeper.js';
import { validationPlugin } from './plugins/validation.js';
import { accountRoutes } from './routes/accounts.js';
import { adminRoutes } from './routes/admin.js';
import { healthRoutes } from './routes/health.js';
import { albumRoutes } from './routes/albums.js';
import { publicShareRoutes } from './routes/public-shares.js';
import { shareRoutes } from './routes/shares.js';
import { SharePresenter } from './http/present-share.js';
import { imageRoutes } from './routes/images.js';
import { uploadRoutes } from './routes/uploads.js';
import { webhookRoutes } from './routes/webhooks.js';
import { keyRoutes } from './routes/keys.js';
import { mediaRoutes } from './routes/media.js';
import { presetRoutes } from './routes/presets.js';
import { PresetBook } from './http/preset-book.js';
import { meRoutes } from './routes/me.js';
import { webRoutes } from './routes/web.js';
import { openServices, type ServiceOverrides, type Services } from './services.js';
import { HotObjects } from './storage/hot-objects.js';
import { LinkMemo } from './http/link-memo.js';
import type { Storage } from './storage/storage.js';

export const API_VERSION = '0.2.0';

/** Replacements for tests (a fault-injecting storage, say). */
export interface AppOverrides extends ServiceOverrides {
  /** Where the built browser app is (default: dist/web/). */
  webDir?: string;
  /** Which process of a deployment this is (default: the only one). */
  role?: ProcessRole;
}

/** What one process does besides serving, when WORKERS > 1 makes it one of several on the same data. */
export interface ProcessRole {
  /** Runs the periodic sweep (one worker does: the others would repeat its work). */
  sweeps: boolean;
  /** Started alone on its data directory, so whatever is in flight there is a dead process's (see leftovers.ts). */
  startsAlone: boolean;
}

const ONLY_PROCESS: ProcessRole = { sweeps: true, startsAlone: true };

export interface BuiltApp {
  app: FastifyInstance;
  services: Services;
}

/** Fastify's trust setting: a hop count trusts the nearest N peers, addresses and CIDRs trust those proxies. */
function trustProxy(setting: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

function createFastify(config: Config) {
  return Fastify({
    logger: {
      level: config.logLevel,
      // @fastify/multipart logs the request headers at trace level: redact wherever they show up.
      redact: ['req.headers.authorization', 'headers.authorization', '*.headers.authorization', 'busboyOptions.headers.cookie'],
      // A signed link is a credential until it expires: its signature never reaches the logs.
      serializers: {
        req: (request) => ({ method: request.method, url: redactUrl(request.url), remoteAddress: request.ip }),
        // The completion line names the API key used (its id; never the secret).
        res: (reply: { statusCode: number; request?: { user?: { keyId: number | null } | null } }) => ({
          statusCode: reply.statusCode,
          key: reply.request?.user?.keyId ?? undefined,
        }),
      },
    },
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    trustProxy: trustProxy(config.trustProxy),
    bodyLimit: JSON_BODY_LIMIT,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    // While stopping, the listener is closed (a proxy sends new connections elsewhere) and a request that
    // still arrives on an open connection is served, answered with `Connection: close`: a 503 here would
    // reach the client, since the shipped nginx configuration passes an instance's 503 on as sent.
    return503OnClosing: false,
    // Node checks these timeouts every connectionsCheckingInterval (30 s by default): check every second.
    http: { headersTimeout: config.headersTimeoutMs, connectionsCheckingInterval: 1_000 },
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 200 },
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();
}

/** Who sends stored bytes after the checks: null (this process), nginx, or the object store's presigned URLs. */
function deliveryOffload(config: Config, storage: Storage): Offload | null {
  const { delivery } = config;
  if (delivery.kind === 'nginx') return { kind: 'nginx', prefix: delivery.prefix };
  if (delivery.kind === 'direct') return null;
  const presign = storage.presignGet?.bind(storage);
  // Checked by the configuration too (redirect needs STORAGE=s3); a wrapped storage may still lack it.
  if (!presign) throw new Error('DELIVERY=redirect needs a storage that presigns URLs (STORAGE=s3)');
  return { kind: 'redirect', seconds: delivery.seconds, presign: reusePresigned(presign) };
}

/** Builds the app from configuration: services, plugins, then routes. `app.close()` releases everything. */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<BuiltApp> {
  const role = overrides.role ?? ONLY_PROCESS;
  const services = await openServices(config, overrides);
  if (role.startsAlone) await clearLeftovers(config, services.db);
  const app = createFastify(config);
  // A request's reads reflect every commit made before it arrived (see ReadCache); the server's own
  // event is the earliest and cheapest place to say so.
  const { reads } = services.db;
  if (reads) app.server.prependListener('request', () => reads.markStale());

  registerErrorHandling(app, { onDependencyUnavailable: () => services.metrics.dependencyErrors.inc() });
  await app.register(validationPlugin);
  await app.register(lifecyclePlugin);
  await app.register(metricsPlugin, { metrics: services.metrics, token: config.metricsToken, open: config.metricsPublic });
  await app.register(parsersPlugin);
  await app.register(securityPlugin, { publicUrl: config.publicUrl, corsOrigins: config.corsOrigins });
  await app.register(multipartPlugin, { maxUploadBytes: config.maxUploadBytes, maxFiles: config.maxFilesPerRequest });
  await app.register(rateLimitPlugin, { redis: services.redis, redisPrefix: config.redisPrefix, counters: services.counters });
  await app.register(openapiPlugin, { publicUrl: config.publicUrl, version: API_VERSION });

  const { db, storage, auth, admin, catalog, blobs, variants, ingest, metrics } = services;
  const signer = new MediaSigner(config.secretKeys, config.urlTtlSeconds);
  const offload = deliveryOffload(config, storage);
  const hot = new HotObjects(storage, config.deliveryMemoryCacheBytes);
  const presetBook = new PresetBook(config.presets, services.presets);
  const presenter = new ImagePresenter(config.publicUrl, signer, config.presets, presetBook);
  await app.register(healthRoutes, { db, storage });
  await app.register(accountRoutes, { auth, rateLimit: { max: config.authRateLimit, timeWindow: config.authRateWindowSeconds * 1000 } });
  await app.register(imageRoutes, {
    auth,
    catalog,
    listing: services.listing,
    albums: services.albums,
    bulk: services.bulk,
    clock: services.clock,
    ingest,
    blobs,
    variants,
    offload,
    hot,
    presenter,
    metrics,
    maxUploadBytes: config.maxUploadBytes,
    maxFilesPerRequest: config.maxFilesPerRequest,
    maxUploadRequestBytes: config.maxUploadRequestBytes,
    maxConcurrentUploadsPerUser: config.maxConcurrentUploadsPerUser,
    urlImport: services.urlImport,
    idempotency: services.idempotency,
    presetBook,
  });
  await app.register(uploadRoutes, {
    auth,
    uploads: services.uploads,
    catalog,
    idempotency: services.idempotency,
    presenter,
    metrics,
    clock: services.clock,
    publicUrl: config.publicUrl,
    maxBytes: config.maxResumableUploadBytes,
  });
  await app.register(webhookRoutes, { auth, webhooks: services.webhooks });
  await app.register(albumRoutes, { auth, albums: services.albums, listing: services.listing, presenter });
  await app.register(presetRoutes, { auth, store: services.presets });
  const memo = db.reads ? new LinkMemo(db.reads.derived(), hot, () => metrics.rememberedLinks.inc()) : null;
  await app.register(mediaRoutes, { catalog, blobs, variants, offload, hot, signer, presetBook, memo });
  const sharePresenter = new SharePresenter(config.publicUrl, presetBook);
  await app.register(shareRoutes, { auth, shares: services.shares, presenter: sharePresenter });
  await app.register(publicShareRoutes, {
    shares: services.shares,
    presenter: sharePresenter,
    blobs,
    variants,
    offload,
    hot,
    stableMaxAge: config.publicStableMaxAge,
    immutableMaxAge: config.publicImmutableMaxAge,
    secureCookies: config.publicUrl.startsWith('https:'),
    clock: services.clock,
    rateLimit: { max: config.authRateLimit, timeWindow: config.authRateWindowSeconds * 1000 },
    memo,
  });
  await app.register(meRoutes, {
    auth,
    catalog,
    admin,
    maxUploadBytes: config.maxUploadBytes,
    maxResumableUploadBytes: config.maxResumableUploadBytes,
    rateLimit: { max: config.authRateLimit, timeWindow: config.authRateWindowSeconds * 1000 },
  });
  await app.register(adminRoutes, { auth, admin, keys: services.keys });
  await app.register(keyRoutes, { auth, keys: services.keys });
  await app.register(webRoutes, { web: await loadWebApp(overrides.webDir), publicUrl: config.publicUrl });

  if (role.sweeps) {
    await app.register(sweeperPlugin, {
      maintenance: services.maintenance,
      catalog,
      webhooks: services.webhooks,
      counters: services.counters,
      trashRetentionDays: config.trashRetentionDays,
    });
  }
  // The outbox is delivered by every instance that serves the API (they share the work).
  services.variants.onStoreError = (error) => app.log.warn({ err: error }, 'a rendered variant could not be cached');
  app.addHook('onReady', async () => services.dispatcher.start((error) => app.log.error({ err: error }, 'webhook delivery failed')));
  // Last, so that it runs after every plugin's own clean-up.
  app.addHook('onClose', () => services.close());
  return { app, services };
}
