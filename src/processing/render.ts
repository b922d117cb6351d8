import type { Readable } from 'node:stream';
import type { Sharp } from 'sharp';
import { loadSharp } from './sharp.js';
import type { Fit, Position } from '../processing/geometry.js';
import { colour, editedFocal, editedSize, sharpOrientation, type Edits } from './edits.js';
import { FORMATS, type EncodableFormat } from './formats.js';

export interface RenderParams {
  box: { width: number | null; height: number | null };
  fit: Fit;
  position: Position;
  /** For position=focal: the point to keep, as fractions of the upright size; null: the centre. */
  focal: { x: number; y: number } | null;
  /** The upright size of the original (what crops and focal points are given in). */
  size: { width: number; height: number };
  edits: Edits;
  /** The pad in device pixels (the edits' pad times dpr). */
  padPixels: number;
  format: EncodableFormat;
  quality: number;
  enlarge: boolean;
  /** Keep every frame (when the output format can animate). */
  animated: boolean;
  maxPixels: number;
  timeoutSeconds: number;
}

type Size = { width: number; height: number };

/** An edited image held as raw pixels between two sharp pipelines, with what the second one needs to know. */
interface Staged {
  data: Buffer;
  raw: { width: number; height: number; channels: 1 | 2 | 3 | 4; pageHeight?: number };
  /** The size of one frame. */
  size: Size;
  /** Where the first pipeline's trim cut, in pixels of its input (0 without trim). */
  trimmed: { left: number; top: number };
  /** An animation's frame delays and loop count, which raw pixels do not carry. */
  timing: { delay?: number[]; loop?: number };
}

/**
 * Upright, edited, resized, re-encoded, without metadata (sharp writes none unless asked); colour
 * profile kept, except after the edits that need two passes through raw pixels (trim, and rotating or
 * mirroring an animation frame by frame), which are converted to sRGB. The input is a local file path
 * when the storage has one (libvips then reads only what it needs), else a stream.
 */
export async function renderVariant(
  input: Readable | string,
  params: RenderParams,
): Promise<{ data: Buffer; width: number; height: number }> {
  const sharp = await loadSharp();
  const animated = params.animated && FORMATS[params.format].canAnimate;
  const { edits } = params;
  const orientation = sharpOrientation(params.size, edits);
  const reoriented = orientation.angle !== 0 || orientation.mirror !== 'none';
  const options = { animated, limitInputPixels: params.maxPixels, failOn: 'none' } as const;
  let staged: Staged | null = null;
  if (animated && reoriented) staged = await orientFrames(await readable(input), params, orientation);
  else if (edits.trim !== null) staged = await trimEdges(await readable(input), params, orientation, edits.trim);
  let pipeline: Sharp;
  if (staged) {
    pipeline = sharp(staged.data, { raw: staged.raw, limitInputPixels: params.maxPixels });
  } else {
    pipeline = (typeof input === 'string' ? sharp(input, options) : sharp(options)).autoOrient().keepIccProfile();
    orient(pipeline, orientation);
  }
  pipeline.timeout({ seconds: params.timeoutSeconds });
  const size = staged?.size ?? editedSize(params.size, edits);
  const background = edits.background === null ? null : colour(edits.background);
  if (background && (background.alpha === 1 || !FORMATS[params.format].hasAlpha)) pipeline.flatten({ background });
  if (edits.grayscale) pipeline.greyscale();
  const focal =
    params.fit === 'cover' && params.position === 'focal' && !animated
      ? focalWindow({ ...params, size, focal: params.focal && stagedFocal(params.focal, params.size, edits, staged) })
      : null;
  if (focal) {
    // Scaled to cover the box, then the box-sized window around the focal point (kept inside the image).
    pipeline.resize({ width: focal.scaled.width, height: focal.scaled.height, fit: 'fill' }).extract(focal.window);
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
      ...(background ? { background } : {}),
    });
  }
  if (params.padPixels > 0) {
    const pad = params.padPixels;
    pipeline.extend({ top: pad, bottom: pad, left: pad, right: pad, background: background ?? { r: 0, g: 0, b: 0, alpha: 0 } });
  }
  if (edits.blur !== null) pipeline.blur(edits.blur);
  if (edits.sharpen !== null) pipeline.sharpen({ sigma: edits.sharpen });
  const timing = staged?.timing ?? {};
  switch (params.format) {
    case 'jpeg':
      pipeline.jpeg({ quality: params.quality, mozjpeg: true });
      break;
    case 'png':
      pipeline.png({ compressionLevel: 6 });
      break;
    case 'webp':
      pipeline.webp({ quality: params.quality, effort: 4, ...timing });
      break;
    case 'avif':
      pipeline.avif({ quality: params.quality, effort: 2 });
      break;
    case 'gif':
      pipeline.gif({ ...timing });
      break;
  }
  if (!staged && typeof input !== 'string') input.pipe(pipeline);
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: animated && info.pageHeight ? info.pageHeight : info.height };
}

/** Mirrors, rotates and crops as `sharpOrientation` planned (sharp runs them in that order, before any resize). */
function orient(pipeline: Sharp, orientation: ReturnType<typeof sharpOrientation>): void {
  if (orientation.angle !== 0) pipeline.rotate(orientation.angle);
  if (orientation.mirror === 'vertical') pipeline.flip();
  if (orientation.mirror === 'horizontal') pipeline.flop();
  if (orientation.extract) pipeline.extract(orientation.extract);
}

/** The two-pass edits read their input twice or as a whole: a stream is collected first (its size was limited at upload). */
async function readable(input: Readable | string): Promise<string | Buffer> {
  if (typeof input === 'string') return input;
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The focal point as fractions of what the second pass resizes: edited, then moved by the trim. */
function stagedFocal(focal: { x: number; y: number }, size: Size, edits: Edits, staged: Staged | null): { x: number; y: number } {
  const edited = editedFocal(focal, size, edits);
  if (!staged) return edited;
  const before = editedSize(size, edits);
  const clamp = (value: number) => Math.min(Math.max(value, 0), 1);
  return {
    x: clamp((edited.x * before.width - staged.trimmed.left) / staged.size.width),
    y: clamp((edited.y * before.height - staged.trimmed.top) / staged.size.height),
  };
}

/** Crop, orientation and trim (in that order) into raw pixels: sharp would trim before it crops. */
async function trimEdges(
  input: string | Buffer,
  params: RenderParams,
  orientation: ReturnType<typeof sharpOrientation>,
  threshold: number,
): Promise<Staged> {
  const sharp = await loadSharp();
  const first = sharp(input, { limitInputPixels: params.maxPixels, failOn: 'none' })
    .timeout({ seconds: params.timeoutSeconds })
    .autoOrient();
  orient(first, orientation);
  const edited = await first.raw().toBuffer({ resolveWithObject: true });
  const raw = { width: edited.info.width, height: edited.info.height, channels: edited.info.channels };
  const { data, info } = await sharp(edited.data, { raw })
    .timeout({ seconds: params.timeoutSeconds })
    .trim({ threshold })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data,
    raw: { width: info.width, height: info.height, channels: info.channels },
    size: { width: info.width, height: info.height },
    trimmed: { left: -(info.trimOffsetLeft ?? 0), top: -(info.trimOffsetTop ?? 0) },
    timing: {},
  };
}

/**
 * An animation cropped, then rotated or mirrored frame by frame: libvips turns a multi-page image as
 * one tall strip, which would reverse or refuse the frames.
 */
async function orientFrames(
  input: string | Buffer,
  params: RenderParams,
  orientation: ReturnType<typeof sharpOrientation>,
): Promise<Staged> {
  const sharp = await loadSharp();
  const meta = await sharp(input, { animated: true, limitInputPixels: params.maxPixels }).metadata();
  const pages = meta.pages ?? 1;
  const strip = sharp(input, { animated: true, limitInputPixels: params.maxPixels, failOn: 'none' })
    .timeout({ seconds: params.timeoutSeconds })
    .ensureAlpha();
  if (params.edits.crop) strip.extract(params.edits.crop);
  const { data, info } = await strip.raw().toBuffer({ resolveWithObject: true });
  const frameHeight = info.height / pages;
  const frameBytes = info.width * frameHeight * info.channels;
  const raw = { width: info.width, height: frameHeight, channels: info.channels };
  const turn = { ...orientation, extract: null };
  const frames = await Promise.all(
    Array.from({ length: pages }, async (_, page) => {
      const frame = sharp(data.subarray(page * frameBytes, (page + 1) * frameBytes), { raw });
      orient(frame, turn);
      return frame.raw().toBuffer({ resolveWithObject: true });
    }),
  );
  const size = { width: frames[0]!.info.width, height: frames[0]!.info.height };
  return {
    data: Buffer.concat(frames.map((frame) => frame.data)),
    raw: { width: size.width, height: size.height * pages, channels: info.channels, pageHeight: size.height },
    size,
    trimmed: { left: 0, top: 0 },
    timing: { ...(meta.delay ? { delay: meta.delay } : {}), ...(meta.loop !== undefined ? { loop: meta.loop } : {}) },
  };
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
