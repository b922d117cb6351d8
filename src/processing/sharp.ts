import type SharpModule from 'sharp';

type Sharp = typeof SharpModule;

let loading: Promise<Sharp> | undefined;

/**
 * sharp and libvips, loaded at the first use (or by `preloadSharp` once the server listens): loading
 * them was 45 ms of every process's start-up, and a read-only worker may never need them.
 */
export function loadSharp(): Promise<Sharp> {
  loading ??= import('sharp').then((module) => module.default);
  return loading;
}

/** Loads sharp in the background; a sharp that cannot load (a missing binary) stops the process. */
export function preloadSharp(onError: (error: unknown) => void): void {
  loadSharp().catch(onError);
}
