import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ImageCatalog } from '../images/catalog.js';
import type { Maintenance } from '../images/maintenance.js';
import type { Webhooks } from '../events/webhooks.js';
import type { DbCounters } from '../db/counters.js';

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

export interface SweeperOptions {
  maintenance: Maintenance;
  catalog: ImageCatalog;
  webhooks: Webhooks;
  /** The worker processes' shared counters, whose ended windows are dropped; null: none. */
  counters: DbCounters | null;
  trashRetentionDays: number;
}

/** Delivered and given-up webhook deliveries are kept this long (GET /webhooks/<id>/deliveries/ shows them). */
const DELIVERY_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * At start-up (after leftovers.ts, in the process that starts alone) and every ten minutes: deletes
 * images whose time in the trash or whose expiry has passed (they are hidden from the moment they
 * are due, so this only frees their bytes), then removes garbage.
 */
export const sweeperPlugin = fp(
  async (app: FastifyInstance, { maintenance, catalog, webhooks, counters, trashRetentionDays }: SweeperOptions) => {
    const sweep = async () => {
      try {
        const purged = await catalog.purgeDue(trashRetentionDays * 24 * 3600 * 1000);
        if (purged > 0) app.log.info({ purged }, 'purged images from the trash and past their expiry');
        const pruned = await webhooks.prune(DELIVERY_RETENTION_MS);
        if (pruned > 0) app.log.info({ pruned }, 'pruned old webhook deliveries');
        await counters?.prune();
        const report = await maintenance.sweep();
        if (Object.values(report).some((count) => count > 0)) app.log.info(report, 'storage sweep');
      } catch (error) {
        app.log.error({ err: error }, 'storage sweep failed');
      }
    };
    await sweep();
    const timer = setInterval(sweep, SWEEP_INTERVAL_MS).unref();
    app.addHook('onClose', async () => clearInterval(timer));
  },
);
