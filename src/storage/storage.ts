import type { Readable } from 'node:stream';

/** Inclusive byte offsets, as in HTTP Range. */
export interface ByteRange {
  start: number;
  end: number;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No stored object at ${key}`);
  }
}

/**
 * Where image bytes live. Keys are relative, slash-separated paths of [a-z0-9._-] segments.
 * Every write is atomic: a reader sees the old object or the whole new one, never part of one.
 */
export interface PutOptions {
  /** Whether the write must survive power loss before put() returns (default true). Caches can skip the flush. */
  durable?: boolean;
}

/** Response headers a presigned GET makes the object store send. */
export interface PresignedHeaders {
  contentType: string;
  contentDisposition: string;
  cacheControl: string;
}

export interface Storage {
  /** Stores the stream under key. */
  put(key: string, body: Readable, options?: PutOptions): Promise<void>;
  /** Stores a local file under key; the file is consumed (moved or removed). */
  putFile(key: string, localPath: string): Promise<void>;
  /** Opens the object (or a byte range of it). Throws ObjectNotFoundError. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Size of the object, or null when there is none. */
  stat(key: string): Promise<{ size: number } | null>;
  exists(key: string): Promise<boolean>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Every key under prefix. */
  list(prefix: string): AsyncIterable<string>;
  /** Throws when the storage cannot be written. */
  check(): Promise<void>;
  /** A local file path holding the object, for storages that have one (lets libvips read it directly). */
  localPath?(key: string): string;
  /** A URL that lets whoever holds it GET the object for `seconds`, answered with these headers (object stores only). */
  presignGet?(key: string, headers: PresignedHeaders, seconds: number): Promise<string>;
  /** Releases connections, for storages that hold any. */
  close?(): void;
}

const KEY_PATTERN = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

export function assertValidKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`Invalid storage key: ${JSON.stringify(key)}`);
  }
}
