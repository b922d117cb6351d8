import type { Metadata } from 'sharp';
import { loadSharp } from './sharp.js';
import { FORMATS, isImageFormat, type ImageFormat } from './formats.js';

export interface ImageInfo {
  format: ImageFormat;
  contentType: string;
  /** Upright dimensions of one frame, after the EXIF orientation is applied. */
  width: number;
  height: number;
  /** EXIF orientation, 1 (upright) to 8. */
  orientation: number;
  frames: number;
  animated: boolean;
  hasAlpha: boolean;
  /** EXIF, XMP or IPTC present. */
  hasMetadata: boolean;
  /** The EXIF block libvips found (for the summary, see summariseExif); null when there is none. */
  exif: Buffer | null;
}

export interface PixelLimits {
  /** Width × height of one frame. */
  maxPixels: number;
  /** Longest side. */
  maxSide: number;
  maxFrames: number;
  /** Width × height × frames. */
  maxTotalPixels: number;
}

/** The content is not an image we accept; the message is for the client. */
export class UnacceptableImageError extends Error {}

export const INVALID_IMAGE_MESSAGE = 'Upload a valid image. The file you uploaded was either not an image or a corrupted image.';

/**
 * Identifies an image by its content, from its header only, and checks it against the pixel and
 * frame budgets. Nothing is decoded here, so an oversized image costs nothing to refuse.
 */
export async function probeImage(path: string, limits: PixelLimits): Promise<ImageInfo> {
  const sharp = await loadSharp();
  let metadata: Metadata;
  try {
    metadata = await sharp(path, { limitInputPixels: false }).metadata();
  } catch {
    throw new UnacceptableImageError(INVALID_IMAGE_MESSAGE);
  }
  const format = metadata.format === 'heif' && metadata.compression === 'av1' ? 'avif' : metadata.format;
  const frameHeight = metadata.pageHeight ?? metadata.height;
  if (!isImageFormat(format) || !metadata.width || !frameHeight) throw new UnacceptableImageError(INVALID_IMAGE_MESSAGE);
  const { contentType } = FORMATS[format];
  const { width } = metadata;
  // A 16,777,218×2 PNG is only 33 megapixels, yet decoding it took 1.3 GB: bound the sides too.
  if (width > limits.maxSide || frameHeight > limits.maxSide) {
    throw new UnacceptableImageError(`Image is too large: ${width}×${frameHeight} exceeds the limit of ${limits.maxSide} pixels per side.`);
  }
  if (width * frameHeight > limits.maxPixels) {
    throw new UnacceptableImageError(`Image is too large: ${width}×${frameHeight} pixels exceeds the limit of ${limits.maxPixels} pixels.`);
  }
  // Only formats we animate have frames. Several items of an AVIF/HEIF (a thumbnail, a burst, a gain
  // map) or pages of a TIFF are not an animation: such a file is a still of its primary item or first page.
  const frames = FORMATS[format].canAnimate ? (metadata.pages ?? 1) : 1;
  if (frames > limits.maxFrames) throw new UnacceptableImageError(`Too many frames: ${frames} exceeds the limit of ${limits.maxFrames}.`);
  if (width * frameHeight * frames > limits.maxTotalPixels) {
    throw new UnacceptableImageError(
      `Animation is too large: ${frames} frames of ${width}×${frameHeight} exceed the limit of ${limits.maxTotalPixels} pixels in all.`,
    );
  }
  const orientation = metadata.orientation && metadata.orientation >= 1 && metadata.orientation <= 8 ? metadata.orientation : 1;
  const sideways = orientation >= 5;
  return {
    format,
    contentType,
    width: sideways ? frameHeight : width,
    height: sideways ? width : frameHeight,
    orientation,
    frames,
    animated: frames > 1,
    hasAlpha: metadata.hasAlpha,
    hasMetadata: Boolean(metadata.exif || metadata.xmp || metadata.iptc),
    exif: metadata.exif ?? null,
  };
}
