import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { BlobLifecycle } from '../images/blobs.js';
import type { Maintenance } from '../images/maintenance.js';

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/** Removes garbage at start-up (after forgetting uploads a dead process left pending) and every ten minutes. */
export const sweeperPlugin = fp(
  async (app: FastifyInstance, { maintenance, blobs }: { maintenance: Maintenance; blobs: BlobLifecycle }) => {
    const sweep = async () => {
      try {
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
  },
);
