import type SharpModule from 'sharp';

type Sharp = typeof SharpModule;

let loading: Promise<Sharp> | undefined;

/**
 * sharp and libvips, loaded at the first use (or by serve.ts once the server listens): loading
 * them was 45 ms of every process's start-up, and a read-only worker may never need them.
 */
export function loadSharp(): Promise<Sharp> {
  loading ??= import('sharp').then(({ default: sharp }) => {
    // libvips' operation cache keeps recent decodes for an identical call that comes again; here none
    // does (every upload is new, every variant is rendered once, then stored), and what it kept was
    // 90 MiB of peak memory under 8 uploads of 20 MB (bench upload-memory: +211 → about +105 MiB).
    sharp.cache(false);
    return sharp;
  });
  return loading;
}
