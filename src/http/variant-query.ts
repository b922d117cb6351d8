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

/** A preset by name: the deployment's (VARIANT_PRESETS) or the user's own. */
export interface NamedPreset {
  name: string;
  params: VariantParams;
  /**
   * The user's own: its links carry its name and a signature over its current expansion, so that a
   * changed definition ends the links made from the old one.
   */
  custom: boolean;
}

const EDIT_KEYS = ['crop', 'rotate', 'flip', 'trim', 'blur', 'sharpen', 'grayscale', 'pad', 'background'] as const;
const VARIANT_KEYS = ['w', 'h', 'fit', 'position', 'format', 'q', 'dpr', 'enlarge', ...EDIT_KEYS] as const;

const DEFAULT_PARAMS: VariantParams = {
  width: null,
  height: null,
  fit: 'inside',
  position: 'center',
  format: 'auto',
  quality: null,
  dpr: 1,
  enlarge: false,
  edits: NO_EDITS,
};

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
export function variantParamsFromQuery(query: VariantQuery, presets: readonly NamedPreset[]): VariantParams | null {
  let base = DEFAULT_PARAMS;
  if (query.preset !== undefined) {
    const preset = presets.find((candidate) => candidate.name === query.preset);
    if (!preset) throw new InvalidInput({ preset: [`Unknown preset. Choose one of: ${presets.map((p) => p.name).join(', ')}.`] });
    base = preset.params;
  } else if (VARIANT_KEYS.every((key) => query[key] === undefined)) return null;
  // Parameters given beside a preset change it (`preset=thumb&format=png`).
  const params: VariantParams = {
    width: query.w ?? base.width,
    height: query.h ?? base.height,
    fit: query.fit ?? base.fit,
    position: query.position ?? base.position,
    format: query.format ?? base.format,
    quality: query.q ?? base.quality,
    dpr: query.dpr ?? base.dpr,
    enlarge: query.enlarge ?? base.enlarge,
    edits: {
      crop: query.crop === undefined ? base.edits.crop : parseCrop(query.crop),
      rotate: query.rotate ?? base.edits.rotate,
      flip: query.flip ?? base.edits.flip,
      trim: query.trim ?? base.edits.trim,
      blur: query.blur ?? base.edits.blur,
      sharpen: query.sharpen ?? base.edits.sharpen,
      grayscale: query.grayscale ?? base.edits.grayscale,
      pad: query.pad ?? base.edits.pad,
      background: query.background?.toLowerCase() ?? base.edits.background,
    },
  };
  if (params.position !== 'center' && (params.fit !== 'cover' || params.width === null || params.height === null)) {
    // Only a crop has something to keep or cut: with any other fit the whole image is shown.
    throw new InvalidInput({ position: ['Only with fit=cover and both w and h: the other fits keep the whole image.'] });
  }
  return params;
}

/** Whether a query gives any variant parameter (beside or instead of a preset). */
export function givesVariantParameters(query: VariantQuery): boolean {
  return VARIANT_KEYS.some((key) => query[key] !== undefined);
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
