import { mkdir, rm } from 'node:fs/promises';
import { uploadDir, type Config } from './config.js';
import type { Db } from './db/database.js';
import { releaseClaims } from './events/dispatcher.js';
import { forgetDeadUploads } from './images/blobs.js';

/**
 * What a dead process left, cleared by the one process that starts alone on a data directory (a
 * single server, or the primary of WORKERS > 1 before its workers): at that moment nothing it finds
 * in flight can be alive. The staged uploads in DATA_DIR/tmp, and on SQLite the uploads and webhook
 * claims the database says are in progress. A worker must never do this: its siblings' are live.
 */
export async function clearLeftovers(config: Config, db: Db): Promise<void> {
  await rm(uploadDir(config), { recursive: true, force: true });
  await mkdir(uploadDir(config), { recursive: true });
  await forgetDeadUploads(db);
  await releaseClaims(db);
}
