import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadSharp } from './sharp.js';
import type { ImageInfo } from './probe.js';
import { FORMATS } from './formats.js';
import { stripMetadata, type WrittenFile } from './strip.js';

export interface CleanedFile extends WrittenFile {
  /** How the metadata was removed: by leaving blocks out (pixels untouched) or by re-encoding. */
  method: 'lossless' | 'reencoded';
}

// The orientation-only EXIF block that stripMetadata writes for JPEG is 32 bytes.
const ORIENTATION_ONLY_EXIF_MAX = 64;

/** The SHA-256 and size of a file, streamed. */
export async function hashFile(path: string): Promise<WrittenFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function carriesMetadata(path: string): Promise<boolean> {
  const sharp = await loadSharp();
  const metadata = await sharp(path, { limitInputPixels: false }).metadata();
  return Boolean(metadata.xmp || metadata.iptc || (metadata.exif && metadata.exif.length > ORIENTATION_ONLY_EXIF_MAX));
}

/**
 * Re-encoding is the fallback for containers we do not rewrite (TIFF, AVIF), for files our
 * rewriting could not clean, and for files that decode only with warnings: orientation applied,
 * colour profile kept, quality high. The decode tolerates warnings (the file was accepted with
 * them) but not errors; the result decodes strictly.
 */
async function reencode(
  inputPath: string,
  outputPath: string,
  info: ImageInfo,
  timeoutSeconds: number,
  keepMetadata = false,
): Promise<void> {
  const sharp = await loadSharp();
  const decoded = sharp(inputPath, { animated: info.animated, limitInputPixels: false, failOn: 'error' })
    .timeout({ seconds: timeoutSeconds })
    .rotate();
  const image = keepMetadata ? decoded.keepMetadata() : decoded.keepIccProfile();
  const encoded =
    info.format === 'jpeg'
      ? image.jpeg({ quality: 95, mozjpeg: true })
      : info.format === 'png'
        ? image.png({ compressionLevel: 9 })
        : info.format === 'webp'
          ? image.webp({ quality: 95 })
          : info.format === 'gif'
            ? image.gif()
            : info.format === 'avif'
              ? image.avif({ quality: 90 })
              : image.tiff({ compression: 'lzw' });
  await encoded.toFile(outputPath);
}

/** Runs a decode or an encode in one of the bounded processing slots. */
export type InSlot = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Writes `inputPath` without EXIF, XMP and IPTC to `outputPath`, losslessly where the format allows.
 * Returns null, writing nothing, when the file holds no metadata to remove: an upload without any is
 * stored as it came, with the hash taken while it arrived (no second copy, no second hash). Only a
 * re-encoding takes a processing slot: the lossless walk is file reads, and holding a slot for it
 * made every upload queue twice.
 */
export async function removeMetadata(
  inputPath: string,
  outputPath: string,
  info: ImageInfo,
  timeoutSeconds: number,
  inSlot: InSlot,
): Promise<CleanedFile | null> {
  if (FORMATS[info.format].strippableLosslessly) {
    try {
      const written = await stripMetadata(inputPath, outputPath, info.format, info.orientation);
      // Nothing the walk would remove, and nothing libvips finds either (the probe's metadata read).
      if (written === null && !info.hasMetadata) return null;
      if (written !== null && !(await carriesMetadata(outputPath))) return { ...written, method: 'lossless' };
    } catch {
      // fall through to re-encoding
    }
    await rm(outputPath, { force: true });
  }
  await inSlot(() => reencode(inputPath, outputPath, info, timeoutSeconds));
  return { ...(await hashFile(outputPath)), method: 'reencoded' };
}

/** Writes a clean re-encoding of a file that decoded only with warnings (its metadata kept when asked). */
export async function cleanReencode(
  inputPath: string,
  outputPath: string,
  info: ImageInfo,
  timeoutSeconds: number,
  keepMetadata: boolean,
): Promise<CleanedFile> {
  await reencode(inputPath, outputPath, info, timeoutSeconds, keepMetadata);
  return { ...(await hashFile(outputPath)), method: 'reencoded' };
}
