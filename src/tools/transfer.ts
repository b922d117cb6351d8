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
import { openDatabase } from '../db/database.js';
import { openStorage } from '../services.js';
import { loadConfig, type Config } from '../config.js';
import { migrate, openSqlite, refreshStatistics, type Db } from '../db/database.js';
import { blobKey } from '../images/keys.js';
import { FsStorage } from '../storage/fs.js';
import type { Storage } from '../storage/storage.js';

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

/** One query at a time: a SQLite connection (and a transaction on any backend) runs them in turn anyway. */
async function sequentially<Item, Result>(items: readonly Item[], each: (item: Item, index: number) => Promise<Result>): Promise<Result[]> {
  const results: Result[] = [];
  for (const [index, item] of items.entries()) results.push(await each(item, index));
  return results;
}

/** One deployment's state: its database and the storage its originals are in. */
export interface Deployment {
  db: Db;
  storage: Storage;
}

/** What hangs off users and images, parents first. Events, deliveries and uploads in progress are not state to keep. */
const DEPENDENT_TABLES = ['image_tags', 'image_metadata', 'albums', 'album_images', 'api_keys', 'shares', 'webhooks', 'presets'] as const;
/** Tables whose ids a PostgreSQL sequence hands out. */
const SERIAL_TABLES = ['users', 'images', 'albums', 'api_keys', 'shares', 'webhooks'] as const;

/**
 * Copies one deployment into another whose database is migrated and empty: the rows of every table
 * that holds state (read in one snapshot of the source), then every original referenced, each
 * verified against its SHA-256 on the way, objects before rows. Variants are not copied (a cache).
 */
export async function copyDeployment(source: Deployment, target: Deployment, log: (line: string) => void = () => undefined) {
  const existing = await target.db.kysely
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) throw new Error('the target database already has users; copy only into an empty deployment');

  // One consistent view of the source, also while a server writes to it.
  const snapshot = source.db.kysely.transaction();
  const { users, blobs, images, dependents } = await (
    source.db.dialect === 'postgres' ? snapshot.setIsolationLevel('repeatable read') : snapshot
  ).execute(async (trx) => ({
    users: await trx.selectFrom('users').selectAll().orderBy('id').execute(),
    blobs: await trx.selectFrom('blobs').selectAll().where('ref_count', '>', 0).orderBy('sha256').execute(),
    images: await trx.selectFrom('images').selectAll().orderBy('id').execute(),
    dependents: await sequentially(DEPENDENT_TABLES, (table) => trx.selectFrom(table).selectAll().execute()),
  }));

  // Objects first: a row must never point at bytes that are not there.
  let bytes = 0;
  for (const [index, blob] of blobs.entries()) {
    const key = blobKey(blob.sha256);
    const body = (await source.storage.get(key)).pipe(verifying(blob.sha256));
    await target.storage.put(key, body);
    bytes += Number(blob.bytes);
    log(`object ${index + 1}/${blobs.length} ${blob.sha256} (${blob.bytes} bytes)`);
  }

  // PostgreSQL keeps columns of its own (the images' full-text vector, computed there): a SQLite target
  // takes the columns it has.
  const columnsOf = async (table: string): Promise<Set<string> | null> => {
    if (target.db.dialect !== 'sqlite') return null;
    const info = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(target.db.kysely);
    return new Set(info.rows.map((row) => row.name));
  };
  const fitting = async <Row extends object>(table: string, rows: Row[]): Promise<Row[]> => {
    const columns = await columnsOf(table);
    if (!columns) return rows;
    return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([name]) => columns.has(name))) as Row);
  };
  // Before the target's transaction: on SQLite it holds the only connection these lookups would wait for.
  const userRows = await fitting('users', users);
  const imageRows = await fitting('images', images);
  const dependentRows = await sequentially(DEPENDENT_TABLES, (table, index) => fitting(table, dependents[index]!));

  await target.db.kysely.transaction().execute(async (trx) => {
    for (const user of userRows) await trx.insertInto('users').values(user).execute();
    for (const blob of blobs)
      await trx
        .insertInto('blobs')
        .values({ ...blob, bytes: Number(blob.bytes), pending_uploads: 0, lease_until: null })
        .execute();
    for (const image of imageRows) await trx.insertInto('images').values(image).execute();
    for (const [index, table] of DEPENDENT_TABLES.entries()) {
      const rows = dependentRows[index]!;
      for (let i = 0; i < rows.length; i += 200) {
        await trx
          .insertInto(table)
          .values(rows.slice(i, i + 200) as never[])
          .execute();
      }
    }
    if (target.db.dialect === 'postgres') {
      // Rows came with their ids: move the sequences past them.
      for (const table of SERIAL_TABLES) {
        await sql`select setval(pg_get_serial_sequence(${table}, 'id'), greatest((select max(id) from ${sql.table(table)}), 1))`.execute(
          trx,
        );
      }
    }
  });
  await refreshStatistics(target.db);
  return { users: users.length, images: images.length, blobs: blobs.length, bytes };
}

/** A single-machine deployment (SQLite + files in sourceDir) into the one configured by `target`. */
export async function transfer(sourceDir: string, target: Config, log: (line: string) => void = () => undefined): Promise<TransferReport> {
  const source = openSqlite(sourceDir);
  const db = openDatabase(target);
  const storage = await openStorage(target);
  try {
    await migrate(db);
    return await copyDeployment({ db: source, storage: new FsStorage(join(sourceDir, 'storage')) }, { db, storage }, log);
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
