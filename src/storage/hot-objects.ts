import type { Storage } from './storage.js';

/** Objects larger than this are always streamed from storage. */
export const HOT_OBJECT_MAX_BYTES = 1024 * 1024;

/**
 * Small stored objects (originals and cached variants up to HOT_OBJECT_MAX_BYTES) kept in memory,
 * least recently used out first, up to a byte budget. A hit is one write of a Buffer; a miss
 * opens, reads and closes a file (or makes a GET to the object store), which was most of the CPU
 * of delivering a 177 KB original. Entries are named by their storage key and the digest of their
 * bytes, so a key whose bytes change (a variant rendered again) is a miss, never stale bytes; what
 * may be read is decided before, from the database, as for a streamed object.
 */
export class HotObjects {
  private readonly entries = new Map<string, Buffer>();
  private readonly loading = new Map<string, Promise<Buffer | null>>();
  private held = 0;

  constructor(
    private readonly storage: Storage,
    /** 0: nothing is kept. */
    private readonly capacityBytes: number,
  ) {}

  /** The whole object from memory, reading it once on a miss; null when it is not kept (too big, or the cache is off). */
  async read(key: string, digest: string, size: number): Promise<Buffer | null> {
    if (size > Math.min(HOT_OBJECT_MAX_BYTES, this.capacityBytes)) return null;
    const hit = this.peek(key, digest);
    if (hit) return hit;
    const name = `${key}#${digest}`;
    let pending = this.loading.get(name);
    if (!pending) {
      pending = this.load(name, key, size).finally(() => this.loading.delete(name));
      this.loading.set(name, pending);
    }
    return pending;
  }

  /** The object when it is in memory now (counted as a use), else undefined: never reads storage. */
  peek(key: string, digest: string): Buffer | undefined {
    const name = `${key}#${digest}`;
    const hit = this.entries.get(name);
    if (hit) {
      // Map order is the recency order: the hit moves to the end.
      this.entries.delete(name);
      this.entries.set(name, hit);
    }
    return hit;
  }

  private async load(name: string, key: string, size: number): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of await this.storage.get(key)) {
      length += (chunk as Buffer).length;
      // Not the size the database has for it: stream it instead (and keep nothing).
      if (length > size) return null;
      chunks.push(chunk as Buffer);
    }
    if (length !== size) return null;
    const bytes = Buffer.concat(chunks, length);
    this.entries.set(name, bytes);
    this.held += length;
    for (const [oldest, buffer] of this.entries) {
      if (this.held <= this.capacityBytes) break;
      this.entries.delete(oldest);
      this.held -= buffer.length;
    }
    return bytes;
  }
}
