/**
 * Moves a single-machine deployment (SQLite + files in DATA_DIR) into the deployment configured by
 * the environment (normally PostgreSQL + S3): users with their password hashes and tokens, images,
 * and the stored originals, each verified against its SHA-256 on the way. Variants are not copied
 * (they are a cache). The target database must be empty.
 *
 *   DATABASE_URL=postgres://… STORAGE=s3 S3_BUCKET=… [S3_ENDPOINT=…] SECRET_KEY=… \
 *     npm run transfer -- --from ./data
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { openDatabase, openStorage } from '../services.js';
import { loadConfig, type Config } from '../config.js';
import { migrate, openSqlite, refreshStatistics } from '../db/database.js';
import { blobKey } from '../images/keys.js';
import { FsStorage } from '../storage/fs.js';

export interface TransferReport {
  users: number;
  images: number;
  blobs: number;
  bytes: number;
}

/** Passes bytes through while hashing them; fails at the end if they are not the expected content. */
function verifying(expectedSha256: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const actual = hash.digest('hex');
      callback(actual === expectedSha256 ? null : new Error(`stored bytes of ${expectedSha256} hash to ${actual}`));
    },
  });
}

export async function transfer(sourceDir: string, target: Config, log: (line: string) => void = () => undefined): Promise<TransferReport> {
  const source = openSqlite(sourceDir);
  const sourceStorage = new FsStorage(join(sourceDir, 'storage'));
  const db = openDatabase(target);
  const storage = await openStorage(target);
  try {
    await migrate(db);
    const existing = await db.kysely
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(existing.n) > 0) throw new Error('the target database already has users; transfer only into an empty deployment');

    const users = await source.kysely.selectFrom('users').selectAll().orderBy('id').execute();
    const blobs = await source.kysely.selectFrom('blobs').selectAll().where('ref_count', '>', 0).orderBy('sha256').execute();
    const images = await source.kysely.selectFrom('images').selectAll().orderBy('id').execute();

    // Objects first: a row must never point at bytes that are not there.
    let bytes = 0;
    for (const [index, blob] of blobs.entries()) {
      const key = blobKey(blob.sha256);
      const body = (await sourceStorage.get(key)).pipe(verifying(blob.sha256));
      await storage.put(key, body);
      bytes += Number(blob.bytes);
      log(`object ${index + 1}/${blobs.length} ${blob.sha256} (${blob.bytes} bytes)`);
    }

    await db.kysely.transaction().execute(async (trx) => {
      for (const user of users) await trx.insertInto('users').values(user).execute();
      for (const blob of blobs)
        await trx
          .insertInto('blobs')
          .values({ ...blob, pending_uploads: 0, lease_until: null })
          .execute();
      for (const image of images) await trx.insertInto('images').values(image).execute();
      // What hangs off users and images, parents first.
      for (const table of ['image_tags', 'image_metadata', 'albums', 'album_images', 'api_keys', 'shares'] as const) {
        const rows = await source.kysely.selectFrom(table).selectAll().execute();
        for (let i = 0; i < rows.length; i += 200) {
          await trx
            .insertInto(table)
            .values(rows.slice(i, i + 200) as never[])
            .execute();
        }
      }
      if (db.dialect === 'postgres') {
        // Rows came with their ids: move the sequences past them.
        for (const table of ['users', 'images', 'albums', 'api_keys', 'shares'] as const) {
          await sql`select setval(pg_get_serial_sequence(${table}, 'id'), greatest((select max(id) from ${sql.table(table)}), 1))`.execute(
            trx,
          );
        }
      }
    });
    await refreshStatistics(db);
    return { users: users.length, images: images.length, blobs: blobs.length, bytes };
  } finally {
    await source.close();
    await db.close();
    storage.close?.();
  }
}

async function main(): Promise<void> {
  const fromIndex = process.argv.indexOf('--from');
  const from = fromIndex > 0 ? process.argv[fromIndex + 1] : undefined;
  if (!from) {
    console.error(
      'usage: npm run transfer -- --from <DATA_DIR of the single-machine deployment>  (target from DATABASE_URL, STORAGE=s3, ...)',
    );
    process.exit(2);
  }
  const sourceDir = resolve(from);
  const target = loadConfig();
  if (!target.databaseUrl) console.error('warning: DATABASE_URL is not set: the target is SQLite in DATA_DIR');
  const report = await transfer(sourceDir, target, (line) => console.log(line));
  console.log(`transferred ${report.users} users, ${report.images} images, ${report.blobs} stored files (${report.bytes} bytes)`);
  try {
    const key = readFileSync(join(sourceDir, 'secret.key'), 'utf8').trim();
    if (!target.secretKeys.includes(key)) {
      console.log('Existing tokens and links were made with the key in the source DATA_DIR/secret.key:');
      console.log('set SECRET_KEY to that key on every new instance, so that they keep working.');
    }
  } catch {
    // The source was configured with SECRET_KEY: keep using it.
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`transfer failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
