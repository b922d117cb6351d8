import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { contentDisposition } from '../images/filename.js';
import type { ByteRange } from '../storage/storage.js';
import type { Presign } from './presigned-urls.js';
import { etagMatches } from './negotiation.js';

/** Bytes that can be sent: an original or a variant. */
export interface Deliverable {
  contentType: string;
  bytes: number;
  /** Hex digest of the exact bytes: the strong ETag. */
  digest: string;
  lastModified: string;
  filename: string;
  /** Where the bytes are kept in storage, when they are a stored file (an original or a cached variant). */
  storageKey?: string;
  /** Milliseconds since the epoch: past this, a request for it must reach the store again (a cached variant's use is recorded). */
  recheckAt?: number;
}

/**
 * Who sends a stored file once this service has authorised the request: nginx from an internal
 * location (DELIVERY=nginx), or the object store through a short-lived presigned URL (DELIVERY=redirect).
 */
export type Offload =
  | {
      kind: 'nginx';
      /** The `internal` location that maps storage keys to files (e.g. /_image-api-files/). */
      prefix: string;
    }
  | {
      kind: 'redirect';
      /** How long a presigned URL works (from when it was signed; see reusePresigned). */
      seconds: number;
      presign: Presign;
    };

export interface DeliveryHeaders {
  cacheControl: string;
  /** The representation depends on the Accept header (format negotiation). */
  varyAccept?: boolean;
  /** Sent as a file to save (Content-Disposition: attachment) rather than shown. */
  attachment?: boolean;
  /** False: never hand out a presigned URL for these bytes (it would outlive the check made here). */
  redirect?: boolean;
  /**
   * Told when the answer is a 200 of a whole stored item, its headers set: sent from memory (withBody),
   * or by nginx. Not told for other answers (see LinkMemo).
   */
  remember?: (item: Deliverable, withBody: boolean) => void;
}

/**
 * The caching of a redirect to a presigned URL: no longer than half the URL's life, so that a
 * cached redirect never points at an expired URL; never immutable (the next one is another URL).
 */
export function redirectCacheControl(cacheControl: string, seconds: number): string {
  const visibility = /\bpublic\b/.test(cacheControl) ? 'public' : 'private';
  const maxAge = Number(/max-age=(\d+)/.exec(cacheControl)?.[1] ?? 0);
  return `${visibility}, max-age=${Math.min(maxAge, Math.floor(seconds / 2))}`;
}

/** Parses a single "bytes=" range. Returns null when absent, invalid or not understood (serve everything), 'unsatisfiable' for 416. */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  // A last position before the first makes the range invalid: RFC 9110 says to ignore the header.
  if (match[2] !== '' && Number(match[2]) < start) return null;
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/**
 * Sends image bytes with the headers a browser and a cache need: the detected type, nosniff, a
 * safe Content-Disposition, a strong ETag (304), Last-Modified, byte ranges (206/416) and HEAD.
 */
export async function sendBytes(
  request: FastifyRequest,
  reply: FastifyReply,
  item: Deliverable,
  open: (range?: ByteRange) => Promise<Readable | Buffer> | Readable | Buffer,
  headers: DeliveryHeaders,
  offload: Offload | null = null,
): Promise<FastifyReply> {
  const etag = `"${item.digest}"`;
  const disposition = contentDisposition(item.filename, headers.attachment ? 'attachment' : 'inline');
  const redirect = offload?.kind === 'redirect' && item.storageKey && headers.redirect !== false ? offload : null;
  if (redirect) {
    // The store sends the bytes with these headers; the redirect keeps the ETag, so a client
    // revalidating what it fetched gets its 304 here.
    reply.header('cache-control', redirectCacheControl(headers.cacheControl, redirect.seconds));
  } else {
    reply.headers({
      'content-type': item.contentType,
      'x-content-type-options': 'nosniff',
      'content-disposition': disposition,
      'content-security-policy': "default-src 'none'; sandbox",
      'last-modified': new Date(item.lastModified).toUTCString(),
      'accept-ranges': 'bytes',
      'cache-control': headers.cacheControl,
    });
  }
  reply.header('etag', etag);
  if (headers.varyAccept) reply.header('vary', 'Accept');
  if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
  if (redirect) {
    const location = await redirect.presign(
      item.storageKey!,
      { contentType: item.contentType, contentDisposition: disposition, cacheControl: headers.cacheControl },
      redirect.seconds,
    );
    return reply.code(302).header('location', location).send();
  }
  if (offload?.kind === 'nginx' && item.storageKey) {
    // Authorised and conditional-checked here; nginx sends the file (sendfile, Range, HEAD) with these headers.
    reply.header('x-accel-redirect', `${offload.prefix}${item.storageKey}`);
    headers.remember?.(item, false);
    return reply.send();
  }

  const rangeHeader = request.headers['if-range'] && request.headers['if-range'] !== etag ? undefined : request.headers.range;
  const range = parseRange(rangeHeader, item.bytes);
  if (range === 'unsatisfiable') {
    return reply
      .code(416)
      .header('content-range', `bytes */${item.bytes}`)
      .type('application/json; charset=utf-8')
      .send({ detail: 'Requested range not satisfiable.' });
  }
  if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${item.bytes}`);
  reply.header('content-length', range ? range.end - range.start + 1 : item.bytes);
  if (request.method === 'HEAD') return reply.send();
  const body = await open(range ?? undefined);
  // A stored item opened as a Buffer came from memory (HotObjects); a stream did not.
  if (!range && Buffer.isBuffer(body)) headers.remember?.(item, true);
  return reply.send(body);
}
