import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { UploadsTable } from '../db/schema.js';
import { ChecksumMismatch, Conflict, DomainError, InvalidInput, NotFound, Throttled, TooLarge } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { Albums } from './albums.js';
import { withinAll, type ImageCatalog, type ImageRecord, type NewImageFields, type WithinCommit } from './catalog.js';
import { MeasuringStream, type Ingest } from './ingest.js';

/** An upload's state as its owner sees it. */
export interface UploadState {
  id: string;
  length: number;
  offset: number;
  filename: string | null;
  createdAt: string;
  expiresAt: string;
  /** Once the last byte is in: the image it became, or why it was refused (status and DRF body). */
  image: number | null;
  error: { status: number; body: Record<string, unknown> } | null;
  finishedAt: string | null;
}

/** How a finished upload ended, for the request that finished it. */
export type UploadOutcome = { image: ImageRecord } | { error: DomainError };

export interface ResumableOptions {
  tmpDir: string;
  maxBytes: number;
  expiryMs: number;
  /** Unfinished uploads one user may have at once. */
  maxOpenPerUser: number;
  /** A finishing claim older than this belongs to a request that died; another may take it over. */
  staleFinishMs: number;
  /** Turns an error into the status and body the API answers (http/errors.ts), so that a refused upload keeps it. */
  describeError(error: DomainError): { status: number; body: Record<string, unknown> };
}

const ID_PATTERN = /^[0-9a-f]{32}$/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type UploadRow = Omit<UploadsTable, 'offset'> & { offset: number | string };

function toState(row: UploadRow): UploadState {
  return {
    id: row.id,
    length: Number(row.length),
    offset: Number(row.offset),
    filename: row.filename,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    image: row.image_number,
    error: row.error_status === null ? null : { status: row.error_status, body: JSON.parse(row.error ?? '{}') as Record<string, unknown> },
    finishedAt: row.finished_at,
  };
}

/**
 * Resumable uploads (the tus protocol's state): each chunk is received into a temporary file, kept
 * in storage as a part, and recorded with the new offset in one transaction that only succeeds from
 * the offset the client named: two instances, or two requests, cannot both append at one offset,
 * and no lock outlives a request. When the last byte is in, the parts are read in order through the
 * same ingest as a single upload, exactly once.
 */
export class ResumableUploads {
  constructor(
    private readonly db: Db,
    private readonly storage: Storage,
    private readonly ingest: Ingest,
    private readonly catalog: ImageCatalog,
    private readonly albums: Albums,
    private readonly clock: Clock,
    private readonly options: ResumableOptions,
  ) {}

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  /** Creates an upload of `length` bytes; refused before any byte when it is too large or would break the quota. */
  async create(
    userId: number,
    length: number,
    filename: string | null,
    fields: NewImageFields,
    within?: (trx: Parameters<WithinCommit>[0], id: string) => Promise<void>,
  ): Promise<UploadState> {
    const { maxBytes, expiryMs, maxOpenPerUser } = this.options;
    if (length > maxBytes) throw new TooLarge('Upload-Length', maxBytes);
    if (fields.album) await this.albums.checkExists(userId, fields.album);
    await this.catalog.assertRoomFor(userId, 1, length);
    const open = await this.db.kysely
      .selectFrom('uploads')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('user_id', '=', userId)
      .where('finished_at', 'is', null)
      .where('expires_at', '>', this.now())
      .executeTakeFirstOrThrow();
    if (Number(open.count) >= maxOpenPerUser) {
      throw new Throttled(`Too many unfinished uploads: at most ${maxOpenPerUser}. Finish or delete some first.`, 60);
    }
    const id = randomBytes(16).toString('hex');
    const createdAt = this.now();
    const row = {
      id,
      user_id: userId,
      length,
      fields: JSON.stringify(fields),
      filename,
      created_at: createdAt,
      expires_at: new Date(this.clock() + expiryMs).toISOString(),
      image_number: null,
      error_status: null,
      error: null,
      finishing_at: null,
      finished_at: null,
    };
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('uploads').values(row).execute();
      await within?.(trx, id);
    });
    return toState({ ...row, offset: 0 });
  }

  private async row(userId: number, id: string): Promise<UploadRow> {
    if (!ID_PATTERN.test(id)) throw new NotFound();
    const row = await this.db.kysely
      .selectFrom('uploads')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!row || (row.finished_at === null && row.expires_at <= this.now())) throw new NotFound();
    return row;
  }

  async get(userId: number, id: string): Promise<UploadState> {
    return toState(await this.row(userId, id));
  }

  /**
   * Appends a chunk at `offset`. Without a checksum, the bytes that arrived before a dropped
   * connection are kept (the client resumes after them); with one, a chunk is kept only whole and
   * matching. Returns the new state and, when this chunk completed the upload, how it ended.
   */
  async append(
    userId: number,
    id: string,
    offset: number,
    body: Readable,
    checksum: Buffer | null,
  ): Promise<{ state: UploadState; outcome: UploadOutcome | null }> {
    const row = await this.row(userId, id);
    if (row.finished_at !== null || Number(row.offset) === Number(row.length)) {
      throw new Conflict('This upload is complete; it takes no more bytes.');
    }
    if (Number(row.offset) !== offset) throw new Conflict(`Upload-Offset must be ${Number(row.offset)}, the bytes received so far.`);
    const temp = join(this.options.tmpDir, `part-${randomBytes(16).toString('hex')}`);
    const meter = new MeasuringStream(
      Number(row.length) - offset,
      () => new InvalidInput({ 'Upload-Offset': ['The chunk goes past Upload-Length.'] }),
    );
    let interrupted: unknown = null;
    try {
      await pipeline(body, meter, createWriteStream(temp, { flags: 'wx' }));
    } catch (error) {
      if (error instanceof DomainError) {
        await rm(temp, { force: true });
        throw error;
      }
      interrupted = error;
    }
    try {
      if (interrupted !== null) {
        // What arrived before the connection dropped is kept, unless a checksum was promised: it cannot be checked.
        const size = (await stat(temp).catch(() => null))?.size ?? 0;
        if (checksum === null && size > 0) await this.commitPart(row, offset, temp, size);
        throw interrupted;
      }
      if (checksum !== null && !meter.hash.digest().equals(checksum)) throw new ChecksumMismatch();
      if (meter.bytes > 0) await this.commitPart(row, offset, temp, meter.bytes);
    } finally {
      await rm(temp, { force: true });
    }
    const state = await this.get(userId, id);
    if (state.offset < state.length) return { state, outcome: null };
    return this.finish(userId, id);
  }

  private async commitPart(row: UploadRow, offset: number, temp: string, bytes: number): Promise<void> {
    const key = `uploads/${row.id}/${String(offset).padStart(16, '0')}-${randomBytes(4).toString('hex')}`;
    await this.storage.putFile(key, temp);
    const moved = await this.db.kysely.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('uploads')
        .set({ offset: offset + bytes })
        .where('id', '=', row.id)
        .where('offset', '=', offset)
        .where('finished_at', 'is', null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return false;
      await trx.insertInto('upload_parts').values({ upload_id: row.id, offset, bytes, key }).execute();
      return true;
    });
    if (!moved) {
      await this.storage.delete(key);
      throw new Conflict('Another request appended to this upload at the same offset; ask for the offset (HEAD) and resume.');
    }
  }

  /**
   * Turns a complete upload into an image, exactly once: the request that claims it runs the ingest;
   * another one that arrives meanwhile (a retry, another instance) waits for the result.
   */
  async finish(userId: number, id: string): Promise<{ state: UploadState; outcome: UploadOutcome | null }> {
    const staleBefore = new Date(this.clock() - this.options.staleFinishMs).toISOString();
    for (;;) {
      const row = await this.row(userId, id);
      if (Number(row.offset) < Number(row.length)) return { state: toState(row), outcome: null };
      if (row.finished_at !== null) return { state: toState(row), outcome: null };
      const claimed = await this.db.kysely
        .updateTable('uploads')
        .set({ finishing_at: this.now() })
        .where('id', '=', id)
        .where('finished_at', 'is', null)
        .where((eb) => eb.or([eb('finishing_at', 'is', null), eb('finishing_at', '<', staleBefore)]))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) return this.ingestComplete(userId, row);
      await sleep(200);
    }
  }

  private async ingestComplete(userId: number, row: UploadRow): Promise<{ state: UploadState; outcome: UploadOutcome }> {
    const parts = await this.db.kysely
      .selectFrom('upload_parts')
      .select(['key', 'bytes'])
      .where('upload_id', '=', row.id)
      .orderBy('offset')
      .execute();
    const storage = this.storage;
    const body = Readable.from(
      (async function* () {
        for (const part of parts) yield* await storage.get(part.key);
      })(),
    );
    let outcome: UploadOutcome;
    try {
      const staged = await this.ingest.stage(body, row.filename ?? undefined, userId, this.options.maxBytes);
      try {
        const fields = JSON.parse(row.fields) as NewImageFields;
        const album = fields.album;
        const within = withinAll(
          album ? (trx, number) => this.albums.placeNew(trx, userId, album, number) : undefined,
          async (trx, number) => {
            await trx.updateTable('uploads').set({ image_number: number, finished_at: this.now() }).where('id', '=', row.id).execute();
          },
        );
        const image = await this.catalog.create(userId, staged, fields, undefined, within);
        outcome = { image };
      } finally {
        await staged.discard();
      }
    } catch (error) {
      if (!(error instanceof DomainError)) {
        // Not the file's fault (storage, database): the claim lapses and a retry finishes it.
        throw error;
      }
      const { status, body: errorBody } = this.options.describeError(error);
      await this.db.kysely
        .updateTable('uploads')
        .set({ error_status: status, error: JSON.stringify(errorBody), finished_at: this.now() })
        .where('id', '=', row.id)
        .execute();
      outcome = { error };
    }
    await this.removeParts(row.id);
    return { state: await this.get(userId, row.id), outcome };
  }

  private async removeParts(id: string): Promise<void> {
    for await (const key of this.storage.list(`uploads/${id}/`)) await this.storage.delete(key);
    await this.db.kysely.deleteFrom('upload_parts').where('upload_id', '=', id).execute();
  }

  /** Terminates an upload: its bytes and its record are gone. */
  async terminate(userId: number, id: string): Promise<void> {
    const row = await this.row(userId, id);
    await this.db.kysely.deleteFrom('uploads').where('id', '=', row.id).execute();
    await this.removeParts(row.id);
  }

  /** Uploads past their expiry (unfinished: the bytes; finished: the record of the result), and parts of uploads no record knows. */
  async findExpired(): Promise<{ expired: string[]; strayParts: string[] }> {
    const expired = await this.db.kysely.selectFrom('uploads').select('id').where('expires_at', '<=', this.now()).execute();
    const strayParts: string[] = [];
    const known = new Map<string, boolean>();
    for await (const key of this.storage.list('uploads/')) {
      const id = key.split('/')[1] ?? '';
      if (!known.has(id)) {
        known.set(id, Boolean(await this.db.kysely.selectFrom('uploads').select('id').where('id', '=', id).executeTakeFirst()));
      }
      if (!known.get(id)) strayParts.push(key);
    }
    return { expired: expired.map((row) => row.id), strayParts };
  }

  async removeExpired(found: { expired: string[]; strayParts: string[] }): Promise<void> {
    for (const id of found.expired) {
      await this.db.kysely.deleteFrom('uploads').where('id', '=', id).where('expires_at', '<=', this.now()).execute();
      await this.removeParts(id);
    }
    for (const key of found.strayParts) await this.storage.delete(key);
  }
}
