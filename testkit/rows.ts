import type { Db } from '../src/db/database.js';

/** A blob row as garbage collection sees one: no image refers to it; optionally an upload still pending on it. */
export async function insertBlobRow(db: Db, sha256: string, options: { bytes?: number; pendingUntil?: Date } = {}): Promise<void> {
  await db.kysely
    .insertInto('blobs')
    .values({
      sha256,
      bytes: options.bytes ?? 3,
      format: 'png',
      content_type: 'image/png',
      width: 1,
      height: 1,
      ref_count: 0,
      pending_uploads: options.pendingUntil ? 1 : 0,
      lease_until: options.pendingUntil?.toISOString() ?? null,
      created_at: new Date().toISOString(),
      animated: 0,
      frames: 1,
      has_alpha: 0,
      placeholder: '',
      dominant_color: '#000000',
    })
    .execute();
}
