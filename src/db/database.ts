import Database from 'libsql';
import { Kysely, Migrator, SqliteDialect, sql, type Migration, type MigrationProvider, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { join } from 'node:path';
import { initial } from './migrations/001_initial.js';
import { pipeline } from './migrations/002_pipeline.js';
import type { Database as Schema } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Schema>;
  dialect: Dialect;
  /** Throws when the database cannot answer a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Numbered migrations, in order. One list serves every dialect. */
function migrations(dialect: Dialect): Record<string, Migration> {
  return { '001_initial': initial(dialect), '002_pipeline': pipeline };
}

export async function migrate(db: Db): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(db.dialect) };
  const { error } = await new Migrator({ db: db.kysely, provider }).migrateToLatest();
  if (error) throw error;
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing was the largest single cost of a metadata read
 * (12% of CPU). Kysely's queries come from a small set of shapes, so prepared statements are kept
 * by their SQL text.
 */
function withStatementCache(file: Database.Database): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(text: string): SqliteStatement {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = file.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
    close() {
      file.close();
    },
  };
}

export function openSqlite(dataDir: string): Db {
  const file = new Database(join(dataDir, 'image-api.sqlite'));
  // WAL lets readers run beside the writer; FULL makes a committed upload survive power loss too.
  file.exec('PRAGMA journal_mode = WAL');
  file.exec('PRAGMA synchronous = FULL');
  file.exec('PRAGMA foreign_keys = ON');
  file.exec('PRAGMA busy_timeout = 5000');
  const kysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(file) }) });
  return {
    kysely,
    dialect: 'sqlite',
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    async close() {
      await kysely.destroy();
    },
  };
}
