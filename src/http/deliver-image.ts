import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { ImageRecord, ImageService } from '../images/service.js';
import type { VariantRequest } from '../images/variants.js';
import { sendBytes } from './deliver.js';

const EXTENSIONS: Readonly<Record<string, string>> = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif', gif: 'gif' };

function renamed(filename: string, format: string): string {
  const stem = filename.replace(/\.[^.]*$/, '') || 'image';
  return `${stem}.${EXTENSIONS[format] ?? format}`;
}

/** Sends an image's original bytes, or the requested variant of them. */
export async function deliverImage(
  request: FastifyRequest,
  reply: FastifyReply,
  images: ImageService,
  image: ImageRecord,
  variantRequest: VariantRequest | null,
  cacheControl: string,
): Promise<FastifyReply> {
  if (!variantRequest) {
    const original = {
      contentType: image.contentType,
      bytes: image.bytes,
      digest: image.sha256,
      lastModified: image.updatedAt,
      filename: image.filename,
    };
    return sendBytes(request, reply, original, (range) => images.openBytes(image, range), { cacheControl });
  }
  const { variant, data } = await images.variant(image, variantRequest, request.headers.accept);
  const item = {
    contentType: variant.contentType,
    bytes: variant.bytes,
    digest: variant.etag,
    lastModified: variant.createdAt,
    filename: renamed(image.filename, variant.format),
  };
  const open = data
    ? (range?: { start: number; end: number }) => Readable.from([range ? data.subarray(range.start, range.end + 1) : data])
    : (range?: { start: number; end: number }) => images.openVariant(variant, range);
  return sendBytes(request, reply, item, open, { cacheControl, varyAccept: variant.negotiated });
}
