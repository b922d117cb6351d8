import { sql, type InferResult, type Kysely, type Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { PreparedQuery } from '../db/prepared.js';
import { deepFreeze } from '../freeze.js';
import type { Database } from '../db/schema.js';
import { InvalidInput, NotFound, QuotaExceeded } from '../errors.js';
import type { ExifSummary } from '../processing/exif-summary.js';
import type { ImageFormat } from '../processing/formats.js';
import type { Outbox } from '../events/outbox.js';
import type { EventType } from '../events/types.js';
import type { BlobLifecycle } from './blobs.js';
import { imageResource } from './resource.js';
import { checkDescription, checkMetadata, checkTitle, collect, normaliseTags } from './fields.js';
import type { StagedUpload } from './ingest.js';
import { NO_LABELS, readLabels, writeLabels, type Labels } from './labels.js';

export interface Quotas {
  /** 0 means unlimited. */
  bytes: number;
  images: number;
}

export interface Usage {
  images: number;
  bytes: number;
}

export function imageQuery(kysely: Kysely<Database>) {
  return kysely
    .selectFrom('images')
    .innerJoin('blobs', 'blobs.sha256', 'images.sha256')
    .innerJoin('users', 'users.id', 'images.user_id')
    .select([
      'images.id as rowId',
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
      'images.title as title',
      'images.description as description',
      'images.tags as tags',
      'images.metadata as metadata',
      'images.trashed_at as trashedAt',
      'images.focal_x as focalX',
      'images.focal_y as focalY',
      'images.expires_at as expiresAt',
      'users.link_key as linkKey',
      'users.disabled_at as ownerDisabledAt',
      'users.presets_stamp as presetsStamp',
    ]);
}

export type ImageRow = InferResult<ReturnType<typeof imageQuery>>[number];

/** An image as its owner sees it: the row, its labels and what is known of its bytes. */
export type ImageRecord = Omit<
  ImageRow,
  'bytes' | 'format' | 'animated' | 'hasAlpha' | 'exif' | 'ownerDisabledAt' | 'title' | 'description' | 'tags' | 'metadata'
> &
  Labels & {
    bytes: number;
    format: ImageFormat;
    animated: boolean;
    hasAlpha: boolean;
    exif: ExifSummary | null;
    /** The owner's account is disabled: nothing of it is served, whatever link is shown. */
    ownerDisabled: boolean;
    /** The numbers of the albums the image is in, in album order. */
    albums: number[];
  };

/** The EXIF summary as stored (JSON text), or null. */
export function readExif(stored: string | null): ExifSummary | null {
  return stored ? (JSON.parse(stored) as ExifSummary) : null;
}

/** An image without the list of its albums: all that sending its bytes needs (one read fewer). */
export type StoredImage = Omit<ImageRecord, 'albums'>;

// Field by field: spreading the row (and the rest of a destructured one) copied it through V8's slow
// path, 8% of a metadata read's CPU.
function toStoredImage(row: ImageRow): StoredImage {
  const labels = readLabels(row);
  return {
    rowId: row.rowId,
    userId: row.userId,
    number: row.number,
    filename: row.filename,
    sha256: row.sha256,
    bytes: Number(row.bytes),
    format: row.format as ImageFormat,
    contentType: row.contentType,
    width: row.width,
    height: row.height,
    animated: Boolean(row.animated),
    frames: row.frames,
    hasAlpha: Boolean(row.hasAlpha),
    placeholder: row.placeholder,
    dominantColor: row.dominantColor,
    exif: readExif(row.exif),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    title: labels.title,
    description: labels.description,
    tags: labels.tags,
    metadata: labels.metadata,
    trashedAt: row.trashedAt,
    focalX: row.focalX,
    focalY: row.focalY,
    expiresAt: row.expiresAt,
    linkKey: row.linkKey,
    ownerDisabled: row.ownerDisabledAt !== null,
    presetsStamp: row.presetsStamp,
  };
}

export function toRecord(row: ImageRow, albums: number[]): ImageRecord {
  return Object.assign(toStoredImage(row), { albums });
}

/** What an upload may carry besides the file. */
export interface NewImageFields extends Labels {
  /** The image is purged at this time. */
  expiresAt: string | null;
  /** The album (its number) the new image goes into. */
  album?: number | null;
}

/** A PATCH: only the fields given change; `tags` replaces, `addTags`/`removeTags` edit. */
export interface ImageChange {
  title?: string | null;
  description?: string | null;
  tags?: string[];
  addTags?: string[];
  removeTags?: string[];
  /** Checked here: a flat object of values, or null. */
  metadata?: unknown;
  /** The subject as fractions of the upright width and height; null clears it. */
  focalPoint?: { x: number; y: number } | null;
}

/** Checks what a user wrote, collecting every field's problem into one 400. */
export function checkLabels(input: {
  title?: string | null;
  description?: string | null;
  tags?: string[];
  metadata?: unknown;
}): Partial<Labels> {
  const labels: Partial<Labels> = {};
  collect([
    () => input.title !== undefined && (labels.title = checkTitle(input.title)),
    () => input.description !== undefined && (labels.description = checkDescription(input.description)),
    () => input.tags !== undefined && (labels.tags = normaliseTags(input.tags)),
    () => input.metadata !== undefined && (labels.metadata = checkMetadata(input.metadata)),
  ]);
  return labels;
}

/** The live condition: not expired (expired images are gone, whether or not the sweeper has purged them yet). */
function notExpired(now: string) {
  return sql<boolean>`(images.expires_at is null or images.expires_at > ${now})`;
}

/** Work that commits with an image's creation or replacement (an idempotency answer, an event), given the image's number. */
export type WithinCommit = (trx: Transaction<Database>, imageNumber: number) => Promise<void>;

/** Several pieces of work for one transaction, in order. */
export function withinAll(...steps: (WithinCommit | undefined)[]): WithinCommit | undefined {
  const present = steps.filter((step): step is WithinCommit => step !== undefined);
  if (present.length === 0) return undefined;
  return async (trx, imageNumber) => {
    for (const step of present) await step(trx, imageNumber);
  };
}

/** Each user's images: reading, adding, replacing, labelling, trashing and deleting them, within the quotas. */
export class ImageCatalog {
  /** The read behind every image request: built and compiled once. */
  private readonly imageById: PreparedQuery<ImageRow, [number, number]>;
  private readonly albumsOfImage: PreparedQuery<{ number: number }, [number]>;
  /**
   * What was made of a row (and its album rows), while that row is kept: on SQLite the hot reads hand
   * out the same frozen rows until the file changes (ReadCache), so an image read again unchanged is
   * not rebuilt (8% of a metadata read). The results are frozen too: every request shares them.
   */
  private readonly storedOf = new WeakMap<ImageRow, StoredImage>();
  private readonly recordOf = new WeakMap<ImageRow, { albums: readonly unknown[]; record: ImageRecord }>();

  constructor(
    private readonly db: Db,
    private readonly blobs: BlobLifecycle,
    readonly quotas: Quotas,
    private readonly clock: Clock = () => Date.now(),
    /** Where image events go, in the transaction of each change; none: no events (tools). */
    private readonly outbox: Outbox | null = null,
  ) {
    this.imageById = new PreparedQuery(db, imageQuery(db.kysely).where('images.user_id', '=', 0).where('images.number', '=', 0), 2);
    const albums = db.kysely
      .selectFrom('album_images')
      .innerJoin('albums', 'albums.id', 'album_images.album_id')
      .select('albums.number as number')
      .where('album_images.image_id', '=', 0)
      .orderBy('albums.number');
    this.albumsOfImage = new PreparedQuery(db, albums, 1);
  }

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  /** An image as the transaction sees it (its own uncommitted changes included). */
  private async recordIn(trx: Kysely<Database>, rowId: number): Promise<ImageRecord> {
    const row = await imageQuery(trx).where('images.id', '=', rowId).executeTakeFirstOrThrow();
    const albums = await trx
      .selectFrom('album_images')
      .innerJoin('albums', 'albums.id', 'album_images.album_id')
      .select('albums.number as number')
      .where('album_images.image_id', '=', rowId)
      .orderBy('albums.number')
      .execute();
    return toRecord(
      row,
      albums.map((album) => album.number),
    );
  }

  /** Records an event per image, with the image as it is at that point of the transaction; nothing when no hook wants it. */
  async emit(trx: Kysely<Database>, userId: number, type: EventType, rowIds: readonly number[]): Promise<void> {
    if (!this.outbox || rowIds.length === 0) return;
    const targets = await this.outbox.targets(trx, userId, type);
    if (targets.length === 0) return;
    for (const rowId of rowIds) {
      await this.outbox.write(trx, userId, type, async () => imageResource(await this.recordIn(trx, rowId)), targets);
    }
  }

  /** quota.warning when this change takes the user's usage across 80 % or 95 % of a quota. */
  private async warnQuota(trx: Kysely<Database>, userId: number, before: Usage, after: Usage): Promise<void> {
    if (!this.outbox) return;
    for (const quota of ['bytes', 'images'] as const) {
      const limit = this.quotas[quota];
      if (limit === 0) continue;
      for (const percent of [95, 80]) {
        const line = (limit * percent) / 100;
        if (before[quota] < line && after[quota] >= line) {
          await this.outbox.record(trx, userId, 'quota.warning', { quota, limit, used: after[quota], percent });
          break;
        }
      }
    }
  }

  /** The album numbers of several images, in one query. */
  async albumsOf(rowIds: readonly number[]): Promise<Map<number, number[]>> {
    const albums = new Map<number, number[]>();
    if (rowIds.length === 0) return albums;
    const rows = await this.db.kysely
      .selectFrom('album_images')
      .innerJoin('albums', 'albums.id', 'album_images.album_id')
      .select(['album_images.image_id as imageId', 'albums.number as number'])
      .where('album_images.image_id', 'in', [...rowIds])
      .orderBy('albums.number')
      .execute();
    for (const row of rows) albums.set(row.imageId, [...(albums.get(row.imageId) ?? []), row.number]);
    return albums;
  }

  /** Records for rows of imageQuery, with their albums. */
  async records(rows: ImageRow[]): Promise<ImageRecord[]> {
    const albums = await this.albumsOf(rows.map((row) => row.rowId));
    return rows.map((row) => toRecord(row, albums.get(row.rowId) ?? []));
  }

  /** One image of the user's, trashed ones included (their owner may look at them); an expired one is gone. */
  async get(userId: number, number: number): Promise<ImageRecord> {
    return this.withAlbums(await this.row(userId, number, { live: false }));
  }

  /** One image that is not in the trash (what links and shares may show). */
  async getLive(userId: number, number: number): Promise<ImageRecord> {
    return this.withAlbums(await this.row(userId, number, { live: true }));
  }

  /** The same as `get`, or `getLive` with `live`, without the album list: for sending the image's bytes. */
  async stored(userId: number, number: number, which: { live: boolean }): Promise<StoredImage> {
    const row = await this.row(userId, number, which);
    let stored = this.storedOf.get(row);
    if (!stored) {
      stored = deepFreeze(toStoredImage(row));
      this.storedOf.set(row, stored);
    }
    return stored;
  }

  /** The image's row, if it is served: an expired one is gone, a trashed one only to its owner (`live`: false). */
  private async row(userId: number, number: number, { live }: { live: boolean }): Promise<ImageRow> {
    const row = await this.imageById.first(userId, number);
    if (!row || (row.expiresAt !== null && row.expiresAt <= this.now())) throw new NotFound();
    if (live && row.trashedAt !== null) throw new NotFound();
    return row;
  }

  private async withAlbums(row: ImageRow): Promise<ImageRecord> {
    const albums = await this.albumsOfImage.execute(row.rowId);
    const known = this.recordOf.get(row);
    if (known?.albums === albums) return known.record;
    const record = deepFreeze(
      toRecord(
        row,
        albums.map((album) => album.number),
      ),
    );
    this.recordOf.set(row, { albums, record });
    return record;
  }

  /** How many images the user has and their bytes (each image counted, also when its bytes are shared); trashed ones count until purged. */
  async usage(userId: number, trx: Kysely<Database> = this.db.kysely, trashedOnly = false): Promise<Usage> {
    let query = trx
      .selectFrom('images')
      .innerJoin('blobs', 'blobs.sha256', 'images.sha256')
      .select((eb) => [eb.fn.countAll<number | string>().as('images'), eb.fn.sum<number | string | null>('blobs.bytes').as('bytes')])
      .where('images.user_id', '=', userId);
    if (trashedOnly) query = query.where('images.trashed_at', 'is not', null);
    const row = await query.executeTakeFirstOrThrow();
    return { images: Number(row.images), bytes: Number(row.bytes ?? 0) };
  }

  /** Refuses a change that would break a quota; records quota.warning when one crosses 80 % or 95 %. */
  private async checkQuota(trx: Transaction<Database>, userId: number, addedImages: number, addedBytes: number): Promise<void> {
    const usage = await this.assertRoomFor(userId, addedImages, addedBytes, trx);
    if (usage) await this.warnQuota(trx, userId, usage, { images: usage.images + addedImages, bytes: usage.bytes + addedBytes });
  }

  /**
   * Refuses (QuotaExceeded) what would take the user past a quota; returns the usage it checked
   * against, or null when no quota is set. Also used before an upload's bytes arrive (tus creation).
   */
  async assertRoomFor(
    userId: number,
    addedImages: number,
    addedBytes: number,
    kysely: Kysely<Database> = this.db.kysely,
  ): Promise<Usage | null> {
    if (this.quotas.images === 0 && this.quotas.bytes === 0) return null;
    const usage = await this.usage(userId, kysely);
    if (this.quotas.images > 0 && usage.images + addedImages > this.quotas.images) {
      throw new QuotaExceeded('images', this.quotas.images, usage.images);
    }
    if (this.quotas.bytes > 0 && usage.bytes + addedBytes > this.quotas.bytes)
      throw new QuotaExceeded('bytes', this.quotas.bytes, usage.bytes);
    return usage;
  }

  /** Adds an image with its labels. `history` keeps the times of an image moved from another deployment. */
  async create(
    userId: number,
    upload: StagedUpload,
    fields: NewImageFields = { ...NO_LABELS, expiresAt: null },
    history?: { createdAt: string; updatedAt: string; trashedAt?: string | null },
    within?: WithinCommit,
  ): Promise<ImageRecord> {
    const timestamp = this.now();
    const { info } = upload;
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
      const inserted = await trx
        .insertInto('images')
        .values({
          user_id: userId,
          number: imageNumber,
          sha256: upload.sha256,
          filename: upload.filename,
          exif: upload.exif ? JSON.stringify(upload.exif) : null,
          taken_at: upload.exif?.taken_at ?? null,
          format: info.format,
          width: info.width,
          height: info.height,
          animated: info.animated ? 1 : 0,
          expires_at: fields.expiresAt,
          trashed_at: history?.trashedAt ?? null,
          created_at: history?.createdAt ?? timestamp,
          updated_at: history?.updatedAt ?? timestamp,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await writeLabels(trx, { id: inserted.id, userId, number: imageNumber, filename: upload.filename }, fields);
      await within?.(trx, imageNumber);
      // After `within`: an album it placed the image in is part of the event.
      if (!history) await this.emit(trx, userId, 'image.created', [inserted.id]);
      return imageNumber;
    });
    return this.get(userId, number);
  }

  /** Points the image at new content; its labels and albums stay. Nothing changes unless the whole replace succeeds. */
  async replace(userId: number, number: number, upload: StagedUpload, within?: WithinCommit): Promise<ImageRecord> {
    const { info } = upload;
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
        .select([
          'images.id as id',
          'images.sha256 as sha256',
          'blobs.bytes as bytes',
          'images.title',
          'images.description',
          'images.tags',
          'images.metadata',
        ])
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
          taken_at: upload.exif?.taken_at ?? null,
          format: info.format,
          width: info.width,
          height: info.height,
          animated: info.animated ? 1 : 0,
          updated_at: this.now(),
        })
        .where('id', '=', current.id)
        .execute();
      // The file name is part of the search words.
      await writeLabels(trx, { id: current.id, userId, number, filename: upload.filename }, readLabels(current));
      await this.blobs.dropReference(trx, current.sha256);
      await within?.(trx, number);
      await this.emit(trx, userId, 'image.replaced', [current.id]);
      return current.sha256;
    });
    if (previous !== upload.sha256) await this.blobs.release(previous);
    return this.get(userId, number);
  }

  /** Changes the fields given; the others stay. */
  async update(userId: number, number: number, change: ImageChange): Promise<ImageRecord> {
    const checked = checkLabels(change);
    const add = change.addTags === undefined ? [] : normaliseTags(change.addTags, 'add_tags');
    const remove = new Set(change.removeTags === undefined ? [] : normaliseTags(change.removeTags, 'remove_tags'));
    await this.db.kysely.transaction().execute(async (trx) => {
      const query = trx
        .selectFrom('images')
        .select(['id', 'filename', 'title', 'description', 'tags', 'metadata'])
        .where('user_id', '=', userId)
        .where('number', '=', number);
      const current = await (this.db.dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
      if (!current) throw new NotFound();
      const labels = { ...readLabels(current), ...checked };
      if (add.length > 0 || remove.size > 0) labels.tags = normaliseTags([...labels.tags, ...add].filter((tag) => !remove.has(tag)));
      await writeLabels(trx, { id: current.id, userId, number, filename: current.filename }, labels);
      const focal = change.focalPoint === undefined ? {} : { focal_x: change.focalPoint?.x ?? null, focal_y: change.focalPoint?.y ?? null };
      await trx
        .updateTable('images')
        .set({ updated_at: this.now(), ...focal })
        .where('id', '=', current.id)
        .execute();
      await this.emit(trx, userId, 'image.updated', [current.id]);
    });
    return this.get(userId, number);
  }

  /**
   * Deletes image rows in the caller's transaction and drops their blobs' references; returns the
   * blobs to release once the transaction has committed.
   */
  async deleteRows(trx: Kysely<Database>, rowIds: readonly number[]): Promise<string[]> {
    if (rowIds.length === 0) return [];
    if (this.outbox) {
      // image.deleted carries the image as it was, per owner (the trash sweep spans users).
      const owners = await trx
        .selectFrom('images')
        .select(['id', 'user_id'])
        .where('id', 'in', [...rowIds])
        .execute();
      const byOwner = new Map<number, number[]>();
      for (const row of owners) byOwner.set(row.user_id, [...(byOwner.get(row.user_id) ?? []), row.id]);
      for (const [owner, ids] of byOwner) await this.emit(trx, owner, 'image.deleted', ids);
    }
    const removed = await trx
      .deleteFrom('images')
      .where('id', 'in', [...rowIds])
      .returning('sha256')
      .execute();
    for (const { sha256 } of removed) await this.blobs.dropReference(trx as Transaction<Database>, sha256);
    return removed.map((row) => row.sha256);
  }

  /** Releases blobs after the transaction that dropped their references has committed. */
  async releaseAll(sha256s: readonly string[]): Promise<void> {
    for (const sha256 of new Set(sha256s)) await this.blobs.release(sha256);
  }

  async delete(userId: number, number: number): Promise<void> {
    const released = await this.db.kysely.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('images').select('id').where('user_id', '=', userId).where('number', '=', number).executeTakeFirst();
      if (!row) throw new NotFound();
      return this.deleteRows(trx, [row.id]);
    });
    await this.releaseAll(released);
  }

  /** Moves images to the trash (their links and shares stop at once) or back; the same ids. */
  async setTrashed(trx: Kysely<Database>, userId: number, rowIds: readonly number[], trashed: boolean): Promise<void> {
    if (rowIds.length === 0) return;
    // Trashing what is already in the trash keeps its time (and so its purge date), and is no event.
    const changed = await trx
      .updateTable('images')
      .set({ trashed_at: trashed ? this.now() : null })
      .where('user_id', '=', userId)
      .where('id', 'in', [...rowIds])
      .where('trashed_at', trashed ? 'is' : 'is not', null)
      .returning('id')
      .execute();
    await this.emit(
      trx,
      userId,
      trashed ? 'image.trashed' : 'image.restored',
      changed.map((row) => row.id),
    );
  }

  private async rowId(userId: number, number: number, trashed: boolean): Promise<number> {
    const row = await this.db.kysely
      .selectFrom('images')
      .select('id')
      .where('user_id', '=', userId)
      .where('number', '=', number)
      .where('trashed_at', trashed ? 'is not' : 'is', null)
      .where(notExpired(this.now()))
      .executeTakeFirst();
    if (!row) throw new NotFound();
    return row.id;
  }

  async trash(userId: number, number: number): Promise<ImageRecord> {
    const id = await this.rowId(userId, number, false);
    await this.db.kysely.transaction().execute((trx) => this.setTrashed(trx, userId, [id], true));
    return this.get(userId, number);
  }

  async restore(userId: number, number: number): Promise<ImageRecord> {
    const id = await this.rowId(userId, number, true);
    await this.db.kysely.transaction().execute((trx) => this.setTrashed(trx, userId, [id], false));
    return this.get(userId, number);
  }

  /**
   * Purges what is due: images in the trash longer than the retention, and images past their expiry.
   * In batches, each in one transaction; bytes released after each commit.
   */
  async purgeDue(retentionMs: number): Promise<number> {
    const now = this.now();
    const trashedBefore = new Date(this.clock() - retentionMs).toISOString();
    let purged = 0;
    for (;;) {
      const due = await this.db.kysely
        .selectFrom('images')
        .select('id')
        .where((eb) => eb.or([eb('trashed_at', '<', trashedBefore), eb('expires_at', '<=', now)]))
        .limit(200)
        .execute();
      if (due.length === 0) return purged;
      const released = await this.db.kysely.transaction().execute((trx) =>
        this.deleteRows(
          trx,
          due.map((row) => row.id),
        ),
      );
      await this.releaseAll(released);
      purged += due.length;
    }
  }

  /** The row ids of the user's images with these numbers; the numbers that name none of the caller's images. */
  async resolve(
    trx: Kysely<Database>,
    userId: number,
    numbers: readonly number[],
  ): Promise<{ ids: Map<number, number>; unknown: number[] }> {
    const ids = new Map<number, number>();
    for (let i = 0; i < numbers.length; i += 500) {
      const rows = await trx
        .selectFrom('images')
        .select(['id', 'number'])
        .where('user_id', '=', userId)
        .where('number', 'in', numbers.slice(i, i + 500))
        .where(notExpired(this.now()))
        .execute();
      for (const row of rows) ids.set(row.number, row.id);
    }
    return { ids, unknown: numbers.filter((number) => !ids.has(number)) };
  }
}

/** 400 naming the ids that are not the caller's, without saying whether they exist. */
export function unknownIds(field: string, unknown: readonly number[]): InvalidInput {
  return new InvalidInput({ [field]: [`Not found: ${unknown.join(', ')}.`] });
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
