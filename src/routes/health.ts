import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Db } from '../db/database.js';
import { PUBLIC } from '../schemas/common.js';
import type { Storage } from '../storage/storage.js';

export interface HealthRoutesOptions {
  db: Db;
  storage: Storage;
}

const State = Type.Enum(['ok', 'unavailable']);
const Check = Type.Object({ status: State, database: Type.Optional(State), storage: Type.Optional(State) });

async function probe(check: () => Promise<void>): Promise<'ok' | 'unavailable'> {
  try {
    await check();
    return 'ok';
  } catch {
    return 'unavailable';
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { db, storage }) => {
  const common = { tags: ['health'], security: PUBLIC };
  app.get(
    '/healthz',
    { schema: { ...common, operationId: 'getHealth', summary: 'The process is up', response: { 200: Check } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        ...common,
        operationId: 'getReadiness',
        summary: 'The database and the storage are usable',
        response: { 200: Check, 503: Check },
      },
    },
    async (_request, reply) => {
      const [database, stored] = await Promise.all([probe(() => db.ping()), probe(() => storage.check())]);
      const ready = database === 'ok' && stored === 'ok';
      if (!ready) reply.code(503).header('retry-after', '5');
      return { status: ready ? ('ok' as const) : ('unavailable' as const), database, storage: stored };
    },
  );
};
