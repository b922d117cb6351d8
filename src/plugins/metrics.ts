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
  // prom-client hashes the labels of every observation; the children for one set are looked up once.
  const children = new Map<string, { count: () => void; time: (seconds: number) => void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = metrics.byKey && request.user ? (request.user.keyId === null ? 'token' : String(request.user.keyId)) : 'none';
    const id = `${request.method} ${route} ${reply.statusCode} ${key}`;
    let child = children.get(id);
    if (!child) {
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      const counter = metrics.requests.labels(metrics.byKey ? { ...labels, key } : labels);
      const histogram = metrics.durations.labels(labels);
      child = { count: () => counter.inc(), time: (seconds) => histogram.observe(seconds) };
      children.set(id, child);
    }
    child.count();
    child.time(reply.elapsedTime / 1000);
    done();
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
