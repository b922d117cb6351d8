import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { BlobLifecycle } from '../images/blobs.js';
import type { ImageCatalog } from '../images/catalog.js';
import type { Maintenance } from '../images/maintenance.js';

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

export interface SweeperOptions {
  maintenance: Maintenance;
  blobs: BlobLifecycle;
  catalog: ImageCatalog;
  trashRetentionDays: number;
}

/**
 * At start-up (after forgetting uploads a dead process left pending) and every ten minutes: deletes
 * images whose time in the trash or whose expiry has passed (they are hidden from the moment they
 * are due, so this only frees their bytes), then removes garbage.
 */
export const sweeperPlugin = fp(async (app: FastifyInstance, { maintenance, blobs, catalog, trashRetentionDays }: SweeperOptions) => {
  const sweep = async () => {
    try {
      const purged = await catalog.purgeDue(trashRetentionDays * 24 * 3600 * 1000);
      if (purged > 0) app.log.info({ purged }, 'purged images from the trash and past their expiry');
      const report = await maintenance.sweep();
      if (Object.values(report).some((count) => count > 0)) app.log.info(report, 'storage sweep');
    } catch (error) {
      app.log.error({ err: error }, 'storage sweep failed');
    }
  };
  await blobs.forgetDeadUploads();
  await sweep();
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS).unref();
  app.addHook('onClose', async () => clearInterval(timer));
});
