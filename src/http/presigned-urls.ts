import type { PresignedHeaders } from '../storage/storage.js';

export type Presign = (key: string, headers: PresignedHeaders, seconds: number) => Promise<string>;

/** At most this many URLs are kept (past it, they are all dropped and signed again on use). */
const KEPT_URLS = 10_000;

/**
 * Hands out the same presigned URL for the same object and response headers while at least half of
 * its life is left. A redirect may be cached for at most half the URL's life (redirectCacheControl),
 * so a reused URL still outlives anything that keeps it; a client is given one that works for
 * between half and all of DELIVERY_REDIRECT_SECONDS. Signing through the AWS SDK (its middleware
 * stack, for an HMAC) was most of the CPU of a redirect, and one URL per object lets browsers and
 * caches keep the object's bytes under it.
 */
export function reusePresigned(presign: Presign, clock: () => number = Date.now): Presign {
  const kept = new Map<string, { url: string; until: number }>();
  return async (key, headers, seconds) => {
    const name = JSON.stringify([key, headers.contentType, headers.contentDisposition, headers.cacheControl, seconds]);
    const now = clock();
    const known = kept.get(name);
    if (known && known.until > now) return known.url;
    const url = await presign(key, headers, seconds);
    if (kept.size >= KEPT_URLS) kept.clear();
    kept.set(name, { url, until: now + (seconds * 1000) / 2 });
    return url;
  };
}
