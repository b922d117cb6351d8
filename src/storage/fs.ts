import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, fsync, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import { mkdir, open, readdir, rm, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidKey, ObjectNotFoundError, type ByteRange, type PutOptions, type Storage } from './storage.js';

const INCOMING = '.incoming';

const fsyncDescriptor = promisify(fsync);

/**
 * Flushes a file or directory to disk. Opening and closing are synchronous (local metadata calls of
 * microseconds); only the flush, which can take milliseconds, goes to the thread pool: an upload
 * made eight trips through a busy event loop to store its file, each one waiting its turn.
 */
async function fsyncPath(path: string): Promise<void> {
  const fd = openSync(path, 'r');
  try {
    await fsyncDescriptor(fd);
  } finally {
    closeSync(fd);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

/** Local-filesystem storage: one file per key under root, written by fsync + rename. */
export class FsStorage implements Storage {
  private readonly incoming: string;

  constructor(private readonly root: string) {
    this.incoming = join(root, INCOMING);
  }

  async init(): Promise<void> {
    await mkdir(this.incoming, { recursive: true });
    // Anything left here was being written when a previous process died.
    for (const name of await readdir(this.incoming)) await rm(join(this.incoming, name), { force: true });
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    return join(this.root, ...key.split('/'));
  }

  private async moveIntoPlace(tempPath: string, key: string, durable = true): Promise<void> {
    const target = this.pathOf(key);
    if (durable) await fsyncPath(tempPath);
    mkdirSync(dirname(target), { recursive: true });
    renameSync(tempPath, target);
    // The rename is durable only once the directory entry is on disk.
    if (durable) await fsyncPath(dirname(target));
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<void> {
    const tempPath = join(this.incoming, randomBytes(16).toString('hex'));
    try {
      await pipeline(body, createWriteStream(tempPath, { flags: 'wx' }));
      await this.moveIntoPlace(tempPath, key, options.durable ?? true);
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
  }

  async putFile(key: string, localPath: string): Promise<void> {
    try {
      await this.moveIntoPlace(localPath, key);
    } catch (error) {
      if (!isErrno(error, 'EXDEV')) throw error;
      await this.put(key, createReadStream(localPath));
      await rm(localPath, { force: true });
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    let handle;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new ObjectNotFoundError(key);
      throw error;
    }
    // Reading from the open handle keeps working even if the file is unlinked meanwhile.
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      // Synchronous for the reason fsyncPath gives: a local metadata call.
      const info = statSync(this.pathOf(key));
      return { size: info.size };
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const start = prefix === '' ? this.root : this.pathOf(prefix.replace(/\/+$/, ''));
    let entries;
    try {
      entries = await readdir(start, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const key = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/');
      if (!key.startsWith(`${INCOMING}/`)) yield key;
    }
  }

  async check(): Promise<void> {
    const probe = join(this.incoming, `ready-${randomBytes(8).toString('hex')}`);
    const handle = await open(probe, 'wx');
    await handle.close();
    await unlink(probe);
  }
}
