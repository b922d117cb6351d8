import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { Throttled } from '../errors.js';

export interface RateLimitOptions {
  /** Shares the counters between instances; null: per process. */
  redis: Redis | null;
  redisPrefix: string;
}

/**
 * Per-route rate limits (routes opt in with `config.rateLimit`). With Redis the counters are shared
 * by every instance; if Redis fails, requests pass (fail open) rather than locking everyone out.
 */
export const rateLimitPlugin = fp(async (app: FastifyInstance, { redis, redisPrefix }: RateLimitOptions) => {
  redis?.on('error', (error) => app.log.warn({ err: error }, 'redis unavailable'));
  await app.register(rateLimit, {
    global: false,
    ...(redis ? { redis, nameSpace: `${redisPrefix}rate-limit:`, skipOnError: true } : {}),
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.ceil(context.ttl / 1000);
      return new Throttled(`Request was throttled. Expected available in ${seconds} seconds.`, seconds);
    },
  });
});
