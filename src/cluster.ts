import cluster, { type Worker } from 'node:cluster';
import pino from 'pino';
import { DATA_READY, DATA_READY_ASKED } from './cluster-handshake.js';
import type { Config } from './config.js';

/** What a worker process does besides serving: told by the primary in its environment. */
export const WORKER_INDEX_VARIABLE = 'IMAGE_API_WORKER_INDEX';

/** A worker that dies this soon after it started, this many times in a row, stops the service (a crash loop). */
const EARLY_DEATH_MS = 5_000;
const EARLY_DEATHS_ALLOWED = 3;

/**
 * Migrations, and on SQLite the clean-up of what a dead process left; and the sum of the workers'
 * metrics, which a worker can be asked for once it serves. Their code is loaded here, after the first
 * worker was started, so that it loads on the other core.
 */
async function readyData(config: Config): Promise<void> {
  const [{ migrate, openDatabase }, { clearLeftovers }, { serveClusterMetrics }] = await Promise.all([
    import('./db/database.js'),
    import('./leftovers.js'),
    import('./metrics.js'),
  ]);
  serveClusterMetrics();
  const db = openDatabase(config);
  try {
    await migrate(db);
    // No worker has touched the data yet: whatever is in flight belongs to a process that is gone.
    await clearLeftovers(config, db);
  } finally {
    await db.close();
  }
}

/**
 * The primary process of WORKERS > 1: it readies the data (migrations, and on SQLite the clean-up
 * of what a dead process left) while the first worker loads, then runs one worker per slot, all
 * listening on the same port (node:cluster hands out connections), replaces a worker that dies,
 * and on SIGTERM/SIGINT stops them all, each finishing its requests first. It serves nothing itself.
 */
export async function runPrimary(config: Config): Promise<void> {
  const log = pino({ level: config.logLevel, base: { pid: process.pid, role: 'primary' } });
  const slots = new Map<number, { worker: Worker }>();
  let earlyDeaths = 0;
  let stopping = false;

  const start = (index: number) => {
    const worker = cluster.fork({ [WORKER_INDEX_VARIABLE]: String(index) });
    const startedAt = Date.now();
    let listened = false;
    worker.once('listening', () => (listened = true));
    worker.on('message', (message: unknown) => {
      if (message !== DATA_READY_ASKED) return;
      dataReady.then(
        () => worker.isConnected() && worker.send(DATA_READY),
        () => undefined, // stopped below
      );
    });
    slots.set(index, { worker });
    worker.on('exit', (code, signal) => {
      if (slots.get(index)?.worker !== worker) return;
      slots.delete(index);
      if (stopping) {
        // A worker stopped while still starting dies of the signal (its handler comes with the app):
        // it had served nothing, so that is a clean stop too.
        const stoppedWhileStarting = !listened && signal === 'SIGTERM';
        if (code !== 0 && !stoppedWhileStarting) process.exitCode = 1;
        // Exits with process.exitCode: 0 unless a worker or the reason to stop said otherwise.
        if (slots.size === 0) process.exit();
        return;
      }
      const early = Date.now() - startedAt < EARLY_DEATH_MS;
      earlyDeaths = early ? earlyDeaths + 1 : 0;
      log.error({ worker: index, code, signal }, 'a worker died; starting another');
      if (earlyDeaths >= EARLY_DEATHS_ALLOWED) {
        log.fatal({ deaths: earlyDeaths }, 'workers keep dying at start-up: stopping');
        stop(1);
        return;
      }
      start(index);
    });
  };

  const stop = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ workers: slots.size }, 'stopping the workers: each finishes its requests in flight');
    if (slots.size === 0) process.exit(exitCode);
    for (const { worker } of slots.values()) worker.process.kill('SIGTERM');
    // Each worker bounds its own shutdown; this only guards against one that hangs before it can.
    setTimeout(() => process.exit(1), config.requestTimeoutMs + 10_000).unref();
    if (exitCode !== 0) process.exitCode = exitCode;
  };
  // `on`, not `once`: under `npm start` one Ctrl-C reaches this process several times.
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));

  // The first worker alone, then the others once it listens: started together they share the cores
  // while loading, and the first answer comes later for all of them.
  start(0);
  // Begun after the fork, which its module loading would otherwise delay; a worker asks for it later.
  const dataReady = readyData(config);
  dataReady.catch((error: unknown) => {
    log.fatal({ err: error }, 'could not ready the data: stopping');
    stop(1);
  });
  cluster.once('listening', () => {
    for (let index = 1; index < config.workers; index++) if (!stopping) start(index);
  });
  log.info({ workers: config.workers }, 'image-api primary started');
}
