import { closeSync, openSync, readSync } from 'node:fs';

/** Bytes of the WAL-index header's first copy: the change counter, frame count, salts and checksum. */
const HEADER_BYTES = 48;

/** Tells whether anything was committed to a SQLite file since the last call. */
export interface CommitWatch {
  changed(): boolean;
  close(): void;
}

/**
 * Watches a WAL-mode SQLite file through the header of its WAL index (the `-shm` file), which every
 * commit rewrites (its frame count and checksum; a WAL restart, its salts), whichever process commits.
 * SQLite itself compares this header to learn that another connection committed. Reading it is one
 * `pread` (0.3 µs) where `PRAGMA data_version` is a read transaction through libsql (1.7 µs, 6 µs
 * under load): the check runs on every request. Without the index (not WAL), `dataVersion` is used.
 */
export function watchCommits(path: string, dataVersion: () => number): CommitWatch {
  let fd: number | null;
  try {
    fd = openSync(`${path}-shm`, 'r');
  } catch {
    fd = null;
  }
  if (fd === null) {
    let last: number | null = null;
    return {
      changed() {
        const version = dataVersion();
        const changed = version !== last;
        last = version;
        return changed;
      },
      close() {},
    };
  }
  const index = fd;
  let last = Buffer.alloc(HEADER_BYTES);
  let next = Buffer.alloc(HEADER_BYTES);
  let first = true;
  return {
    changed() {
      // A header read while a writer rewrites it may be torn: it then differs, and only costs a refill.
      // A short read (an index being set up) says nothing: then everything counts as changed.
      const complete = readSync(index, next, 0, HEADER_BYTES, 0) === HEADER_BYTES;
      const changed = first || !complete || !next.equals(last);
      first = false;
      [last, next] = [next, last];
      return changed;
    },
    close() {
      closeSync(index);
    },
  };
}
