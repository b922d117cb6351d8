import { sql, type InferResult, type Kysely, type Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import { PreparedQuery } from '../db/prepared.js';
import { now, type Database } from '../db/schema.js';
import { NotFound, QuotaExceeded } from '../errors.js';
import type { ExifSummary } from '../processing/exif-summary.js';
import type { ImageFormat } from '../processing/formats.js';
import type { BlobLifecycle } from './blobs.js';
import type { StagedUpload } from './ingest.js';

/** Listing order: by id, which is upload order (a replace keeps its place). */
export type ListOrder = 'oldest' | 'newest';

export interface Quotas {
  /** 0 means unlimited. */
  bytes: number;
  images: number;
}

export interface Usage {
  images: number;
  bytes: number;
}

function imageQuery(kysely: Kysely<Database>) {
  return kysely
    .selectFrom('images')
    .innerJoin('blobs', 'blobs.sha256', 'images.sha256')
    .innerJoin('users', 'users.id', 'images.user_id')
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
      'users.link_key as linkKey',
      'users.disabled_at as ownerDisabledAt',
    ]);
}

type ImageRow = InferResult<ReturnType<typeof imageQuery>>[number];

/** An image as its owner sees it: the row plus what is known of its bytes. */
export type ImageRecord = Omit<ImageRow, 'bytes' | 'format' | 'animated' | 'hasAlpha' | 'exif' | 'ownerDisabledAt'> & {
  bytes: number;
  format: ImageFormat;
  animated: boolean;
  hasAlpha: boolean;
  exif: ExifSummary | null;
  /** The owner's account is disabled: nothing of it is served, whatever link is shown. */
  ownerDisabled: boolean;
};

export interface ImagePage {
  images: ImageRecord[];
  /** The number to continue after (in the page's order), when there are more. */
  nextAfter: number | null;
}

function toRecord({ ownerDisabledAt, ...row }: ImageRow): ImageRecord {
  return {
    ...row,
    ownerDisabled: ownerDisabledAt !== null,
    bytes: Number(row.bytes),
    format: row.format as ImageFormat,
    animated: Boolean(row.animated),
    hasAlpha: Boolean(row.hasAlpha),
    exif: row.exif ? (JSON.parse(row.exif) as ExifSummary) : null,
  };
}

/** Every user's image count and bytes (each image counted, also when its bytes are shared), by user id. */
export async function usageByUser(kysely: Kysely<Database>): Promise<Map<number, Usage>> {
  const rows = await kysely
    .selectFrom('images')
    .innerJoin('blobs', 'blobs.sha256', 'images.sha256')
    .select((eb) => [
      'images.user_id as userId',
      eb.fn.countAll<number | string>().as('images'),
      eb.fn.sum<number | string>('blobs.bytes').as('bytes'),
    ])
    .groupBy('images.user_id')
    .execute();
  return new Map(rows.map((row) => [row.userId, { images: Number(row.images), bytes: Number(row.bytes) }]));
}

/** Each user's images: listing, reading, adding, replacing and deleting them, within the quotas. */
export class ImageCatalog {
  /** The read behind every image request: built and compiled once. */
  private readonly imageById: PreparedQuery<Database, ImageRow, [number, number]>;

  constructor(
    private readonly db: Db,
    private readonly blobs: BlobLifecycle,
    readonly quotas: Quotas,
  ) {
    this.imageById = new PreparedQuery(db.kysely, imageQuery(db.kysely).where('images.user_id', '=', 0).where('images.number', '=', 0), 2);
  }

  /** A page of the user's images after the number `after` (0: from the start) in the given order. */
  async list(userId: number, limit: number, after: number, order: ListOrder = 'oldest'): Promise<ImagePage> {
    let query = imageQuery(this.db.kysely).where('images.user_id', '=', userId);
    if (order === 'oldest') query = query.where('images.number', '>', after).orderBy('images.number', 'asc');
    else query = (after > 0 ? query.where('images.number', '<', after) : query).orderBy('images.number', 'desc');
    const rows = await query.limit(limit + 1).execute();
    const images = rows.slice(0, limit).map(toRecord);
    return { images, nextAfter: rows.length > limit ? images[images.length - 1]!.number : null };
  }

  async get(userId: number, number: number): Promise<ImageRecord> {
    const [row] = await this.imageById.execute(userId, number);
    if (!row) throw new NotFound();
    return toRecord(row);
  }

  /** How many images the user has and their bytes (each image counted, even when its bytes are shared). */
  async usage(userId: number, trx: Transaction<Database> | Kysely<Database> = this.db.kysely): Promise<Usage> {
    const row = await trx
      .selectFrom('images')
      .innerJoin('blobs', 'blobs.sha256', 'images.sha256')
      .select((eb) => [eb.fn.countAll<number | string>().as('images'), eb.fn.sum<number | string | null>('blobs.bytes').as('bytes')])
      .where('images.user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return { images: Number(row.images), bytes: Number(row.bytes ?? 0) };
  }

  private async checkQuota(trx: Transaction<Database>, userId: number, addedImages: number, addedBytes: number): Promise<void> {
    if (this.quotas.images === 0 && this.quotas.bytes === 0) return;
    const usage = await this.usage(userId, trx);
    if (this.quotas.images > 0 && usage.images + addedImages > this.quotas.images) {
      throw new QuotaExceeded('images', this.quotas.images, usage.images);
    }
    if (this.quotas.bytes > 0 && usage.bytes + addedBytes > this.quotas.bytes)
      throw new QuotaExceeded('bytes', this.quotas.bytes, usage.bytes);
  }

  /** Adds an image. `history` keeps the times of an image moved from another deployment. */
  async create(userId: number, upload: StagedUpload, history?: { createdAt: string; updatedAt: string }): Promise<ImageRecord> {
    const timestamp = now();
    const number = await this.blobs.withBlob(upload, async (trx) => {
      // This update also locks the user's row (PostgreSQL), so quota checks of one user run one at a time.
      // A disabled (or deleted, or being deleted) account gets no new image: the upload is a 404.
      const allocated = await trx
        .updateTable('users')
        .set({ next_image_number: sql`next_image_number + 1` })
        .where('id', '=', userId)
        .where('disabled_at', 'is', null)
        .returning('next_image_number')
        .executeTakeFirst();
      if (!allocated) throw new NotFound();
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
    const previous = await this.blobs.withBlob(upload, async (trx) => {
      // A no-op update that locks the user's row (PostgreSQL), so quota checks of one user run one at a time.
      const locked = await trx
        .updateTable('users')
        .set({ next_image_number: sql`next_image_number` })
        .where('id', '=', userId)
        .where('disabled_at', 'is', null)
        .executeTakeFirst();
      if (Number(locked.numUpdatedRows) === 0) throw new NotFound();
      // The image row is read under lock: a concurrent replace or delete of it must not be read stale,
      // or the old blob would lose two references and the new one keep one nobody holds (found by the crash test).
      const query = trx
        .selectFrom('images')
        .innerJoin('blobs', 'blobs.sha256', 'images.sha256')
        .select(['images.id as id', 'images.sha256 as sha256', 'blobs.bytes as bytes'])
        .where('images.user_id', '=', userId)
        .where('images.number', '=', number);
      const current = await (this.db.dialect === 'postgres' ? query.forUpdate('images') : query).executeTakeFirst();
      if (!current) throw new NotFound();
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
      await this.blobs.dropReference(trx, current.sha256);
      return current.sha256;
    });
    if (previous !== upload.sha256) await this.blobs.release(previous);
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
      if (!removed) throw new NotFound();
      await this.blobs.dropReference(trx, removed.sha256);
      return removed.sha256;
    });
    await this.blobs.release(sha256);
  }
}
