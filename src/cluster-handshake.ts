// The word between the primary (WORKERS > 1) and a worker that the data is ready. The primary starts
// the first worker at once and readies the data (migrations, a dead process's leftovers) while that
// worker loads its code, on the other core: the worker touches the data only after the word.

/** A worker asks, once it listens for the answer (a message sent before that would be lost). */
export const DATA_READY_ASKED = 'image-api:data-ready?';
/** The primary's answer, once the data is ready. */
export const DATA_READY = 'image-api:data-ready';

/**
 * In a worker: resolves when the primary says the data is ready. A primary that dies first (its
 * migrations failed) takes the worker with it.
 */
export function dataReadyFromPrimary(): Promise<void> {
  return new Promise((resolve) => {
    const orphaned = () => process.exit(1);
    const onMessage = (message: unknown) => {
      if (message !== DATA_READY) return;
      process.off('message', onMessage);
      process.off('disconnect', orphaned);
      resolve();
    };
    process.on('message', onMessage);
    process.once('disconnect', orphaned);
    process.send?.(DATA_READY_ASKED);
  });
}
