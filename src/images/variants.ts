import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Selectable, Transaction } from 'kysely';
import type { Fit, Position } from '../processing/geometry.js';
import type { Db } from '../db/database.js';
import { PreparedQuery } from '../db/prepared.js';
import { now, type Database, type VariantsTable } from '../db/schema.js';
import { Busy, NotFound } from '../errors.js';
import { FORMATS, type EncodableFormat, type ImageFormat } from '../processing/formats.js';
import { checkRenderCost } from '../processing/cost.js';
import { checkEdits, editedSize, editsKey, type Edits } from '../processing/edits.js';
import type { WorkLimiter } from '../limiter.js';
import { renderVariant, type RenderParams } from '../processing/render.js';
import { ObjectNotFoundError, type ByteRange, type Storage } from '../storage/storage.js';
import { blobKey, variantKey, variantPrefix } from './keys.js';

/** A variant to produce: every parameter decided (the format too), sizes in CSS pixels before `dpr`. */
export interface VariantRequest {
  width: number | null;
  height: number | null;
  fit: Fit;
  position: Position;
  format: EncodableFormat;
  /** null: the format's default. */
  quality: number | null;
  dpr: number;
  enlarge: boolean;
  edits: Edits;
}

/** The blob facts a variant depends on. */
export interface VariantSource {
  sha256: string;
  format: ImageFormat;
  width: number;
  height: number;
  animated: boolean;
  frames: number;
  hasAlpha: boolean;
  /** The owner's focal point (fractions of the upright size), for position=focal; null: the centre. */
  focalX: number | null;
  focalY: number | null;
}

/** Who the work is for: the image's owner (caps and fairness), and whether anybody still waits. */
export interface RenderContext {
  owner: number;
  signal?: AbortSignal;
}

export interface StoredVariant {
  key: string;
  contentType: string;
  format: EncodableFormat;
  width: number;
  height: number;
  bytes: number;
  etag: string;
  createdAt: string;
  /** Milliseconds since the epoch: when a use must be recorded again (the cache evicts the least recently used). */
  touchDueAt?: number;
}

export interface VariantOptions {
  maxDimension: number;
  cacheBytes: number;
  timeoutSeconds: number;
  maxPixels: number;
  maxOutputPixels: number;
  maxEnlargement: number;
}

interface Rendered {
  variant: StoredVariant;
  data: Buffer;
  /** Settles when the variant is in the cache (or failed to get there): the bytes are answered before. */
  stored: Promise<void>;
}

interface Rendering {
  promise: Promise<Rendered>;
  /** Requests waiting for this render; when the last one leaves before it starts, it is dropped. */
  waiters: number;
  abandon: AbortController;
}

const TOUCH_INTERVAL_MS = 60_000;

/**
 * Renders variants on demand, keeps them in storage keyed by blob hash + normalised parameters +
 * format, and bounds their total size (least recently used evicted). Variants hang off blobs, so a
 * replaced or deleted image's variants are unreachable at once, and shared by identical images.
 */
export class VariantService {
  private readonly rendering = new Map<string, Rendering>();
  private readonly storing = new Set<Promise<void>>();
  /** Told of a rendered variant that could not be cached (the answer was sent; the next request renders again). */
  onStoreError: (error: unknown) => void = () => undefined;

  /** The read behind every cached variant sent: built and compiled once. */
  private readonly byKey: PreparedQuery<Selectable<VariantsTable>, [string]>;

  constructor(
    private readonly db: Db,
    private readonly storage: Storage,
    private readonly limiter: WorkLimiter,
    private readonly options: VariantOptions,
  ) {
    this.byKey = new PreparedQuery(db, db.kysely.selectFrom('variants').selectAll().where('key', '=', ''), 1);
  }

  /** Finds the cached variant or renders it. Returns the bytes as a buffer when just rendered. */
  async get(source: VariantSource, request: VariantRequest, context: RenderContext): Promise<{ variant: StoredVariant; data?: Buffer }> {
    const { format } = request;
    const scale = (value: number | null) => (value === null ? null : Math.min(this.options.maxDimension, Math.round(value * request.dpr)));
    const box = { width: scale(request.width), height: scale(request.height) };
    const { edits } = request;
    const pad = Math.min(this.options.maxDimension, Math.round(edits.pad * request.dpr));
    // Before the cache: the same parameters get the same answer whether or not they were rendered before.
    checkEdits(edits, source);
    const edited = { ...source, ...editedSize(source, edits) };
    checkRenderCost({ source: edited, box, fit: request.fit, format, enlarge: request.enlarge, pad, blur: edits.blur }, this.options);
    const quality = request.quality ?? FORMATS[format].defaultQuality ?? 100;
    // The position is in the key only when it is not the default: variants cached before it existed stay valid.
    const focal = request.position === 'focal' ? focalOf(source) : null;
    const position = request.position === 'center' ? '' : focal ? `-focal${focal.x}_${focal.y}` : `-${request.position}`;
    const spec =
      `${box.width ?? 0}x${box.height ?? 0}-${request.fit}${position}-q${quality}${request.enlarge ? '-e' : ''}` + editsKey(edits, pad);
    const key = variantKey(source.sha256, spec, format);

    const row = await this.byKey.first(key);
    if (row) {
      let lastUsed = Date.parse(row.last_used_at);
      if (Date.now() - lastUsed > TOUCH_INTERVAL_MS) {
        lastUsed = Date.now();
        await this.db.kysely.updateTable('variants').set({ last_used_at: now() }).where('key', '=', key).execute();
      }
      return {
        variant: {
          key,
          contentType: row.content_type,
          format,
          width: row.width,
          height: row.height,
          bytes: Number(row.bytes),
          etag: row.etag,
          createdAt: row.created_at,
          touchDueAt: lastUsed + TOUCH_INTERVAL_MS,
        },
      };
    }
    let rendering = this.rendering.get(key);
    if (!rendering) {
      const abandon = new AbortController();
      const params = {
        box,
        fit: request.fit,
        position: request.position,
        focal,
        format,
        quality,
        enlarge: request.enlarge,
        edits,
        padPixels: pad,
      };
      const promise = this.render(source, key, params, { owner: context.owner, signal: abandon.signal });
      rendering = { promise, waiters: 0, abandon };
      this.rendering.set(key, rendering);
      // Until it is stored, requests for the same variant share these bytes rather than render it again.
      void promise.then(
        ({ stored }) => stored.finally(() => this.rendering.delete(key)),
        () => this.rendering.delete(key),
      );
    }
    return this.await(rendering, context.signal);
  }

  /** Waits for a shared render; the render is dropped (if it has not started) when its last waiter leaves. */
  private async await(rendering: Rendering, signal: AbortSignal | undefined): Promise<Rendered> {
    rendering.waiters++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      if (--rendering.waiters === 0) rendering.abandon.abort();
    };
    signal?.addEventListener('abort', leave, { once: true });
    try {
      return await rendering.promise;
    } finally {
      signal?.removeEventListener('abort', leave);
      if (!left) {
        left = true;
        rendering.waiters--;
      }
    }
  }

  /** Opens a cached variant's bytes. One evicted between lookup and read is forgotten, and the client told to retry. */
  async open(variant: StoredVariant, range?: ByteRange): Promise<Readable> {
    try {
      return await this.storage.get(variant.key, range);
    } catch (error) {
      if (!(error instanceof ObjectNotFoundError)) throw error;
      await this.db.kysely.deleteFrom('variants').where('key', '=', variant.key).execute();
      throw new Busy('The variant is being rebuilt. Try again.', 1);
    }
  }

  private async render(
    source: VariantSource,
    key: string,
    params: Pick<RenderParams, 'box' | 'fit' | 'position' | 'focal' | 'format' | 'quality' | 'enlarge' | 'edits' | 'padPixels'>,
    job: { owner: number; signal: AbortSignal },
  ): Promise<Rendered> {
    const originalKey = blobKey(source.sha256);
    const { data, width, height } = await this.limiter
      .run(
        async () => {
          const input = this.storage.localPath ? this.storage.localPath(originalKey) : await this.storage.get(originalKey);
          return renderVariant(input, {
            ...params,
            animated: source.animated,
            size: { width: source.width, height: source.height },
            maxPixels: this.options.maxPixels,
            timeoutSeconds: this.options.timeoutSeconds,
          });
        },
        { ...job, timeLimitSeconds: this.options.timeoutSeconds },
      )
      .catch(async (error: unknown) => {
        // The image was deleted or replaced while this waited for a slot: its bytes are gone, and so is what was asked for.
        if (error instanceof ObjectNotFoundError || !(await this.storage.exists(originalKey).catch(() => true))) throw new NotFound();
        throw error;
      });
    const timestamp = now();
    const variant: StoredVariant = {
      key,
      contentType: FORMATS[params.format].contentType,
      format: params.format,
      width,
      height,
      bytes: data.length,
      etag: createHash('sha256').update(data).digest('hex'),
      createdAt: timestamp,
    };
    if (this.options.cacheBytes <= 0) return { variant, data, stored: Promise.resolve() };
    // Stored after the answer: the client does not wait for the cache write (an S3 PUT, a file and a row).
    const stored = this.store(source, variant, data).catch((error: unknown) => this.onStoreError(error));
    this.storing.add(stored);
    void stored.finally(() => this.storing.delete(stored));
    return { variant, data, stored };
  }

  private async store(source: VariantSource, variant: StoredVariant, data: Buffer): Promise<void> {
    const { key, width, height } = variant;
    // A cache entry: losing it to a power cut costs a re-render, so no flush to disk.
    await this.storage.put(key, Readable.from([data]), { durable: false });
    await this.db.kysely
      .insertInto('variants')
      .values({
        key,
        blob_sha256: source.sha256,
        content_type: variant.contentType,
        width,
        height,
        bytes: data.length,
        etag: variant.etag,
        created_at: variant.createdAt,
        last_used_at: variant.createdAt,
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    // The image may have been replaced or deleted while this was stored: then its blob's variants are garbage.
    const live = await this.db.kysely
      .selectFrom('blobs')
      .select('sha256')
      .where('sha256', '=', source.sha256)
      .where('ref_count', '>', 0)
      .executeTakeFirst();
    if (!live) {
      await this.db.kysely.deleteFrom('variants').where('key', '=', key).execute();
      await this.storage.delete(key);
      return;
    }
    await this.evict();
  }

  /** Waits for the variants being written to the cache (before closing the database, and in tests). */
  async settled(): Promise<void> {
    while (this.storing.size > 0) await Promise.allSettled([...this.storing]);
  }

  /** Drops least recently used variants until the cache is back under 90% of its budget. */
  private async evict(): Promise<void> {
    const total = await this.db.kysely
      .selectFrom('variants')
      .select((eb) => eb.fn.sum<number | string | null>('bytes').as('total'))
      .executeTakeFirst();
    let excess = Number(total?.total ?? 0) - this.options.cacheBytes * 0.9;
    if (Number(total?.total ?? 0) <= this.options.cacheBytes) return;
    const oldest = await this.db.kysely
      .selectFrom('variants')
      .select(['key', 'bytes'])
      .orderBy('last_used_at', 'asc')
      .limit(1000)
      .execute();
    for (const victim of oldest) {
      if (excess <= 0) break;
      await this.db.kysely.deleteFrom('variants').where('key', '=', victim.key).execute();
      await this.storage.delete(victim.key);
      excess -= Number(victim.bytes);
    }
  }

  /** Removes every variant of a blob (the blob is going away). Runs in the caller's transaction. */
  async removeForBlob(trx: Transaction<Database>, sha256: string): Promise<void> {
    const rows = await trx.selectFrom('variants').select('key').where('blob_sha256', '=', sha256).execute();
    for (const { key } of rows) await this.storage.delete(key);
    await trx.deleteFrom('variants').where('blob_sha256', '=', sha256).execute();
    for await (const key of this.storage.list(variantPrefix(sha256))) await this.storage.delete(key);
  }

  /** Stored variant objects that no row knows (a crash between storing and recording). */
  async findStray(): Promise<string[]> {
    const stray: string[] = [];
    for await (const key of this.storage.list('variants/')) {
      // A render stores its object just before its row.
      if (this.rendering.has(key)) continue;
      const known = await this.db.kysely.selectFrom('variants').select('key').where('key', '=', key).executeTakeFirst();
      if (!known) stray.push(key);
    }
    return stray;
  }
}

/** The focal point a `position=focal` render uses (rounded, as the cache key names it); null: the centre. */
function focalOf(source: VariantSource): { x: number; y: number } | null {
  if (source.focalX === null || source.focalY === null) return null;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return { x: round(source.focalX), y: round(source.focalY) };
}
