import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { BlobLifecycle } from '../images/blobs.js';
import type { StoredImage } from '../images/catalog.js';
import type { VariantService } from '../images/variants.js';
import { FORMATS, type ImageFormat } from '../processing/formats.js';
import type { HotObjects } from '../storage/hot-objects.js';
import type { ByteRange } from '../storage/storage.js';
import { blobKey } from '../images/keys.js';
import { sendBytes, type DeliveryHeaders, type Offload } from './deliver.js';
import { resolveVariant, type VariantParams } from './variant-query.js';

export interface ImageBytes {
  blobs: BlobLifecycle;
  variants: VariantService;
  /** DELIVERY=nginx or redirect; null: the process sends the bytes. */
  offload: Offload | null;
  /** Small stored objects kept in memory, for the bytes this process sends. */
  hot: HotObjects;
}

/** Opens stored bytes: from memory when the object is small enough to keep, else streamed from storage. */
function fromStorage(hot: HotObjects, key: string, digest: string, size: number, stream: (range?: ByteRange) => Promise<Readable>) {
  return async (range?: ByteRange): Promise<Readable | Buffer> => {
    const kept = await hot.read(key, digest, size);
    if (!kept) return stream(range);
    return range ? kept.subarray(range.start, range.end + 1) : kept;
  };
}

function renamed(filename: string, format: ImageFormat): string {
  const stem = filename.replace(/\.[^.]*$/, '') || 'image';
  return `${stem}.${FORMATS[format].extension}`;
}

/** Sends an image's original bytes, or the variant the parameters ask for (its format negotiated by Accept). */
export async function deliverImage(
  request: FastifyRequest,
  reply: FastifyReply,
  { blobs, variants, offload, hot }: ImageBytes,
  image: StoredImage,
  params: VariantParams | null,
  cacheControl: string,
  delivery: Pick<DeliveryHeaders, 'attachment' | 'redirect' | 'remember'> = {},
): Promise<FastifyReply> {
  if (!params) {
    const original = {
      contentType: image.contentType,
      bytes: image.bytes,
      digest: image.sha256,
      lastModified: image.updatedAt,
      filename: image.filename,
      storageKey: blobKey(image.sha256),
    };
    const open = fromStorage(hot, original.storageKey, image.sha256, image.bytes, (range) => blobs.open(image.sha256, range));
    return sendBytes(request, reply, original, open, { cacheControl, ...delivery }, offload);
  }
  const { request: variantRequest, negotiated } = resolveVariant(params, image, request.headers.accept);
  // Aborted when the client goes away before the answer is sent: a render still waiting for a slot is then dropped.
  const abandoned = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abandoned.abort();
  });
  const { variant, data } = await variants.get(image, variantRequest, { owner: image.userId, signal: abandoned.signal });
  const item = {
    contentType: variant.contentType,
    bytes: variant.bytes,
    digest: variant.etag,
    lastModified: variant.createdAt,
    filename: renamed(image.filename, variant.format),
    // A variant rendered by this request is sent from memory; a cached one is a stored file.
    ...(data ? {} : { storageKey: variant.key, recheckAt: variant.touchDueAt }),
  };
  const open = data
    ? (range?: ByteRange) => (range ? data.subarray(range.start, range.end + 1) : data)
    : fromStorage(hot, variant.key, variant.etag, variant.bytes, (range) => variants.open(variant, range));
  return sendBytes(request, reply, item, open, { cacheControl, varyAccept: negotiated, ...delivery }, offload);
}
