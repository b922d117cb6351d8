import { createHash } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/database.js';
import { now } from '../db/schema.js';
import { ObjectNotFoundError, type Storage } from '../storage/storage.js';
import type { BlobLifecycle } from './blobs.js';
import { usageByUser } from './catalog.js';
import { blobKey, SHA256_IN_BLOB_KEY } from './keys.js';
import type { ResumableUploads } from './resumable.js';
import type { VariantService } from './variants.js';

export interface SweepReport {
  blobsRemoved: number;
  strayObjectsRemoved: number;
  strayVariantsRemoved: number;
  staleUploadsRemoved: number;
  expiredResumableRemoved: number;
}

export interface Garbage {
  blobs: { sha256: string; bytes: number }[];
  strayObjects: string[];
  strayVariants: string[];
  /** Temporary upload files older than any request may take. */
  staleUploads: string[];
  /** Resumable uploads past their expiry (their parts and record), and parts that no upload knows. */
  expiredResumable: string[];
  strayParts: string[];
}

export interface VerifyReport {
  checked: number;
  bytes: number;
  missing: string[];
  corrupt: string[];
  wrongCounts: { sha256: string; recorded: number; actual: number }[];
  repaired: number;
}

export interface UsageReport {
  users: { username: string; images: number; bytes: number }[];
  /** What is stored once per content. */
  originals: { files: number; bytes: number };
  /** Bytes that users' images count but storage holds once. */
  sharedByDedup: number;
  variants: { files: number; bytes: number };
}

export interface MaintenanceOptions {
  /** Where uploads are received before they are stored. */
  tmpDir: string;
  /** A temporary upload file older than this belongs to no request any more (crash leftovers). */
  staleAfterMs: number;
}

/** What operators and the periodic sweep do: find and remove garbage, verify stored bytes, report usage. */
export class Maintenance {
  constructor(
    private readonly db: Db,
    private readonly storage: Storage,
    private readonly blobs: BlobLifecycle,
    private readonly variants: VariantService,
    private readonly uploads: ResumableUploads,
    private readonly options: MaintenanceOptions,
  ) {}

  /** What a sweep would remove: unreferenced blobs, and stored objects that no row knows. */
  async findGarbage(): Promise<Garbage> {
    const blobs = await this.db.kysely
      .selectFrom('blobs')
      .select(['sha256', 'bytes'])
      .where('ref_count', '<=', 0)
      .where((eb) => eb.or([eb('pending_uploads', '<=', 0), eb('lease_until', '<', now())]))
      .execute();
    const strayObjects: string[] = [];
    for await (const key of this.storage.list('originals/')) {
      const sha256 = SHA256_IN_BLOB_KEY.exec(key)?.[1];
      // A blob row always exists before its object is written, so an object without one is left over.
      const known = sha256 && (await this.db.kysely.selectFrom('blobs').select('sha256').where('sha256', '=', sha256).executeTakeFirst());
      if (!known) strayObjects.push(key);
    }
    const staleUploads: string[] = [];
    for (const name of await readdir(this.options.tmpDir).catch(() => [])) {
      const path = join(this.options.tmpDir, name);
      const info = await stat(path).catch(() => null);
      if (info && Date.now() - info.mtimeMs > this.options.staleAfterMs) staleUploads.push(path);
    }
    return {
      blobs: blobs.map((blob) => ({ sha256: blob.sha256, bytes: Number(blob.bytes) })),
      strayObjects,
      strayVariants: await this.variants.findStray(),
      staleUploads,
      ...(await this.uploads.findExpired().then(({ expired, strayParts }) => ({ expiredResumable: expired, strayParts }))),
    };
  }

  /** Removes unreferenced blobs (and their variants), stored objects that no row knows, stale upload files, expired resumable uploads. */
  async sweep(): Promise<SweepReport> {
    const garbage = await this.findGarbage();
    let blobsRemoved = 0;
    for (const { sha256 } of garbage.blobs) if (await this.blobs.removeIfUnused(sha256)) blobsRemoved++;
    for (const key of garbage.strayObjects) await this.storage.delete(key);
    for (const key of garbage.strayVariants) await this.storage.delete(key);
    for (const path of garbage.staleUploads) await rm(path, { force: true });
    await this.uploads.removeExpired({ expired: garbage.expiredResumable, strayParts: garbage.strayParts });
    return {
      blobsRemoved,
      strayObjectsRemoved: garbage.strayObjects.length,
      strayVariantsRemoved: garbage.strayVariants.length,
      staleUploadsRemoved: garbage.staleUploads.length,
      expiredResumableRemoved: garbage.expiredResumable.length,
    };
  }

  /**
   * Verifies every stored original against its hash and every reference count against the images.
   * With `repair`, wrong reference counts are corrected (missing or corrupt bytes cannot be).
   */
  async verify(repair: boolean, onProgress: (done: number, total: number) => void = () => undefined): Promise<VerifyReport> {
    const blobs = await this.db.kysely.selectFrom('blobs').select(['sha256', 'bytes', 'ref_count']).where('ref_count', '>', 0).execute();
    const report: VerifyReport = { checked: 0, bytes: 0, missing: [], corrupt: [], wrongCounts: [], repaired: 0 };
    for (const blob of blobs) {
      try {
        const hash = createHash('sha256');
        for await (const chunk of await this.storage.get(blobKey(blob.sha256))) hash.update(chunk as Buffer);
        if (hash.digest('hex') !== blob.sha256) report.corrupt.push(blob.sha256);
      } catch (error) {
        if (!(error instanceof ObjectNotFoundError)) throw error;
        report.missing.push(blob.sha256);
      }
      report.checked++;
      report.bytes += Number(blob.bytes);
      onProgress(report.checked, blobs.length);
    }
    const counts = await this.db.kysely
      .selectFrom('blobs')
      .leftJoin('images', 'images.sha256', 'blobs.sha256')
      .select((eb) => ['blobs.sha256 as sha256', 'blobs.ref_count as refCount', eb.fn.count<number | string>('images.id').as('images')])
      .groupBy(['blobs.sha256', 'blobs.ref_count'])
      .execute();
    for (const row of counts) {
      if (Number(row.images) === row.refCount) continue;
      report.wrongCounts.push({ sha256: row.sha256, recorded: row.refCount, actual: Number(row.images) });
      if (repair) {
        await this.db.kysely
          .updateTable('blobs')
          .set({ ref_count: Number(row.images) })
          .where('sha256', '=', row.sha256)
          .execute();
        report.repaired++;
      }
    }
    return report;
  }

  /** Where storage goes: per user (images and their bytes) and overall (stored, shared by dedup, variants). */
  async usageReport(): Promise<UsageReport> {
    const users = await this.db.kysely.selectFrom('users').select(['id', 'username']).orderBy('username').execute();
    const usage = await usageByUser(this.db.kysely);
    const stored = await this.db.kysely
      .selectFrom('blobs')
      .select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.sum<number | string | null>('bytes').as('bytes')])
      .where('ref_count', '>', 0)
      .executeTakeFirstOrThrow();
    const variants = await this.db.kysely
      .selectFrom('variants')
      .select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.sum<number | string | null>('bytes').as('bytes')])
      .executeTakeFirstOrThrow();
    const perUser = users.map((user) => ({
      username: user.username,
      images: usage.get(user.id)?.images ?? 0,
      bytes: usage.get(user.id)?.bytes ?? 0,
    }));
    const logical = perUser.reduce((sum, user) => sum + user.bytes, 0);
    return {
      users: perUser,
      originals: { files: Number(stored.count), bytes: Number(stored.bytes ?? 0) },
      sharedByDedup: logical - Number(stored.bytes ?? 0),
      variants: { files: Number(variants.count), bytes: Number(variants.bytes ?? 0) },
    };
  }
}
