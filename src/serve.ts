import cluster from 'node:cluster';
import { buildApp, type ProcessRole } from './app.js';
import { WORKER_INDEX_VARIABLE } from './cluster.js';
import type { Config } from './config.js';
import { loadSharp } from './processing/sharp.js';

const SHARP_PRELOAD_DELAY_MS = 1_000;

/**
 * Alone, this process does everything; as a worker (WORKERS > 1), the primary has readied the data,
 * and only the first worker sweeps.
 */
function processRole(): ProcessRole {
  if (!cluster.isWorker) return { sweeps: true, startsAlone: true };
  return { sweeps: process.env[WORKER_INDEX_VARIABLE] === '0', startsAlone: false };
}

/**
 * Builds the app, listens, and stops cleanly on SIGTERM/SIGINT (requests in flight finish first). A
 * worker passes the primary's word that the data is ready, and builds nothing that touches it before.
 */
export async function serve(config: Config, dataReady?: Promise<void>): Promise<void> {
  await dataReady;
  const { app } = await buildApp(config, { role: processRole() });

  let closing = false;
  async function shutdown(signal: string): Promise<void> {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    // A request that never ends must not keep the process alive forever.
    const deadline = setTimeout(() => process.exit(1), config.requestTimeoutMs + 5_000).unref();
    await app.close();
    clearTimeout(deadline);
    app.log.info('closed');
    process.exit(0);
  }
  // `on`, not `once`: under `npm start` one Ctrl-C or `kill -- -pgid` reaches this process several
  // times (directly, through npm, through the Node-version launcher), and a second signal with no
  // listener would kill it mid-shutdown.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // A worker whose primary is gone (killed: the instance crashed) stops at once, as the rest of the
  // instance did: serving on alone, it would overlap with the instance started in its place.
  if (cluster.isWorker) {
    process.on('disconnect', () => {
      if (!closing) process.exit(1);
    });
  }

  try {
    await app.listen({ host: config.host, port: config.port });
    const threadPool = Number(process.env.UV_THREADPOOL_SIZE);
    app.log.info({ publicUrl: config.publicUrl, dataDir: config.dataDir, node: process.version, threadPool }, 'image-api ready');
    // A second after serving began: the first upload or variant then finds libvips loaded. Loading it
    // takes the event loop for 40 ms; at once, it delayed the first requests by that much.
    // A sharp that cannot load (a missing binary) stops the process, as it did when loaded at start.
    setTimeout(() => {
      loadSharp().catch((error: unknown) => {
        app.log.fatal({ err: error }, 'sharp (libvips) could not be loaded');
        process.exit(1);
      });
    }, SHARP_PRELOAD_DELAY_MS).unref();
  } catch (error) {
    app.log.error({ err: error }, 'could not start');
    await app.close();
    process.exit(1);
  }
}
