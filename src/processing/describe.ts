import sharp from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import { INVALID_IMAGE_MESSAGE, UnacceptableImageError, type ImageInfo } from './probe.js';

export interface ImageDescription {
  /** ThumbHash of the upright first frame, base64: a ~25-byte placeholder with aspect ratio and alpha. */
  placeholder: string;
  /** Most common colour, as #rrggbb. */
  dominantColor: string;
}

function hex(value: number): string {
  return value.toString(16).padStart(2, '0');
}

/**
 * Decodes the whole image once (every frame, shrunk on load where the format allows), which is
 * what proves a truncated or corrupt file wrong, and computes the placeholder and dominant colour.
 */
export async function describeImage(path: string, info: ImageInfo, maxPixels: number, timeoutSeconds: number): Promise<ImageDescription> {
  try {
    if (info.animated) {
      await sharp(path, { animated: true, limitInputPixels: maxPixels, failOn: 'warning' })
        .timeout({ seconds: timeoutSeconds })
        .resize(16)
        .raw()
        .toBuffer();
    }
    const { data, info: raw } = await sharp(path, { limitInputPixels: maxPixels, failOn: 'warning' })
      .timeout({ seconds: timeoutSeconds })
      .rotate()
      .resize(100, 100, { fit: 'inside' })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const placeholder = Buffer.from(rgbaToThumbHash(raw.width, raw.height, data)).toString('base64');
    const { dominant } = await sharp(data, { raw: { width: raw.width, height: raw.height, channels: 4 } }).stats();
    return { placeholder, dominantColor: `#${hex(dominant.r)}${hex(dominant.g)}${hex(dominant.b)}` };
  } catch (error) {
    if (error instanceof Error && /timeout/i.test(error.message)) throw new UnacceptableImageError('The image took too long to decode.');
    throw new UnacceptableImageError(INVALID_IMAGE_MESSAGE);
  }
}
