import { sql, type Transaction } from 'kysely';
import type { Readable } from 'node:stream';
import type { Db } from '../db/database.js';
import { now, type Database } from '../db/schema.js';
import type { ByteRange, Storage } from '../storage/storage.js';
import type { StagedUpload } from './ingest.js';
import { blobKey } from './keys.js';
import type { VariantService } from './variants.js';

/** How long a pending upload protects its blob. Longer than any upload may take; only matters after a crash. */
const LEASE_MS = 60 * 60 * 1000;

/**
 * The life cycle of content-addressed blobs, which keeps every image row pointing at bytes that exist:
 *  1. the blob row is created (or found) and the upload counted as pending, before any byte is written;
 *  2. the bytes are stored (skipped when an identical object is already there);
 *  3. one transaction adds or changes the image row and turns the pending upload into a reference.
 * A blob is removed only when no image refers to it and no upload is pending, inside a transaction
 * that holds its row, so an upload of the same bytes either waits for the removal or prevents it.
 * A blob's variants go with it.
 */
export class BlobLifecycle {
  constructor(
    private readonly db: Db,
    private readonly storage: Storage,
    private readonly variants: VariantService,
  ) {}

  /** The stored bytes of a blob (or a range of them). */
  open(sha256: string, range?: ByteRange): Promise<Readable> {
    return this.storage.get(blobKey(sha256), range);
  }

  /**
   * Registers the upload as pending on its blob, stores the bytes unless they are already there,
   * then runs `commit` in the transaction that turns the pending upload into a reference. If
   * anything fails, the pending mark is dropped and the blob removed when nothing else uses it.
   */
  async withBlob<T>(upload: StagedUpload, commit: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const { info, description, sha256 } = upload;
    const leaseUntil = new Date(Date.now() + LEASE_MS).toISOString();
    await this.db.kysely
      .insertInto('blobs')
      .values({
        sha256,
        bytes: upload.bytes,
        format: info.format,
        content_type: info.contentType,
        width: info.width,
        height: info.height,
        animated: info.animated ? 1 : 0,
        frames: info.frames,
        has_alpha: info.hasAlpha ? 1 : 0,
        placeholder: description.placeholder,
        dominant_color: description.dominantColor,
        ref_count: 0,
        pending_uploads: 1,
        lease_until: leaseUntil,
        created_at: now(),
      })
      .onConflict((oc) => oc.column('sha256').doUpdateSet({ pending_uploads: sql`blobs.pending_uploads + 1`, lease_until: leaseUntil }))
      .execute();
    let committed = false;
    try {
      const key = blobKey(sha256);
      if (await this.storage.exists(key)) await upload.discard();
      else await this.storage.putFile(key, upload.path);
      const result = await this.db.kysely.transaction().execute(async (trx) => {
        const value = await commit(trx);
        await trx
          .updateTable('blobs')
          .set({ ref_count: sql`ref_count + 1`, pending_uploads: sql`pending_uploads - 1` })
          .where('sha256', '=', sha256)
          .execute();
        return value;
      });
      committed = true;
      return result;
    } finally {
      if (!committed) {
        await this.db.kysely
          .updateTable('blobs')
          .set({ pending_uploads: sql`pending_uploads - 1` })
          .where('sha256', '=', sha256)
          .execute();
        await this.removeIfUnused(sha256);
      }
    }
  }

  /** Drops one reference, in the caller's transaction (an image row stopped pointing at the blob). */
  async dropReference(trx: Transaction<Database>, sha256: string): Promise<void> {
    await trx
      .updateTable('blobs')
      .set({ ref_count: sql`ref_count - 1` })
      .where('sha256', '=', sha256)
      .execute();
  }

  /**
   * After a commit that dropped a reference: frees the blob if it is now unused. The change the
   * client asked for is already done, so a storage failure here does not fail the request; the
   * blob stays unreferenced and the next sweep removes it.
   */
  async release(sha256: string): Promise<void> {
    await this.removeIfUnused(sha256).catch(() => false);
  }

  /** Deletes the blob, its variants and its bytes if nothing refers to it and no upload is pending. */
  async removeIfUnused(sha256: string): Promise<boolean> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const query = trx.selectFrom('blobs').select(['ref_count', 'pending_uploads', 'lease_until']).where('sha256', '=', sha256);
      // Holding the row (PostgreSQL; SQLite transactions are serialised anyway) makes a concurrent upload of the same bytes wait.
      const blob = await (this.db.dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
      if (!blob || !isGarbage(blob)) return false;
      await this.variants.removeForBlob(trx, sha256);
      // The object goes before the row: if the row's removal then fails, a row without bytes is retried by the next sweep.
      await this.storage.delete(blobKey(sha256));
      await trx.deleteFrom('blobs').where('sha256', '=', sha256).execute();
      return true;
    });
  }
}

/**
 * Forgets uploads that were in flight when the previous process died. Only for SQLite, and only by
 * the one process that starts on its data directory (the primary, before its workers): at that
 * moment no upload can be pending. (On PostgreSQL other instances may be mid-upload; their leases
 * expire instead, as do those of a worker that dies.)
 */
export async function forgetDeadUploads(db: Db): Promise<void> {
  if (db.dialect !== 'sqlite') return;
  await db.kysely.updateTable('blobs').set({ pending_uploads: 0 }).where('pending_uploads', '>', 0).execute();
}

/** Unreferenced, and no upload in flight, or the pending ones are past their lease (their process died). */
export function isGarbage(blob: { ref_count: number; pending_uploads: number; lease_until: string | null }): boolean {
  return blob.ref_count <= 0 && (blob.pending_uploads <= 0 || blob.lease_until === null || blob.lease_until < now());
}
