import { loadSharp } from './sharp.js';
import { rgbaToThumbHash } from 'thumbhash';
import { INVALID_IMAGE_MESSAGE, UnacceptableImageError, type ImageInfo } from './probe.js';

export interface ImageDescription {
  /** ThumbHash of the upright first frame, base64: a ~25-byte placeholder with aspect ratio and alpha. */
  placeholder: string;
  /** Most common colour, as #rrggbb. */
  dominantColor: string;
  /**
   * The decoder reported problems that were not errors (libvips warnings: a TIFF tag with a bad count,
   * a JPEG entropy segment cut short). Such a file is kept only as a clean re-encoding of what decoded.
   */
  warned: boolean;
}

type Strictness = 'warning' | 'error';

function hex(value: number): string {
  return value.toString(16).padStart(2, '0');
}

async function describeAt(path: string, info: ImageInfo, maxPixels: number, timeoutSeconds: number, failOn: Strictness) {
  const sharp = await loadSharp();
  if (info.animated) {
    await sharp(path, { animated: true, limitInputPixels: maxPixels, failOn })
      .timeout({ seconds: timeoutSeconds })
      .resize(16)
      .raw()
      .toBuffer();
  }
  // Without `page`, libvips decodes the primary item of a HEIF/AVIF and the first page of a TIFF.
  const { data, info: raw } = await sharp(path, { limitInputPixels: maxPixels, failOn })
    .timeout({ seconds: timeoutSeconds })
    .rotate()
    .resize(100, 100, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const placeholder = Buffer.from(rgbaToThumbHash(raw.width, raw.height, data)).toString('base64');
  return { placeholder, dominantColor: dominantColour(data) };
}

const BINS = 16;

/**
 * The most common colour of RGBA pixels, by the method of sharp's `stats().dominant`: a 16×16×16
 * histogram of red, green and blue (alpha ignored), the first fullest bin in libvips' scan order
 * (green, red, then blue), its centre. Counted here because `stats()` also convolves the image for
 * its sharpness and sets up libvips' vector code: 16 ms of every upload for the placeholder's
 * 100×100 image, against 0.1 ms. sharp converts the pixels to sRGB once more first, which can move
 * a colour into the next bin; these are the pixels as they are.
 */
export function dominantColour(rgba: Uint8Array): string {
  const counts = new Uint32Array(BINS * BINS * BINS);
  for (let offset = 0; offset + 3 < rgba.length; offset += 4) {
    // Index green, red, blue: libvips' histogram image is red × green with blue as bands.
    counts[((rgba[offset + 1]! >> 4) * BINS + (rgba[offset]! >> 4)) * BINS + (rgba[offset + 2]! >> 4)]!++;
  }
  let fullest = 0;
  for (let bin = 1; bin < counts.length; bin++) if (counts[bin]! > counts[fullest]!) fullest = bin;
  const blue = fullest % BINS;
  const red = Math.floor(fullest / BINS) % BINS;
  const green = Math.floor(fullest / (BINS * BINS));
  const centre = (bin: number) => hex(bin * BINS + BINS / 2);
  return `#${centre(red)}${centre(green)}${centre(blue)}`;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && /timeout/i.test(error.message);
}

/**
 * Decodes the whole image once (every frame; shrunk on load where the format allows), which is what
 * proves a truncated or corrupt file wrong, and computes the placeholder and dominant colour. The
 * rule: what libvips decodes strictly is accepted as it is; what decodes only when warnings are
 * tolerated is accepted as `warned` (to be re-encoded); what libvips reports as an error or as
 * truncated is refused.
 */
export async function describeImage(path: string, info: ImageInfo, maxPixels: number, timeoutSeconds: number): Promise<ImageDescription> {
  try {
    return { ...(await describeAt(path, info, maxPixels, timeoutSeconds, 'warning')), warned: false };
  } catch (strictError) {
    if (isTimeout(strictError)) throw new UnacceptableImageError('The image took too long to decode.');
    try {
      return { ...(await describeAt(path, info, maxPixels, timeoutSeconds, 'error')), warned: true };
    } catch (error) {
      if (isTimeout(error)) throw new UnacceptableImageError('The image took too long to decode.');
      throw new UnacceptableImageError(INVALID_IMAGE_MESSAGE);
    }
  }
}
