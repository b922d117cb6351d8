import sharp, { type Metadata } from 'sharp';

export interface ImageInfo {
  /** sharp's name for the container: jpeg, png, webp, gif, tiff or avif. */
  format: string;
  contentType: string;
  /** Upright dimensions, after the EXIF orientation is applied. */
  width: number;
  height: number;
}

/** The content is not an image we accept; the message is for the client. */
export class UnacceptableImageError extends Error {}

export const INVALID_IMAGE_MESSAGE = 'Upload a valid image. The file you uploaded was either not an image or a corrupted image.';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
};

/**
 * Identifies an image by its content and checks that it decodes, within the pixel limit.
 * The header is read first, so an oversized image is refused before any pixel is decoded.
 */
export async function probeImage(path: string, maxPixels: number): Promise<ImageInfo> {
  let metadata: Metadata;
  try {
    metadata = await sharp(path, { limitInputPixels: false }).metadata();
  } catch {
    throw new UnacceptableImageError(INVALID_IMAGE_MESSAGE);
  }
  const format = metadata.format === 'heif' && metadata.compression === 'av1' ? 'avif' : metadata.format;
  const contentType = CONTENT_TYPES[format];
  const { width, height } = metadata;
  if (!contentType || !width || !height) throw new UnacceptableImageError(INVALID_IMAGE_MESSAGE);
  const pixels = width * (metadata.pageHeight ?? height);
  if (pixels > maxPixels) {
    throw new UnacceptableImageError(`Image is too large: ${width}×${metadata.pageHeight ?? height} pixels exceeds the limit of ${maxPixels} pixels.`);
  }
  try {
    // A full decode (shrunk on load where the format allows) catches truncated and corrupt data.
    await sharp(path, { limitInputPixels: maxPixels, failOn: 'warning' }).resize(32, 32, { fit: 'inside' }).raw().toBuffer();
  } catch {
    throw new UnacceptableImageError(INVALID_IMAGE_MESSAGE);
  }
  const sideways = (metadata.orientation ?? 1) >= 5 && (metadata.orientation ?? 1) <= 8;
  return { format, contentType, width: sideways ? height : width, height: sideways ? width : height };
}
