import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/database.js';
import type { Storage } from '../storage/storage.js';

export interface HealthRoutesOptions {
  db: Db;
  storage: Storage;
}

const checkSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    database: { type: 'string', enum: ['ok', 'unavailable'] },
    storage: { type: 'string', enum: ['ok', 'unavailable'] },
  },
} as const;

async function probe(check: () => Promise<void>): Promise<'ok' | 'unavailable'> {
  try {
    await check();
    return 'ok';
  } catch {
    return 'unavailable';
  }
}

export async function healthRoutes(app: FastifyInstance, { db, storage }: HealthRoutesOptions): Promise<void> {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'The process is up', response: { 200: checkSchema } } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'The database and the storage are usable', response: { 200: checkSchema, 503: checkSchema } } },
    async (_request, reply) => {
      const [database, stored] = await Promise.all([probe(() => db.ping()), probe(() => storage.check())]);
      const ready = database === 'ok' && stored === 'ok';
      if (!ready) reply.code(503).header('retry-after', '5');
      return { status: ready ? 'ok' : 'unavailable', database, storage: stored };
    },
  );
}
