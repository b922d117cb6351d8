import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidInput, TooLarge } from '../errors.js';
import { cleanReencode, removeMetadata, type CleanedFile } from '../processing/clean.js';
import { describeImage, type ImageDescription } from '../processing/describe.js';
import { summariseExif, type ExifSummary } from '../processing/exif-summary.js';
import type { WorkLimiter } from '../limiter.js';
import { probeImage, UnacceptableImageError, type ImageInfo, type PixelLimits } from '../processing/probe.js';
import { FORMATS } from '../processing/formats.js';
import { sanitiseFilename } from './filename.js';

/**
 * Images of at most this many pixels are decoded outside the processing slots. A slot bounds the CPU
 * and memory of large decodes; it is held until the event loop takes the result, so under load a
 * 120×90 PNG (a millisecond of decoding) held one for a loop turn (30 ms) and uploads queued behind
 * each other. Small decodes are still bounded by libuv's thread pool.
 */
const UNQUEUED_DECODE_PIXELS = 512 * 512;

/** An upload received, checked and cleaned into a temporary file, ready to be stored. */
export interface StagedUpload {
  /** The file to store: the upload without its metadata. */
  path: string;
  /** SHA-256 and size of the file to store (not of the upload as received). */
  sha256: string;
  bytes: number;
  filename: string;
  info: ImageInfo;
  description: ImageDescription;
  /** Camera, lens, time (and location if the deployment allows), read before the metadata was removed. */
  exif: ExifSummary | null;
  /** Removes the temporary files if they are still there. */
  discard(): Promise<void>;
}

export interface IngestOptions extends PixelLimits {
  tmpDir: string;
  maxUploadBytes: number;
  keepMetadata: boolean;
  exposeLocation: boolean;
  timeoutSeconds: number;
  limiter: WorkLimiter;
}

/** Counts and hashes bytes as they pass; fails with `tooMany()` as soon as the limit is crossed. */
export class MeasuringStream extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly tooMany: () => Error = () => new TooLarge('image', maxBytes),
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(this.tooMany());
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }
}

function tempPath(tmpDir: string, kind: string): string {
  return join(tmpDir, `${kind}-${randomBytes(16).toString('hex')}`);
}

/**
 * The upload pipeline: stream to a temporary file (hashing, counting) → identify by content and
 * check the budgets from the header → decode once (validity, placeholder, colour) → read the EXIF
 * summary → remove the metadata. Each step can refuse the upload; nothing is stored.
 */
export class Ingest {
  constructor(readonly options: IngestOptions) {}

  /** Receives an upload into a temporary file, validates and cleans it; nothing is stored yet. */
  async stage(
    body: Readable,
    clientFilename: string | undefined,
    owner?: number,
    maxBytes = this.options.maxUploadBytes,
  ): Promise<StagedUpload> {
    const { options } = this;
    const received = tempPath(options.tmpDir, 'upload');
    const cleaned = tempPath(options.tmpDir, 'clean');
    const discard = async () => {
      await rm(received, { force: true });
      await rm(cleaned, { force: true });
    };
    const measuring = new MeasuringStream(maxBytes);
    try {
      // Opened and closed synchronously (local calls of microseconds), so that receiving a small
      // upload is one trip through the event loop, not three. A failed pipeline destroys the
      // stream, which closes the descriptor itself.
      const fd = openSync(received, 'wx');
      await pipeline(body, measuring, createWriteStream(received, { fd, autoClose: false }));
      closeSync(fd);
      if (measuring.bytes === 0) throw new InvalidInput({ image: ['The submitted file is empty.'] });
      const info = await probeImage(received, options);
      const decode = () => describeImage(received, info, options.maxPixels, options.timeoutSeconds);
      const description =
        info.width * info.height * info.frames <= UNQUEUED_DECODE_PIXELS ? await decode() : await options.limiter.run(decode, { owner });
      const exif = await summariseExif(info.exif, options.exposeLocation);
      const stored = { path: received, sha256: measuring.hash.digest('hex'), bytes: measuring.bytes };
      let result: CleanedFile | null = null;
      if (description.warned) {
        // Accepted with decoder warnings: what is stored is a clean re-encoding of what decoded.
        result = await options.limiter.run(() => cleanReencode(received, cleaned, info, options.timeoutSeconds, options.keepMetadata), {
          owner,
        });
      } else if (!options.keepMetadata && (FORMATS[info.format].strippableLosslessly || info.hasMetadata)) {
        result = await removeMetadata(received, cleaned, info, options.timeoutSeconds, (work) => options.limiter.run(work, { owner }));
      }
      if (result) {
        await rm(received, { force: true });
        Object.assign(stored, { path: cleaned, sha256: result.sha256, bytes: result.bytes });
        if (result.method === 'reencoded') info.orientation = 1;
      }
      return { ...stored, filename: sanitiseFilename(clientFilename), info, description, exif, discard };
    } catch (error) {
      await discard();
      if (error instanceof UnacceptableImageError) throw new InvalidInput({ image: [error.message] });
      throw error;
    }
  }
}
