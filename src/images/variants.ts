import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Transaction } from 'kysely';
import type { Fit, OutputFormat, VariantPreset } from '../config.js';
import type { Db } from '../db/database.js';
import { now, type Database } from '../db/schema.js';
import { fieldErrors, serviceUnavailable } from '../errors.js';
import type { RenderLimiter } from '../processing/limiter.js';
import { CONTENT_TYPES } from '../processing/probe.js';
import { renderVariant, type ConcreteFormat } from '../processing/render.js';
import { ObjectNotFoundError, type ByteRange, type Storage } from '../storage/storage.js';
import { blobKey, variantKey, variantPrefix } from './keys.js';
import { acceptQuality } from '../negotiation.js';

/** What a client asks for; `null` fields are "not given". */
export interface VariantRequest {
  width: number | null;
  height: number | null;
  fit: Fit;
  format: OutputFormat;
  quality: number | null;
  dpr: number;
  enlarge: boolean;
}

/** The blob facts a variant depends on. */
export interface VariantSource {
  sha256: string;
  format: string;
  width: number;
  height: number;
  animated: boolean;
  hasAlpha: boolean;
}

export interface StoredVariant {
  key: string;
  contentType: string;
  format: ConcreteFormat;
  width: number;
  height: number;
  bytes: number;
  etag: string;
  createdAt: string;
  /** Whether the format was chosen from the Accept header (the response must then Vary on it). */
  negotiated: boolean;
}

export interface VariantOptions {
  maxDimension: number;
  cacheBytes: number;
  timeoutSeconds: number;
  maxPixels: number;
}

export const VARIANT_QUERY_KEYS = ['w', 'h', 'fit', 'format', 'q', 'dpr', 'enlarge'] as const;
export type VariantQuery = Partial<Record<(typeof VARIANT_QUERY_KEYS)[number] | 'preset', string | number | boolean>>;

const DEFAULT_QUALITY: Readonly<Record<ConcreteFormat, number>> = { jpeg: 80, webp: 80, avif: 55, png: 100, gif: 100 };
const TOUCH_INTERVAL_MS = 60_000;

export function presetRequest(preset: VariantPreset): VariantRequest {
  return {
    width: preset.width ?? null,
    height: preset.height ?? null,
    fit: preset.fit,
    format: preset.format,
    quality: preset.quality ?? null,
    dpr: 1,
    enlarge: false,
  };
}

/** Reads variant parameters from a (schema-validated) query; null when none is given: the original is wanted. */
export function variantFromQuery(query: VariantQuery, presets: readonly VariantPreset[]): VariantRequest | null {
  if (query.preset !== undefined) {
    const preset = presets.find((candidate) => candidate.name === query.preset);
    if (!preset) throw fieldErrors({ preset: [`Unknown preset. Choose one of: ${presets.map((p) => p.name).join(', ')}.`] });
    return presetRequest(preset);
  }
  if (VARIANT_QUERY_KEYS.every((key) => query[key] === undefined)) return null;
  const request: VariantRequest = {
    width: query.w === undefined ? null : Number(query.w),
    height: query.h === undefined ? null : Number(query.h),
    fit: (query.fit as Fit | undefined) ?? 'inside',
    format: (query.format as OutputFormat | undefined) ?? 'auto',
    quality: query.q === undefined ? null : Number(query.q),
    dpr: query.dpr === undefined ? 1 : Number(query.dpr),
    enlarge: query.enlarge === true || query.enlarge === 'true' || query.enlarge === '1',
  };
  return request;
}

/** The query string that asks for exactly this variant, in a fixed order (what links carry and signatures cover). */
export function variantQueryString(request: VariantRequest): string {
  const parts: string[] = [];
  if (request.width !== null) parts.push(`w=${request.width}`);
  if (request.height !== null) parts.push(`h=${request.height}`);
  parts.push(`fit=${request.fit}`, `format=${request.format}`);
  if (request.quality !== null) parts.push(`q=${request.quality}`);
  if (request.dpr !== 1) parts.push(`dpr=${request.dpr}`);
  if (request.enlarge) parts.push('enlarge=1');
  return parts.join('&');
}

function accepts(accept: string | undefined, type: string): boolean {
  return acceptQuality(accept, (token) => token === type) > 0;
}

/** format=auto: AVIF, then WebP, then the original format (JPEG or PNG for formats browsers may not show). */
export function negotiateFormat(source: VariantSource, accept: string | undefined): ConcreteFormat {
  if (source.animated) return accepts(accept, 'image/webp') ? 'webp' : 'gif';
  if (accepts(accept, 'image/avif')) return 'avif';
  if (accepts(accept, 'image/webp')) return 'webp';
  if (source.format === 'jpeg' || source.format === 'png' || source.format === 'gif') return source.format;
  return source.hasAlpha ? 'png' : 'jpeg';
}

/** Width and height that the output will have (sharp's resize rules, no enlargement unless asked). */
export function outputSize(
  source: { width: number; height: number },
  box: { width: number | null; height: number | null },
  fit: Fit,
  enlarge: boolean,
): { width: number; height: number } {
  const { width: sw, height: sh } = source;
  let width = box.width ?? Math.round((sw * (box.height ?? sh)) / sh);
  let height = box.height ?? Math.round((sh * (box.width ?? sw)) / sw);
  if (box.width !== null && box.height !== null && (fit === 'inside' || fit === 'outside')) {
    const scale = fit === 'inside' ? Math.min(box.width / sw, box.height / sh) : Math.max(box.width / sw, box.height / sh);
    width = Math.round(sw * scale);
    height = Math.round(sh * scale);
  }
  if (!enlarge && (width > sw || height > sh)) {
    const shrink = Math.min(sw / width, sh / height);
    if (fit === 'inside' || fit === 'outside' || box.width === null || box.height === null) {
      width = Math.round(width * shrink);
      height = Math.round(height * shrink);
    } else {
      width = Math.min(width, sw);
      height = Math.min(height, sh);
    }
  }
  return { width: Math.max(1, width), height: Math.max(1, height) };
}

/**
 * Renders variants on demand, keeps them in storage keyed by blob hash + normalised parameters +
 * format, and bounds their total size (least recently used evicted). Variants hang off blobs, so a
 * replaced or deleted image's variants are unreachable at once, and shared by identical images.
 */
export class VariantService {
  private readonly rendering = new Map<string, Promise<{ variant: StoredVariant; data: Buffer }>>();

  constructor(
    private readonly db: Db,
    private readonly storage: Storage,
    private readonly limiter: RenderLimiter,
    private readonly options: VariantOptions,
  ) {}

  /** Finds the cached variant or renders it. Returns the bytes as a buffer when just rendered. */
  async get(
    source: VariantSource,
    request: VariantRequest,
    accept: string | undefined,
  ): Promise<{ variant: StoredVariant; data?: Buffer }> {
    const format = request.format === 'auto' ? negotiateFormat(source, accept) : request.format;
    const scale = (value: number | null) => (value === null ? null : Math.min(this.options.maxDimension, Math.round(value * request.dpr)));
    const box = { width: scale(request.width), height: scale(request.height) };
    const quality = request.quality ?? DEFAULT_QUALITY[format];
    const spec = `${box.width ?? 0}x${box.height ?? 0}-${request.fit}-q${quality}${request.enlarge ? '-e' : ''}`;
    const key = variantKey(source.sha256, spec, format);
    const negotiated = request.format === 'auto';

    const row = await this.db.kysely.selectFrom('variants').selectAll().where('key', '=', key).executeTakeFirst();
    if (row) {
      if (Date.now() - Date.parse(row.last_used_at) > TOUCH_INTERVAL_MS) {
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
          negotiated,
        },
      };
    }
    let pending = this.rendering.get(key);
    if (!pending) {
      pending = this.render(source, key, { box, fit: request.fit, format, quality, enlarge: request.enlarge }).finally(() =>
        this.rendering.delete(key),
      );
      this.rendering.set(key, pending);
    }
    const { variant, data } = await pending;
    return { variant: { ...variant, negotiated }, data };
  }

  /** Opens a cached variant's bytes. One evicted between lookup and read is forgotten, and the client told to retry. */
  async open(variant: StoredVariant, range?: ByteRange): Promise<Readable> {
    try {
      return await this.storage.get(variant.key, range);
    } catch (error) {
      if (!(error instanceof ObjectNotFoundError)) throw error;
      await this.db.kysely.deleteFrom('variants').where('key', '=', variant.key).execute();
      throw serviceUnavailable('The variant is being rebuilt. Try again.', 1);
    }
  }

  private async render(
    source: VariantSource,
    key: string,
    params: { box: { width: number | null; height: number | null }; fit: Fit; format: ConcreteFormat; quality: number; enlarge: boolean },
  ): Promise<{ variant: StoredVariant; data: Buffer }> {
    const { data, width, height } = await this.limiter.run(async () => {
      const originalKey = blobKey(source.sha256);
      const input = this.storage.localPath ? this.storage.localPath(originalKey) : await this.storage.get(originalKey);
      return renderVariant(input, {
        ...params,
        animated: source.animated,
        maxPixels: this.options.maxPixels,
        timeoutSeconds: this.options.timeoutSeconds,
      });
    }, this.options.timeoutSeconds);
    const timestamp = now();
    const variant: StoredVariant = {
      key,
      contentType: CONTENT_TYPES[params.format]!,
      format: params.format,
      width,
      height,
      bytes: data.length,
      etag: createHash('sha256').update(data).digest('hex'),
      createdAt: timestamp,
      negotiated: false,
    };
    if (this.options.cacheBytes > 0) {
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
          created_at: timestamp,
          last_used_at: timestamp,
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      await this.evict();
    }
    return { variant, data };
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
