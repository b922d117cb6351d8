import type { Readable } from 'node:stream';
import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import { PreparedQuery } from '../db/prepared.js';
import { now, type Database } from '../db/schema.js';
import { ApiError, notFound } from '../errors.js';
import type { ExifSummary } from '../processing/exif-summary.js';
import { createHash } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ObjectNotFoundError, type ByteRange, type Storage } from '../storage/storage.js';
import { stageUpload, type IngestOptions, type StagedUpload } from './ingest.js';
import { blobKey, SHA256_IN_BLOB_KEY } from './keys.js';
import type { StoredVariant, VariantRequest, VariantService } from './variants.js';

/** An image as its owner sees it: the row plus what is known of its bytes. */
export interface ImageRecord {
  userId: number;
  /** The per-user id clients see. */
  number: number;
  filename: string;
  sha256: string;
  bytes: number;
  format: string;
  contentType: string;
  width: number;
  height: number;
  animated: boolean;
  frames: number;
  hasAlpha: boolean;
  placeholder: string;
  dominantColor: string;
  exif: ExifSummary | null;
  createdAt: string;
  updatedAt: string;
}

export interface ImagePage {
  images: ImageRecord[];
  /** The number to continue after (in the page's order), when there are more. */
  nextAfter: number | null;
}

/** Listing order: by id, which is upload order (a replace keeps its place). */
export type ListOrder = 'oldest' | 'newest';

export interface SweepReport {
  blobsRemoved: number;
  strayObjectsRemoved: number;
  strayVariantsRemoved: number;
  staleUploadsRemoved: number;
}

export interface Garbage {
  blobs: { sha256: string; bytes: number }[];
  strayObjects: string[];
  strayVariants: string[];
  /** Temporary upload files older than any request may take. */
  staleUploads: string[];
}

export interface VerifyReport {
  checked: number;
  bytes: number;
  missing: string[];
  corrupt: string[];
  wrongCounts: { sha256: string; recorded: number; actual: number }[];
  repaired: number;
}

export interface UsageReport {
  users: { username: string; images: number; bytes: number }[];
  /** What is stored once per content. */
  originals: { files: number; bytes: number };
  /** Bytes that users' images count but storage holds once. */
  sharedByDedup: number;
  variants: { files: number; bytes: number };
}

export interface Quotas {
  /** 0 means unlimited. */
  bytes: number;
  images: number;
}

export interface Usage {
  images: number;
  bytes: number;
}

/** How long a pending upload protects its blob. Longer than any upload may take; only matters after a crash. */
const LEASE_MS = 60 * 60 * 1000;

interface ImageRow {
  userId: number;
  number: number;
  filename: string;
  sha256: string;
  bytes: number | string;
  format: string;
  contentType: string;
  width: number;
  height: number;
  animated: number;
  frames: number;
  hasAlpha: number;
  placeholder: string;
  dominantColor: string;
  exif: string | null;
  createdAt: string;
  updatedAt: string;
}

function toRecord(row: ImageRow): ImageRecord {
  return {
    ...row,
    bytes: Number(row.bytes),
    animated: Boolean(row.animated),
    hasAlpha: Boolean(row.hasAlpha),
    exif: row.exif ? (JSON.parse(row.exif) as ExifSummary) : null,
  };
}

/**
 * The image domain: each user's images, and the content-addressed blobs they share.
 *
 * Blob life cycle, which keeps every image row pointing at bytes that exist:
 *  1. the blob row is created (or found) and the upload counted as pending, before any byte is written;
 *  2. the bytes are stored (skipped when an identical object is already there);
 *  3. one transaction adds or changes the image row and turns the pending upload into a reference.
 * A blob is removed only when no image refers to it and no upload is pending, inside a transaction
 * that holds its row, so an upload of the same bytes either waits for the removal or prevents it.
 * A blob's variants go with it.
 */
export class ImageService {
  /** The read behind every image request: built and compiled once. */
  private readonly imageById: PreparedQuery<Database, ImageRow, [number, number]>;

  constructor(
    private readonly db: Db,
    private readonly storage: Storage,
    private readonly variants: VariantService,
    private readonly ingest: IngestOptions,
    private readonly quotas: Quotas,
  ) {
    this.imageById = new PreparedQuery(db.kysely, this.images().where('images.user_id', '=', 0).where('images.number', '=', 0), 2);
  }

  private images() {
    return this.db.kysely
      .selectFrom('images')
      .innerJoin('blobs', 'blobs.sha256', 'images.sha256')
      .select([
        'images.user_id as userId',
        'images.number as number',
        'images.filename as filename',
        'images.sha256 as sha256',
        'blobs.bytes as bytes',
        'blobs.format as format',
        'blobs.content_type as contentType',
        'blobs.width as width',
        'blobs.height as height',
        'blobs.animated as animated',
        'blobs.frames as frames',
        'blobs.has_alpha as hasAlpha',
        'blobs.placeholder as placeholder',
        'blobs.dominant_color as dominantColor',
        'images.exif as exif',
        'images.created_at as createdAt',
        'images.updated_at as updatedAt',
      ]);
  }

  /** Receives an upload into a temporary file, validates and cleans it; nothing is stored yet. */
  stage(body: Readable, filename: string | undefined): Promise<StagedUpload> {
    return stageUpload(body, filename, this.ingest);
  }

  /** A page of the user's images after the number `after` (0: from the start) in the given order. */
  async list(userId: number, limit: number, after: number, order: ListOrder = 'oldest'): Promise<ImagePage> {
    let query = this.images().where('images.user_id', '=', userId);
    if (order === 'oldest') query = query.where('images.number', '>', after).orderBy('images.number', 'asc');
    else query = (after > 0 ? query.where('images.number', '<', after) : query).orderBy('images.number', 'desc');
    const rows = await query.limit(limit + 1).execute();
    const images = rows.slice(0, limit).map(toRecord);
    return { images, nextAfter: rows.length > limit ? images[images.length - 1]!.number : null };
  }

  async get(userId: number, number: number): Promise<ImageRecord> {
    const [row] = await this.imageById.execute(userId, number);
    if (!row) throw notFound();
    return toRecord(row);
  }

  /** How many images the user has and their bytes (each image counted, even when its bytes are shared). */
  async usage(userId: number, trx: Transaction<Database> | Db['kysely'] = this.db.kysely): Promise<Usage> {
    const row = await trx
      .selectFrom('images')
      .innerJoin('blobs', 'blobs.sha256', 'images.sha256')
      .select((eb) => [eb.fn.countAll<number | string>().as('images'), eb.fn.sum<number | string | null>('blobs.bytes').as('bytes')])
      .where('images.user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return { images: Number(row.images), bytes: Number(row.bytes ?? 0) };
  }

  get limits(): Quotas {
    return { ...this.quotas };
  }

  private async checkQuota(trx: Transaction<Database>, userId: number, addedImages: number, addedBytes: number): Promise<void> {
    if (this.quotas.images === 0 && this.quotas.bytes === 0) return;
    const usage = await this.usage(userId, trx);
    if (this.quotas.images > 0 && usage.images + addedImages > this.quotas.images) {
      throw new ApiError(403, {
        detail: `Image quota exceeded: you may keep ${this.quotas.images} images.`,
        quota: 'images',
        limit: this.quotas.images,
        used: usage.images,
      });
    }
    if (this.quotas.bytes > 0 && usage.bytes + addedBytes > this.quotas.bytes) {
      throw new ApiError(413, {
        detail: `Storage quota exceeded: you may keep ${this.quotas.bytes} bytes.`,
        quota: 'bytes',
        limit: this.quotas.bytes,
        used: usage.bytes,
      });
    }
  }

  /** Adds an image. `history` keeps the times of an image moved from another deployment. */
  async create(userId: number, upload: StagedUpload, history?: { createdAt: string; updatedAt: string }): Promise<ImageRecord> {
    const timestamp = now();
    const number = await this.withBlob(upload, async (trx) => {
      // This update also locks the user's row (PostgreSQL), so quota checks of one user run one at a time.
      const allocated = await trx
        .updateTable('users')
        .set({ next_image_number: sql`next_image_number + 1` })
        .where('id', '=', userId)
        .returning('next_image_number')
        .executeTakeFirstOrThrow();
      await this.checkQuota(trx, userId, 1, upload.bytes);
      const imageNumber = allocated.next_image_number - 1;
      await trx
        .insertInto('images')
        .values({
          user_id: userId,
          number: imageNumber,
          sha256: upload.sha256,
          filename: upload.filename,
          exif: upload.exif ? JSON.stringify(upload.exif) : null,
          created_at: history?.createdAt ?? timestamp,
          updated_at: history?.updatedAt ?? timestamp,
        })
        .execute();
      return imageNumber;
    });
    return this.get(userId, number);
  }

  /** Points the image at new content. Nothing changes unless the whole replace succeeds. */
  async replace(userId: number, number: number, upload: StagedUpload): Promise<ImageRecord> {
    const previous = await this.withBlob(upload, async (trx) => {
      // A no-op update that locks the user's row (PostgreSQL), so quota checks of one user run one at a time.
      await trx
        .updateTable('users')
        .set({ next_image_number: sql`next_image_number` })
        .where('id', '=', userId)
        .execute();
      // The image row is read under lock: a concurrent replace or delete of it must not be read stale,
      // or the old blob would lose two references and the new one keep one nobody holds (found by the crash test).
      const query = trx
        .selectFrom('images')
        .innerJoin('blobs', 'blobs.sha256', 'images.sha256')
        .select(['images.id as id', 'images.sha256 as sha256', 'blobs.bytes as bytes'])
        .where('images.user_id', '=', userId)
        .where('images.number', '=', number);
      const current = await (this.db.dialect === 'postgres' ? query.forUpdate('images') : query).executeTakeFirst();
      if (!current) throw notFound();
      await this.checkQuota(trx, userId, 0, upload.bytes - Number(current.bytes));
      await trx
        .updateTable('images')
        .set({
          sha256: upload.sha256,
          filename: upload.filename,
          exif: upload.exif ? JSON.stringify(upload.exif) : null,
          updated_at: now(),
        })
        .where('id', '=', current.id)
        .execute();
      await trx
        .updateTable('blobs')
        .set({ ref_count: sql`ref_count - 1` })
        .where('sha256', '=', current.sha256)
        .execute();
      return current.sha256;
    });
    if (previous !== upload.sha256) await this.releaseBlob(previous);
    return this.get(userId, number);
  }

  async delete(userId: number, number: number): Promise<void> {
    const sha256 = await this.db.kysely.transaction().execute(async (trx) => {
      const removed = await trx
        .deleteFrom('images')
        .where('user_id', '=', userId)
        .where('number', '=', number)
        .returning('sha256')
        .executeTakeFirst();
      if (!removed) throw notFound();
      await trx
        .updateTable('blobs')
        .set({ ref_count: sql`ref_count - 1` })
        .where('sha256', '=', removed.sha256)
        .execute();
      return removed.sha256;
    });
    await this.releaseBlob(sha256);
  }

  /**
   * After a commit that dropped a reference: frees the blob if it is now unused. The change the
   * client asked for is already done, so a storage failure here does not fail the request; the
   * blob stays unreferenced and the next sweep removes it.
   */
  private async releaseBlob(sha256: string): Promise<void> {
    await this.removeBlobIfUnused(sha256).catch(() => false);
  }

  /** The stored bytes of an image (or a range of them). */
  openBytes(image: ImageRecord, range?: ByteRange): Promise<Readable> {
    return this.storage.get(blobKey(image.sha256), range);
  }

  /** A variant of the image: from the cache, or rendered now (bounded; may answer 503 when saturated). */
  variant(image: ImageRecord, request: VariantRequest, accept: string | undefined): Promise<{ variant: StoredVariant; data?: Buffer }> {
    return this.variants.get(image, request, accept);
  }

  openVariant(variant: StoredVariant, range?: ByteRange): Promise<Readable> {
    return this.variants.open(variant, range);
  }

  /**
   * Forgets uploads that were in flight when the previous process died. Only for SQLite: its
   * database belongs to one process, so at start-up no upload can be pending. (On PostgreSQL other
   * instances may be mid-upload; their leases expire instead.)
   */
  async forgetDeadUploads(): Promise<void> {
    if (this.db.dialect === 'sqlite')
      await this.db.kysely.updateTable('blobs').set({ pending_uploads: 0 }).where('pending_uploads', '>', 0).execute();
  }

  /** What a sweep would remove: unreferenced blobs, and stored objects that no row knows. */
  async findGarbage(): Promise<Garbage> {
    const blobs = await this.db.kysely
      .selectFrom('blobs')
      .select(['sha256', 'bytes'])
      .where('ref_count', '<=', 0)
      .where((eb) => eb.or([eb('pending_uploads', '<=', 0), eb('lease_until', '<', now())]))
      .execute();
    const strayObjects: string[] = [];
    for await (const key of this.storage.list('originals/')) {
      const sha256 = SHA256_IN_BLOB_KEY.exec(key)?.[1];
      // A blob row always exists before its object is written, so an object without one is left over.
      const known = sha256 && (await this.db.kysely.selectFrom('blobs').select('sha256').where('sha256', '=', sha256).executeTakeFirst());
      if (!known) strayObjects.push(key);
    }
    const staleUploads: string[] = [];
    for (const name of await readdir(this.ingest.tmpDir).catch(() => [])) {
      const path = join(this.ingest.tmpDir, name);
      const info = await stat(path).catch(() => null);
      if (info && Date.now() - info.mtimeMs > this.ingest.staleAfterMs) staleUploads.push(path);
    }
    return {
      blobs: blobs.map((blob) => ({ sha256: blob.sha256, bytes: Number(blob.bytes) })),
      strayObjects,
      strayVariants: await this.variants.findStray(),
      staleUploads,
    };
  }

  /** Removes unreferenced blobs (and their variants), and stored objects that no row knows. */
  async sweep(): Promise<SweepReport> {
    const garbage = await this.findGarbage();
    let blobsRemoved = 0;
    for (const { sha256 } of garbage.blobs) if (await this.removeBlobIfUnused(sha256)) blobsRemoved++;
    for (const key of garbage.strayObjects) await this.storage.delete(key);
    for (const key of garbage.strayVariants) await this.storage.delete(key);
    for (const path of garbage.staleUploads) await rm(path, { force: true });
    return {
      blobsRemoved,
      strayObjectsRemoved: garbage.strayObjects.length,
      strayVariantsRemoved: garbage.strayVariants.length,
      staleUploadsRemoved: garbage.staleUploads.length,
    };
  }

  /**
   * Verifies every stored original against its hash and every reference count against the images.
   * With `repair`, wrong reference counts are corrected (missing or corrupt bytes cannot be).
   */
  async verify(repair: boolean, onProgress: (done: number, total: number) => void = () => undefined): Promise<VerifyReport> {
    const blobs = await this.db.kysely.selectFrom('blobs').select(['sha256', 'bytes', 'ref_count']).where('ref_count', '>', 0).execute();
    const report: VerifyReport = { checked: 0, bytes: 0, missing: [], corrupt: [], wrongCounts: [], repaired: 0 };
    for (const blob of blobs) {
      try {
        const hash = createHash('sha256');
        for await (const chunk of await this.storage.get(blobKey(blob.sha256))) hash.update(chunk as Buffer);
        if (hash.digest('hex') !== blob.sha256) report.corrupt.push(blob.sha256);
      } catch (error) {
        if (!(error instanceof ObjectNotFoundError)) throw error;
        report.missing.push(blob.sha256);
      }
      report.checked++;
      report.bytes += Number(blob.bytes);
      onProgress(report.checked, blobs.length);
    }
    const counts = await this.db.kysely
      .selectFrom('blobs')
      .leftJoin('images', 'images.sha256', 'blobs.sha256')
      .select((eb) => ['blobs.sha256 as sha256', 'blobs.ref_count as refCount', eb.fn.count<number | string>('images.id').as('images')])
      .groupBy(['blobs.sha256', 'blobs.ref_count'])
      .execute();
    for (const row of counts) {
      if (Number(row.images) === row.refCount) continue;
      report.wrongCounts.push({ sha256: row.sha256, recorded: row.refCount, actual: Number(row.images) });
      if (repair) {
        await this.db.kysely
          .updateTable('blobs')
          .set({ ref_count: Number(row.images) })
          .where('sha256', '=', row.sha256)
          .execute();
        report.repaired++;
      }
    }
    return report;
  }

  /** Where storage goes: per user (images and their bytes) and overall (stored, shared by dedup, variants). */
  async usageReport(): Promise<UsageReport> {
    const users = await this.db.kysely
      .selectFrom('users')
      .leftJoin('images', 'images.user_id', 'users.id')
      .leftJoin('blobs', 'blobs.sha256', 'images.sha256')
      .select((eb) => [
        'users.username as username',
        eb.fn.count<number | string>('images.id').as('images'),
        eb.fn.sum<number | string | null>('blobs.bytes').as('bytes'),
      ])
      .groupBy('users.username')
      .orderBy('users.username')
      .execute();
    const stored = await this.db.kysely
      .selectFrom('blobs')
      .select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.sum<number | string | null>('bytes').as('bytes')])
      .where('ref_count', '>', 0)
      .executeTakeFirstOrThrow();
    const variants = await this.db.kysely
      .selectFrom('variants')
      .select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.sum<number | string | null>('bytes').as('bytes')])
      .executeTakeFirstOrThrow();
    const perUser = users.map((row) => ({ username: row.username, images: Number(row.images), bytes: Number(row.bytes ?? 0) }));
    const logical = perUser.reduce((sum, user) => sum + user.bytes, 0);
    return {
      users: perUser,
      originals: { files: Number(stored.count), bytes: Number(stored.bytes ?? 0) },
      sharedByDedup: logical - Number(stored.bytes ?? 0),
      variants: { files: Number(variants.count), bytes: Number(variants.bytes ?? 0) },
    };
  }

  /**
   * The blob life cycle around one upload: register it as pending on the blob, store the bytes
   * unless they are already there, then run `commit` in the transaction that turns the pending
   * upload into a reference. If anything fails, the pending mark is dropped and the blob removed
   * when nothing else uses it.
   */
  private async withBlob<T>(upload: StagedUpload, commit: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
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
        await this.removeBlobIfUnused(sha256);
      }
    }
  }

  /** Deletes the blob, its variants and its bytes if nothing refers to it and no upload is pending. */
  private async removeBlobIfUnused(sha256: string): Promise<boolean> {
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

/** Unreferenced, and no upload in flight, or the pending ones are past their lease (their process died). */
function isGarbage(blob: { ref_count: number; pending_uploads: number; lease_until: string | null }): boolean {
  return blob.ref_count <= 0 && (blob.pending_uploads <= 0 || blob.lease_until === null || blob.lease_until < now());
}
