import type { Readable } from 'node:stream';
import sharp from 'sharp';
import type { Fit, Position } from '../processing/geometry.js';
import { FORMATS, type EncodableFormat } from './formats.js';

export interface RenderParams {
  box: { width: number | null; height: number | null };
  fit: Fit;
  position: Position;
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
  if (params.box.width !== null || params.box.height !== null) {
    pipeline.resize({
      width: params.box.width ?? undefined,
      height: params.box.height ?? undefined,
      fit: params.fit,
      // libvips's smart crops read one frame: an animation is cut at the centre, the same for every frame.
      position: params.animated && (params.position === 'entropy' || params.position === 'attention') ? 'centre' : params.position,
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
