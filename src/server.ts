// The server's entry point. Only configuration is read before libuv's thread pool is sized: the pool
// is created by the first file, crypto or DNS operation and keeps its size, so everything else is
// imported after.
import { ConfigError, loadConfig, type Config } from './config.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const cluster = (await import('node:cluster')).default;
if (config.workers > 1 && cluster.isPrimary) {
  // The primary readies the data and supervises the workers; it serves nothing and sizes no pool.
  const { runPrimary } = await import('./cluster.js');
  await runPrimary(config);
} else {
  process.env.UV_THREADPOOL_SIZE = String(config.threadPoolSize);
  // Asked before the code loads, so that the primary readies the data meanwhile.
  const dataReady = cluster.isWorker ? (await import('./cluster-handshake.js')).dataReadyFromPrimary() : undefined;
  const { serve } = await import('./serve.js');
  await serve(config, dataReady);
}
