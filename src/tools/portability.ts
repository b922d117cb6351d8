import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { Services } from '../services.js';
import { sql } from 'kysely';
import { NotFound } from '../errors.js';
import { refreshStatistics } from '../db/database.js';
import { FORMATS } from '../processing/formats.js';
import { blobKey } from '../images/keys.js';
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

/**
 * Imports an export into this deployment, for its user (created, with an unusable random password,
 * if missing: set one with `users set-password`). Every file goes through the upload pipeline, so
 * it is checked as any upload is; contents, names, EXIF summaries and times are kept, ids are new.
 */
export async function importUser(
  services: Services,
  directory: string,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<{ username: string; created: boolean; images: number }> {
  const manifest = JSON.parse(await readFile(join(directory, 'manifest.json'), 'utf8')) as ExportManifest;
  if (manifest.format !== 'image-api-export/1') throw new Error(`not an image-api export: ${String(manifest.format)}`);
  let user = await services.db.kysely.selectFrom('users').select('id').where('username', '=', manifest.username).executeTakeFirst();
  const created = !user;
  if (!user) {
    await services.auth.register({
      username: manifest.username,
      password: `${randomBytes(24).toString('base64url')}!x`,
      email: manifest.email ?? undefined,
    });
    user = await services.db.kysely.selectFrom('users').select('id').where('username', '=', manifest.username).executeTakeFirstOrThrow();
  }
  const newIds = new Map<number, number>();
  for (const [index, entry] of manifest.images.entries()) {
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
    } finally {
      await staged.discard();
    }
    onProgress(index + 1, manifest.images.length);
  }
  for (const album of manifest.albums ?? []) {
    const created = await services.albums.create(user.id, { title: album.title, description: album.description });
    const ids = album.images.map((id) => newIds.get(id)).filter((id) => id !== undefined);
    await services.albums.setImages(user.id, created.number, ids);
  }
  await refreshStatistics(services.db);
  return { username: manifest.username, created, images: manifest.images.length };
}

/**
 * A consistent online snapshot: SQLite's VACUUM INTO (readers and writers carry on), plus a manifest
 * of the stored originals it refers to. For PostgreSQL, the recommended pg_dump command instead.
 */
export async function backup(
  services: Services,
  file: string,
  databaseUrl: string | null,
): Promise<{ database: string; originals: number; manifest?: string; command?: string }> {
  if (services.db.dialect === 'postgres') {
    return {
      database: 'postgres',
      originals: 0,
      command:
        `pg_dump --format=custom --file=${file} "${databaseUrl ?? '$DATABASE_URL'}"   # and copy the bucket (e.g. ` +
        `aws s3 sync / mc mirror)`,
    };
  }
  await sql`vacuum into ${file}`.execute(services.db.kysely);
  const blobs = await services.db.kysely
    .selectFrom('blobs')
    .select(['sha256', 'bytes'])
    .where('ref_count', '>', 0)
    .orderBy('sha256')
    .execute();
  const manifest = `${file}.originals.json`;
  await writeFile(
    manifest,
    `${JSON.stringify(
      blobs.map((blob) => ({ sha256: blob.sha256, bytes: Number(blob.bytes), key: blobKey(blob.sha256) })),
      null,
      2,
    )}\n`,
  );
  return { database: file, originals: blobs.length, manifest };
}
