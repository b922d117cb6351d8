import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError, fieldErrors } from '../errors.js';
import { probeImage, UnacceptableImageError, type ImageInfo } from '../processing/probe.js';
import { sanitiseFilename } from './filename.js';

/** An upload received into a temporary file, hashed and identified, not yet stored. */
export interface StagedUpload {
  path: string;
  sha256: string;
  bytes: number;
  filename: string;
  info: ImageInfo;
  /** Removes the temporary file if it is still there. */
  discard(): Promise<void>;
}

export interface IngestLimits {
  tmpDir: string;
  maxUploadBytes: number;
  maxImagePixels: number;
}

export function uploadTooLarge(maxBytes: number): ApiError {
  // Connection: close, so the server stops reading the rest of the body.
  return new ApiError(413, { image: [`Ensure this file is at most ${maxBytes} bytes.`] }, { connection: 'close' });
}

/** Counts and hashes bytes as they pass; fails as soon as the limit is crossed. */
class MeasuringStream extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(uploadTooLarge(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }
}

/** Streams an upload to a temporary file, hashing on the way, then checks it is an image we accept. */
export async function stageUpload(body: Readable, clientFilename: string | undefined, limits: IngestLimits): Promise<StagedUpload> {
  const path = join(limits.tmpDir, `upload-${randomBytes(16).toString('hex')}`);
  const discard = () => rm(path, { force: true });
  const measuring = new MeasuringStream(limits.maxUploadBytes);
  try {
    await pipeline(body, measuring, createWriteStream(path, { flags: 'wx' }));
    if (measuring.bytes === 0) throw fieldErrors({ image: ['The submitted file is empty.'] });
    const info = await probeImage(path, limits.maxImagePixels);
    return { path, sha256: measuring.hash.digest('hex'), bytes: measuring.bytes, filename: sanitiseFilename(clientFilename), info, discard };
  } catch (error) {
    await discard();
    if (error instanceof UnacceptableImageError) throw fieldErrors({ image: [error.message] });
    throw error;
  }
}
