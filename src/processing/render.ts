import type { Readable } from 'node:stream';
import sharp from 'sharp';
import type { Fit, Position } from '../processing/geometry.js';
import { FORMATS, type EncodableFormat } from './formats.js';

export interface RenderParams {
  box: { width: number | null; height: number | null };
  fit: Fit;
  position: Position;
  /** For position=focal: the point to keep, as fractions of the upright size; null: the centre. */
  focal: { x: number; y: number } | null;
  /** The upright size of the original (what a focal crop is computed from). */
  size: { width: number; height: number };
  format: EncodableFormat;
  quality: number;
  enlarge: boolean;
  /** Keep every frame (when the output format can animate). */
  animated: boolean;
  maxPixels: number;
  timeoutSeconds: number;
}

/**
 * Upright, resized, re-encoded, without metadata (sharp writes none unless asked); colour profile
 * kept. The input is a local file path when the storage has one (libvips then reads only what it
 * needs), else a stream.
 */
export async function renderVariant(
  input: Readable | string,
  params: RenderParams,
): Promise<{ data: Buffer; width: number; height: number }> {
  const animated = params.animated && FORMATS[params.format].canAnimate;
  const options = { animated, limitInputPixels: params.maxPixels, failOn: 'none' } as const;
  const pipeline = (typeof input === 'string' ? sharp(input, options) : sharp(options))
    .timeout({ seconds: params.timeoutSeconds })
    .rotate()
    .keepIccProfile();
  const focalCrop = params.fit === 'cover' && params.position === 'focal' && !animated ? focalWindow(params) : null;
  if (focalCrop) {
    // Scaled to cover the box, then the box-sized window around the focal point (kept inside the image).
    pipeline.resize({ width: focalCrop.scaled.width, height: focalCrop.scaled.height, fit: 'fill' }).extract(focalCrop.window);
  } else if (params.box.width !== null || params.box.height !== null) {
    pipeline.resize({
      width: params.box.width ?? undefined,
      height: params.box.height ?? undefined,
      fit: params.fit,
      // libvips's smart crops read one frame: an animation is cut at the centre, the same for every frame.
      position:
        params.position === 'focal' || (animated && (params.position === 'entropy' || params.position === 'attention'))
          ? 'centre'
          : params.position,
      withoutEnlargement: !params.enlarge,
    });
  }
  switch (params.format) {
    case 'jpeg':
      pipeline.jpeg({ quality: params.quality, mozjpeg: true });
      break;
    case 'png':
      pipeline.png({ compressionLevel: 6 });
      break;
    case 'webp':
      pipeline.webp({ quality: params.quality, effort: 4 });
      break;
    case 'avif':
      pipeline.avif({ quality: params.quality, effort: 2 });
      break;
    case 'gif':
      pipeline.gif();
      break;
  }
  if (typeof input !== 'string') input.pipe(pipeline);
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: animated && info.pageHeight ? info.pageHeight : info.height };
}

/**
 * A cover crop that keeps the focal point: the scale at which the image covers the box (never above 1
 * unless enlarging), and the box-sized window centred on the point, moved inside the image where it
 * would cross an edge.
 */
export function focalWindow(params: Pick<RenderParams, 'box' | 'focal' | 'size' | 'enlarge'>): {
  scaled: { width: number; height: number };
  window: { left: number; top: number; width: number; height: number };
} | null {
  const { box, size } = params;
  if (box.width === null || box.height === null) return null;
  let scale = Math.max(box.width / size.width, box.height / size.height);
  if (!params.enlarge) scale = Math.min(scale, 1);
  const scaled = { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
  const width = Math.min(box.width, scaled.width);
  const height = Math.min(box.height, scaled.height);
  const focal = params.focal ?? { x: 0.5, y: 0.5 };
  const clamp = (value: number, max: number) => Math.min(Math.max(Math.round(value), 0), max);
  return {
    scaled,
    window: {
      left: clamp(focal.x * scaled.width - width / 2, scaled.width - width),
      top: clamp(focal.y * scaled.height - height / 2, scaled.height - height),
      width,
      height,
    },
  };
}
