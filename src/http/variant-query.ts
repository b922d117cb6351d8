import type { VariantPreset } from '../config.js';
import type { Fit, Position } from '../processing/geometry.js';
import { InvalidInput } from '../errors.js';
import { editsQuery, NO_EDITS, parseCrop, type Edits } from '../processing/edits.js';
import type { VariantRequest, VariantSource } from '../images/variants.js';
import type { EncodableFormat, RequestedFormat } from '../processing/formats.js';
import type { VariantQuery } from '../schemas/images.js';
import { acceptQuality } from './negotiation.js';

/** The parameters a query or a link carries; `format` may still be `auto` (decided per request by Accept). */
export interface VariantParams {
  width: number | null;
  height: number | null;
  fit: Fit;
  /** Where a cover crop cuts; `center` unless asked. */
  position: Position;
  format: RequestedFormat;
  quality: number | null;
  dpr: number;
  enlarge: boolean;
  edits: Edits;
}

const EDIT_KEYS = ['crop', 'rotate', 'flip', 'trim', 'blur', 'sharpen', 'grayscale', 'pad', 'background'] as const;
const VARIANT_KEYS = ['w', 'h', 'fit', 'position', 'format', 'q', 'dpr', 'enlarge', ...EDIT_KEYS] as const;

export function presetParams(preset: VariantPreset): VariantParams {
  return {
    width: preset.width ?? null,
    height: preset.height ?? null,
    fit: preset.fit,
    position: 'center',
    format: preset.format,
    quality: preset.quality ?? null,
    dpr: 1,
    enlarge: false,
    edits: NO_EDITS,
  };
}

/** Variant parameters from a (schema-validated) query; null when none is given: the original is wanted. */
export function variantParamsFromQuery(query: VariantQuery, presets: readonly VariantPreset[]): VariantParams | null {
  if (query.preset !== undefined) {
    const preset = presets.find((candidate) => candidate.name === query.preset);
    if (!preset) throw new InvalidInput({ preset: [`Unknown preset. Choose one of: ${presets.map((p) => p.name).join(', ')}.`] });
    return presetParams(preset);
  }
  if (VARIANT_KEYS.every((key) => query[key] === undefined)) return null;
  const fit = query.fit ?? 'inside';
  if (query.position !== undefined && (fit !== 'cover' || query.w === undefined || query.h === undefined)) {
    // Only a crop has something to keep or cut: with any other fit the whole image is shown.
    throw new InvalidInput({ position: ['Only with fit=cover and both w and h: the other fits keep the whole image.'] });
  }
  return {
    width: query.w ?? null,
    height: query.h ?? null,
    fit,
    position: query.position ?? 'center',
    format: query.format ?? 'auto',
    quality: query.q ?? null,
    dpr: query.dpr ?? 1,
    enlarge: query.enlarge ?? false,
    edits: {
      crop: query.crop === undefined ? null : parseCrop(query.crop),
      rotate: query.rotate ?? 0,
      flip: query.flip ?? null,
      trim: query.trim ?? null,
      blur: query.blur ?? null,
      sharpen: query.sharpen ?? null,
      grayscale: query.grayscale ?? false,
      pad: query.pad ?? 0,
      background: query.background?.toLowerCase() ?? null,
    },
  };
}

/** The query string that asks for exactly these parameters, in a fixed order (what links carry and signatures cover). */
export function canonicalVariantQuery(params: VariantParams): string {
  const parts: string[] = [];
  if (params.width !== null) parts.push(`w=${params.width}`);
  if (params.height !== null) parts.push(`h=${params.height}`);
  parts.push(`fit=${params.fit}`);
  // Left out when it is the default, so that every link made before `position` existed stays the same.
  if (params.position !== 'center') parts.push(`position=${params.position}`);
  parts.push(`format=${params.format}`);
  if (params.quality !== null) parts.push(`q=${params.quality}`);
  if (params.dpr !== 1) parts.push(`dpr=${params.dpr}`);
  if (params.enlarge) parts.push('enlarge=true');
  parts.push(...editsQuery(params.edits));
  return parts.join('&');
}

function accepts(accept: string | undefined, type: string): boolean {
  return acceptQuality(accept, (token) => token === type) > 0;
}

/** format=auto: AVIF, then WebP, then the original format (JPEG or PNG for formats browsers may not show). */
export function negotiateFormat(source: VariantSource, accept: string | undefined): EncodableFormat {
  if (source.animated) return accepts(accept, 'image/webp') ? 'webp' : 'gif';
  if (accepts(accept, 'image/avif')) return 'avif';
  if (accepts(accept, 'image/webp')) return 'webp';
  if (source.format === 'jpeg' || source.format === 'png' || source.format === 'gif') return source.format;
  return source.hasAlpha ? 'png' : 'jpeg';
}

/** The concrete request for one client: `auto` decided from its Accept header (the response must then Vary on it). */
export function resolveVariant(
  params: VariantParams,
  source: VariantSource,
  accept: string | undefined,
): { request: VariantRequest; negotiated: boolean } {
  const negotiated = params.format === 'auto';
  const format = params.format === 'auto' ? negotiateFormat(source, accept) : params.format;
  return { request: { ...params, format }, negotiated };
}
