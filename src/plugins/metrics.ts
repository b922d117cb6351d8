import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { timingSafeEqual } from 'node:crypto';
import { HttpError } from '../http/errors.js';
import type {} from '../http/auth.js';
import { metricsText, shareWithPrimary, type Metrics } from '../metrics.js';

export interface MetricsPluginOptions {
  metrics: Metrics;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  token: string | null;
  /** Without a token, /metrics is served only when this is set (METRICS_PUBLIC=true). */
  open: boolean;
}

/** Records every response by route and status, and serves the Prometheus metrics at GET /metrics. */
export const metricsPlugin = fp(async (app: FastifyInstance, { metrics, token, open }: MetricsPluginOptions) => {
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    const key = request.user ? (request.user.keyId === null ? 'token' : String(request.user.keyId)) : 'none';
    metrics.requests.inc(metrics.byKey ? { ...labels, key } : labels);
    metrics.durations.observe(labels, reply.elapsedTime / 1000);
  });
  shareWithPrimary(metrics.registry);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!token && !open) {
      throw new HttpError(403, { detail: 'Metrics are not public: set METRICS_TOKEN (sent as a Bearer token), or METRICS_PUBLIC=true.' });
    }
    if (token) {
      const given = Buffer.from(request.headers.authorization ?? '');
      const expected = Buffer.from(`Bearer ${token}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new HttpError(401, { detail: 'Authentication credentials were not provided.' }, { 'www-authenticate': 'Bearer' });
      }
    }
    return reply.type(metrics.registry.contentType).send(await metricsText(metrics.registry));
  });
});
