import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { DbCounters } from '../db/counters.js';
import { Throttled } from '../errors.js';

export interface RateLimitOptions {
  /** Shares the counters between instances; null: per process. */
  redis: Redis | null;
  redisPrefix: string;
  /** Without Redis, shares the counters between the worker processes of one data directory; null: per process. */
  counters: DbCounters | null;
}

type Incremented = Parameters<FastifyRateLimitStore['incr']>[1];

/** A store for @fastify/rate-limit over the database's counters, one key space per route like its Redis store. */
function countersStore(counters: DbCounters, prefix: string) {
  return class CountersStore implements FastifyRateLimitStore {
    // The plugin constructs the store with its options; each route's child gets its own key space.
    constructor(
      _options?: unknown,
      readonly routeKey = prefix,
    ) {}

    incr(key: string, done: Incremented, timeWindow: number): void {
      counters.hit(this.routeKey + key, timeWindow).then(
        ({ count, resetMs }) => done(null, { current: count, ttl: resetMs }),
        (error: Error) => done(error),
      );
    }

    child(routeOptions: object): CountersStore {
      // At run time the plugin passes the route's merged options, which name the route.
      const { routeInfo } = routeOptions as { routeInfo: { method: string; url: string } };
      return new CountersStore(undefined, `${prefix}${routeInfo.method}${routeInfo.url}-`);
    }
  };
}

/**
 * Per-route rate limits (routes opt in with `config.rateLimit`). With Redis the counters are shared
 * by every instance; if Redis fails, requests pass (fail open) rather than locking everyone out.
 */
export const rateLimitPlugin = fp(async (app: FastifyInstance, { redis, redisPrefix, counters }: RateLimitOptions) => {
  redis?.on('error', (error) => app.log.warn({ err: error }, 'redis unavailable'));
  const shared = redis
    ? { redis, nameSpace: `${redisPrefix}rate-limit:` }
    : counters
      ? { store: countersStore(counters, 'rate-limit:') }
      : {};
  await app.register(rateLimit, {
    global: false,
    ...shared,
    skipOnError: true,
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.ceil(context.ttl / 1000);
      return new Throttled(`Request was throttled. Expected available in ${seconds} seconds.`, seconds);
    },
  });
});
