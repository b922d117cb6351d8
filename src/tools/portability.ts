import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { Services } from '../services.js';
import { sql } from 'kysely';
import { NotFound } from '../errors.js';
import { FORMATS } from '../processing/formats.js';
import { blobKey } from '../images/keys.js';
import type { ExifSummary } from '../processing/exif-summary.js';

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
  }[];
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
  let after = 0;
  for (;;) {
    const page = await services.catalog.list(user.id, 500, after);
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
      });
      onProgress(manifest.images.length, manifest.images.length);
    }
    if (page.nextAfter === null) break;
    after = page.nextAfter;
  }
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
  for (const [index, entry] of manifest.images.entries()) {
    const staged = await services.ingest.stage(createReadStream(join(directory, entry.file)), entry.filename);
    try {
      if (staged.sha256 !== entry.sha256) throw new Error(`${entry.file}: content does not match its manifest (sha256 ${staged.sha256})`);
      staged.exif = entry.exif;
      await services.catalog.create(user.id, staged, { createdAt: entry.created_at, updatedAt: entry.updated_at });
    } finally {
      await staged.discard();
    }
    onProgress(index + 1, manifest.images.length);
  }
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
