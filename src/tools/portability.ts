import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { Services } from '../services.js';
import { InvalidInput, NotFound } from '../errors.js';
import { migrate, openSqlite, refreshStatistics } from '../db/database.js';
import { SECRET_FILE, type Config } from '../config.js';
import { FsStorage } from '../storage/fs.js';
import { hashFile } from '../processing/clean.js';
import { copyDeployment } from './transfer.js';
import { FORMATS } from '../processing/formats.js';
import type { ExifSummary } from '../processing/exif-summary.js';
import { checkLabels } from '../images/catalog.js';
import type { Metadata } from '../images/fields.js';
import { NO_LABELS } from '../images/labels.js';
import { NO_FILTERS, type ListPage, type Position } from '../images/listing.js';

/** The export format: one JSON manifest and the stored files, named by id and hash. */
export interface ExportManifest {
  format: 'image-api-export/1';
  username: string;
  email: string | null;
  images: {
    id: number;
    file: string;
    filename: string;
    sha256: string;
    bytes: number;
    exif: ExifSummary | null;
    created_at: string;
    updated_at: string;
    // Added with albums and tags; older exports lack them.
    title?: string | null;
    description?: string | null;
    tags?: string[];
    metadata?: Metadata | null;
    trashed_at?: string | null;
    expires_at?: string | null;
  }[];
  /** Albums with their images' export ids in album order. */
  albums?: { id: number; title: string; description: string | null; images: number[] }[];
}

/** The user's albums with their images in order, as export ids (the image numbers). */
async function albumsOf(services: Services, userId: number): Promise<NonNullable<ExportManifest['albums']>> {
  const rows = await services.db.kysely
    .selectFrom('albums')
    .select(['id', 'number', 'title', 'description'])
    .where('user_id', '=', userId)
    .orderBy('number')
    .execute();
  const albums: NonNullable<ExportManifest['albums']> = [];
  for (const row of rows) {
    const members = await services.db.kysely
      .selectFrom('album_images')
      .innerJoin('images', 'images.id', 'album_images.image_id')
      .select('images.number')
      .where('album_images.album_id', '=', row.id)
      .orderBy('album_images.position')
      .execute();
    albums.push({ id: row.number, title: row.title, description: row.description, images: members.map((member) => member.number) });
  }
  return albums;
}

/** Writes a user's images (as stored) and their metadata to a directory. */
export async function exportUser(
  services: Services,
  username: string,
  directory: string,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<ExportManifest> {
  const user = await services.db.kysely.selectFrom('users').select(['id', 'email']).where('username', '=', username).executeTakeFirst();
  if (!user) throw new NotFound();
  await mkdir(directory, { recursive: true });
  const manifest: ExportManifest = { format: 'image-api-export/1', username, email: user.email, images: [] };
  for (const trashed of [false, true]) {
    let after: Position | null = null;
    for (;;) {
      const page: ListPage = await services.listing.list(user.id, { ...NO_FILTERS, trashed }, 'oldest', 500, after);
      for (const image of page.images) {
        const file = `${image.number}-${image.sha256.slice(0, 16)}.${FORMATS[image.format].extension}`;
        await pipeline(await services.blobs.open(image.sha256), createWriteStream(join(directory, file)));
        manifest.images.push({
          id: image.number,
          file,
          filename: image.filename,
          sha256: image.sha256,
          bytes: image.bytes,
          exif: image.exif,
          created_at: image.createdAt,
          updated_at: image.updatedAt,
          title: image.title,
          description: image.description,
          tags: image.tags,
          metadata: image.metadata,
          trashed_at: image.trashedAt,
          expires_at: image.expiresAt,
        });
        onProgress(manifest.images.length, manifest.images.length);
      }
      if (page.next === null) break;
      after = page.next;
    }
  }
  manifest.albums = await albumsOf(services, user.id);
  await writeFile(join(directory, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export interface ImportOptions {
  /** The account to import into (default: the export's own username). */
  as?: string;
  /** Check the export and count what would happen; write nothing. */
  dryRun?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportResult {
  username: string;
  created: boolean;
  /** Images stored (or, with dryRun, that would be). */
  images: number;
  /** Images skipped because the account already has their exact content (by SHA-256). */
  duplicates: number;
  dry_run: boolean;
}

/**
 * Imports an export into this deployment, for its user or the one named by `as` (created, with an
 * unusable random password, if missing: set one with `users set-password`). Every file goes through
 * the upload pipeline, so it is checked as any upload is; contents, names, EXIF summaries and times
 * are kept, ids are new. An image whose content the account already has is skipped (its album
 * places go to the image already there), so importing the same export twice stores nothing new.
 */
export async function importUser(services: Services, directory: string, options: ImportOptions = {}): Promise<ImportResult> {
  const { dryRun = false, onProgress = () => undefined } = options;
  const manifest = JSON.parse(await readFile(join(directory, 'manifest.json'), 'utf8')) as ExportManifest;
  if (manifest.format !== 'image-api-export/1') throw new Error(`not an image-api export: ${String(manifest.format)}`);
  const username = options.as ?? manifest.username;
  const existing = await services.db.kysely.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
  // Content the account already has: sha256 -> its image's id.
  const had = new Map<string, number>();
  if (existing) {
    const rows = await services.db.kysely.selectFrom('images').select(['sha256', 'number']).where('user_id', '=', existing.id).execute();
    for (const row of rows) if (!had.has(row.sha256)) had.set(row.sha256, row.number);
  }
  const fresh = manifest.images.filter((entry) => !had.has(entry.sha256));
  const duplicates = manifest.images.length - fresh.length;
  if (dryRun) {
    // Every file that would be stored must be there with the content its manifest names.
    for (const [index, entry] of fresh.entries()) {
      const { sha256 } = await hashFile(join(directory, entry.file));
      if (sha256 !== entry.sha256) throw new Error(`${entry.file}: content does not match its manifest (sha256 ${sha256})`);
      onProgress(index + 1, fresh.length);
    }
    return { username, created: !existing, images: fresh.length, duplicates, dry_run: true };
  }
  let user = existing;
  if (!user) {
    await services.auth.register({
      username,
      password: `${randomBytes(24).toString('base64url')}!x`,
      email: options.as === undefined ? (manifest.email ?? undefined) : undefined,
    });
    user = await services.db.kysely.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
  }
  const newIds = new Map<number, number>();
  for (const entry of manifest.images) {
    const already = had.get(entry.sha256);
    if (already !== undefined) newIds.set(entry.id, already);
  }
  for (const [index, entry] of fresh.entries()) {
    const staged = await services.ingest.stage(createReadStream(join(directory, entry.file)), entry.filename);
    try {
      if (staged.sha256 !== entry.sha256) throw new Error(`${entry.file}: content does not match its manifest (sha256 ${staged.sha256})`);
      staged.exif = entry.exif;
      const labels = { ...NO_LABELS, ...checkLabels(entry) };
      const created = await services.catalog.create(
        user.id,
        staged,
        { ...labels, expiresAt: entry.expires_at ?? null },
        { createdAt: entry.created_at, updatedAt: entry.updated_at, trashedAt: entry.trashed_at ?? null },
      );
      newIds.set(entry.id, created.number);
      // The same content twice in one export is one image, as it would be for a second import.
      had.set(entry.sha256, created.number);
    } finally {
      await staged.discard();
    }
    onProgress(index + 1, fresh.length);
  }
  for (const album of manifest.albums ?? []) {
    const ids = [...new Set(album.images.map((id) => newIds.get(id)).filter((id) => id !== undefined))];
    // An album of the same title is the one an earlier import made: it gets what it lacks.
    const same = await services.db.kysely
      .selectFrom('albums')
      .select('number')
      .where('user_id', '=', user.id)
      .where('title', '=', album.title)
      .orderBy('number')
      .executeTakeFirst();
    if (same) {
      await services.albums.addImages(user.id, same.number, ids);
    } else {
      const created = await services.albums.create(user.id, { title: album.title, description: album.description });
      await services.albums.setImages(user.id, created.number, ids);
    }
  }
  await refreshStatistics(services.db);
  return { username, created: !existing, images: fresh.length, duplicates, dry_run: false };
}

/** The signing key kept in a DATA_DIR-shaped folder (secret.key), or null when there is none. */
async function keyIn(directory: string): Promise<string | null> {
  const file = join(directory, SECRET_FILE);
  return existsSync(file) ? (await readFile(file, 'utf8')).trim() : null;
}

const BACKUP_FORMAT = 'image-api-backup/1';

export interface BackupReport {
  directory: string;
  users: number;
  images: number;
  blobs: number;
  bytes: number;
  /** Whether the backup holds the signing key (secret.key): without it, tokens and links need the same SECRET_KEY. */
  key_included: boolean;
}

/**
 * A complete backup in `directory` (new or empty), whatever the backend: a SQLite database with every
 * row that holds state (read in one consistent snapshot, so a running server may go on writing), and
 * every stored original as a file, each verified against its SHA-256 while it is copied. When the
 * signing key is DATA_DIR/secret.key, it is copied too (mode 0600). The folder has the shape of a
 * DATA_DIR: `restore`, `npm run transfer -- --from`, or simply serving it all work from it.
 */
export async function backup(services: Services, directory: string, config: Config): Promise<BackupReport> {
  await mkdir(directory, { recursive: true });
  if ((await readdir(directory)).length > 0) throw new InvalidInput({ dir: ['Give a new or empty folder.'] });
  const db = openSqlite(directory);
  const storage = new FsStorage(join(directory, 'storage'));
  try {
    await storage.init();
    await migrate(db);
    const copied = await copyDeployment({ db: services.db, storage: services.storage }, { db, storage });
    const key = await keyIn(config.dataDir);
    const keyIncluded = key !== null && config.secretKeys[0] === key;
    if (keyIncluded) await writeFile(join(directory, SECRET_FILE), `${key}\n`, { mode: 0o600 });
    const report = { directory, ...copied, key_included: keyIncluded };
    await writeFile(
      join(directory, 'backup.json'),
      `${JSON.stringify({ format: BACKUP_FORMAT, created_at: new Date().toISOString(), from: services.db.dialect, ...report }, null, 2)}\n`,
    );
    return report;
  } finally {
    await db.close();
  }
}

export interface RestoreReport {
  users: number;
  images: number;
  blobs: number;
  bytes: number;
  /** What happened to the signing key: `restored` (DATA_DIR/secret.key replaced), `same`, or `differs` (set SECRET_KEY). */
  key: 'restored' | 'same' | 'differs' | 'not in backup';
}

/**
 * Brings a backup into this deployment, which must be empty (no users): every row and every original,
 * verified again by hash on the way in. With the embedded key file (no SECRET_KEY), the backup's key
 * replaces the one generated for the empty deployment, so tokens and links keep working; run it with
 * the server stopped, and start the server afterwards.
 */
export async function restore(services: Services, directory: string, config: Config): Promise<RestoreReport> {
  const manifest = JSON.parse(await readFile(join(directory, 'backup.json'), 'utf8')) as { format?: unknown };
  if (manifest.format !== BACKUP_FORMAT) throw new InvalidInput({ dir: [`Not an image-api backup (${String(manifest.format)}).`] });
  const db = openSqlite(directory);
  try {
    const copied = await copyDeployment(
      { db, storage: new FsStorage(join(directory, 'storage')) },
      { db: services.db, storage: services.storage },
    );
    const backedUpKey = await keyIn(directory);
    let key: RestoreReport['key'] = 'not in backup';
    if (backedUpKey !== null) {
      if (config.secretKeys.includes(backedUpKey)) key = 'same';
      else if ((await keyIn(config.dataDir)) === config.secretKeys[0]) {
        await writeFile(join(config.dataDir, SECRET_FILE), `${backedUpKey}\n`, { mode: 0o600 });
        key = 'restored';
      } else key = 'differs';
    }
    return { ...copied, key };
  } finally {
    await db.close();
  }
}
