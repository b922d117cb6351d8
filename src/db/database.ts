import type { Config } from '../config.js';
import Database from 'libsql';
import { createRequire } from 'node:module';
import type PgModule from 'pg';
import {
  CompiledQuery,
  DEFAULT_MIGRATION_TABLE,
  Kysely,
  Migrator,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type Driver,
  type Migration,
  type SqliteDialectConfig,
  type MigrationProvider,
  type SqliteDatabase,
  type SqliteStatement,
} from 'kysely';
import { join } from 'node:path';
import { initial } from './migrations/001_initial.js';
import { pipeline } from './migrations/002_pipeline.js';
import { accounts } from './migrations/003_accounts.js';
import { security } from './migrations/004_security.js';
import { keys } from './migrations/005_keys.js';
import { organizing } from './migrations/006_organizing.js';
import { shares } from './migrations/007_shares.js';
import { shareOptions } from './migrations/008_share_options.js';
import { ingest } from './migrations/009_ingest.js';
import { webhooks } from './migrations/010_webhooks.js';
import { focalPoint } from './migrations/011_focal_point.js';
import { presets } from './migrations/012_presets.js';
import { counters } from './migrations/013_counters.js';
import { presetsStamp } from './migrations/014_presets_stamp.js';
import { CurrentSchemaPostgresDialect } from './postgres-introspector.js';
import { ReadCache } from './read-cache.js';
import { watchCommits } from './commit-watch.js';
import type { Database as Schema } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Schema>;
  dialect: Dialect;
  /** Throws when the database cannot answer a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** SQLite: a second connection for the hot reads outside transactions (see SqliteReads); null on PostgreSQL. */
  reads: SqliteReads | null;
}

/**
 * A read-only connection to the SQLite file, beside the one Kysely writes with. Its reads run
 * synchronously, without waiting for Kysely's single connection (held for a whole transaction), and
 * see only what is committed (WAL gives each statement the last committed snapshot). Through Kysely,
 * the three reads of a metadata request were a quarter of its CPU: libsql's `all` and Kysely's
 * connection queue cost more than the lookups.
 */
export interface SqliteReads {
  /** Every row of a read (frozen: results are shared, see ReadCache). */
  all(sql: string, parameters: readonly unknown[]): readonly unknown[];
  /** The first row of a read (frozen), or undefined. */
  first(sql: string, parameters: readonly unknown[]): unknown;
  /** A request arrived: the next read reflects every commit made before it (see ReadCache). */
  markStale(): void;
  /** A table for results derived from these reads, emptied with them whenever the file changes. */
  derived<T>(): DerivedResults<T>;
}

/** Results computed from several reads (a whole response), kept exactly as long as those reads would be. */
export interface DerivedResults<T> {
  /** Call before the reads a result is computed from; pass the value to `set`. */
  epoch(): number;
  /** The result kept for a key, after checking for commits. */
  get(key: string): T | undefined;
  /** Keeps a result computed since `epoch`; dropped when the file changed since (see ReadCache.epoch). */
  set(key: string, value: T, epoch: number): void;
}

/** Numbered migrations, in order. One list serves every dialect. */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '001_initial': initial(dialect),
    '002_pipeline': pipeline,
    '003_accounts': accounts,
    '004_security': security,
    '005_keys': keys(dialect),
    '006_organizing': organizing(dialect),
    '007_shares': shares(dialect),
    '008_share_options': shareOptions,
    '009_ingest': ingest,
    '010_webhooks': webhooks(dialect),
    '011_focal_point': focalPoint,
    '012_presets': presets,
    '013_counters': counters,
    '014_presets_stamp': presetsStamp,
  };
}

/**
 * Whether every migration is recorded as done, from one read of the migrator's own table. Asking the
 * migrator (`getMigrations()`) first lists every table's columns: 15 ms of each process's start.
 */
async function allApplied(kysely: Kysely<Schema>, names: string[], schema: string | undefined): Promise<boolean> {
  const table = schema === undefined ? DEFAULT_MIGRATION_TABLE : `${schema}.${DEFAULT_MIGRATION_TABLE}`;
  let done: Set<string>;
  try {
    done = new Set((await sql<{ name: string }>`select name from ${sql.table(table)}`.execute(kysely)).rows.map((row) => row.name));
  } catch {
    return false; // a new database: no table yet
  }
  return names.every((name) => done.has(name));
}

async function runMigrations(kysely: Kysely<Schema>, dialect: Dialect): Promise<void> {
  const all = migrations(dialect);
  const provider: MigrationProvider = { getMigrations: async () => all };
  // On PostgreSQL the migrator's bookkeeping tables are named with their schema: it looks for them
  // across all schemas, and would otherwise take another schema's tables (another deployment's) for its own.
  const migrationTableSchema =
    dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(kysely)).rows[0]?.schema : undefined;
  // Up to date already (the usual case): no write, so a tool started beside a busy server never waits on a lock.
  if (await allApplied(kysely, Object.keys(all), migrationTableSchema)) return;
  const migrator = new Migrator({ db: kysely, provider, migrationTableSchema });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

/** Any 64-bit number unique to this application: the advisory lock that serialises migrations. */
const MIGRATION_LOCK = 7_240_311_046;

/**
 * Refreshes the planner's statistics. PostgreSQL's autovacuum does it within a minute or so of
 * large changes; until then a table that grew from nothing is planned as if it were empty, and the
 * list filters' nested loops become quadratic (a 2,500-image page: 9 s before, 0.4 ms after). So a
 * bulk import runs it at once.
 */
/** A unique (or primary key) constraint refused the write, on either backend. */
export function isUniqueViolation(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(message ?? '');
}

export async function refreshStatistics(db: Db): Promise<void> {
  await sql`analyze`.execute(db.kysely);
}

/**
 * Brings the schema up to date. On PostgreSQL, instances starting together take turns on an
 * advisory lock (held on one connection for the whole run), so only the first one migrates.
 */
export async function migrate(db: Db): Promise<void> {
  if (db.dialect === 'sqlite') return runMigrations(db.kysely, 'sqlite');
  await db.kysely.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(connection);
    try {
      await runMigrations(connection, 'postgres');
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(connection);
    }
  });
}

const INT8_OID = 20;

export interface PostgresOptions {
  /** Called with errors of idle connections (e.g. the server restarted); the pool replaces them. */
  onIdleError?: (error: Error) => void;
}

/** pg, loaded on first use (synchronously: it is CommonJS): the embedded default never needs it. */
let pgModule: typeof PgModule | undefined;
function loadPg(): typeof PgModule {
  pgModule ??= createRequire(import.meta.url)('pg') as typeof PgModule;
  return pgModule;
}

export function openPostgres(connectionString: string, options: PostgresOptions = {}): Db {
  const pg = loadPg();
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    // A database that went away makes requests fail fast (503) instead of hanging.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Counts and sums come back as int8; every one of ours fits a JavaScript number.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof PgModule.types.getTypeParser,
    },
  });
  pool.on('error', (error) => options.onIdleError?.(error));
  // pg-pool listens for errors only on idle clients: a connection that breaks while a query runs on it
  // (the database going away mid-query) emits 'error' on the client with no listener, which would
  // crash the process. The query itself fails with the error, and the pool drops the broken client
  // when it is released; this listener only keeps the event from being unhandled.
  pool.on('connect', (client) => client.on('error', (error) => options.onIdleError?.(error)));
  return wrap(new Kysely<Schema>({ dialect: new CurrentSchemaPostgresDialect({ pool }) }), 'postgres');
}

function wrap(kysely: Kysely<Schema>, dialect: Dialect, reads: (SqliteReads & { close(): void }) | null = null): Db {
  return {
    kysely,
    dialect,
    reads,
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    async close() {
      reads?.close();
      await kysely.destroy();
    },
  };
}

/** Results kept by the read connection (see ReadCache): at most this many rows and row lists. */
const READ_CACHE_ENTRIES = 5_000;

function openSqliteReads(path: string): SqliteReads & { close(): void } {
  const file = new Database(path);
  file.exec('PRAGMA busy_timeout = 5000');
  file.exec('PRAGMA query_only = ON');
  const dataVersion = file.prepare('PRAGMA data_version').raw(true);
  // The WAL index exists once a connection has read the file in WAL mode.
  dataVersion.get();
  const commits = watchCommits(path, () => (dataVersion.get() as [number])[0]);
  const cache = new ReadCache(() => commits.changed(), READ_CACHE_ENTRIES);
  // Rows come as arrays and are made objects here: libsql builds an object column by column through
  // N-API (and adds a `_metadata` property), which made the image read 40% slower.
  const prepare = preparedOnce((text) => {
    const statement = file.prepare(text).raw(true);
    return { statement, names: statement.columns().map((column) => column.name), results: cache.table() };
  });
  const toRow = (names: string[], values: unknown[]) => {
    const row: Record<string, unknown> = {};
    for (let index = 0; index < names.length; index++) row[names[index]!] = values[index];
    return Object.freeze(row);
  };
  return {
    all: (text, parameters) => {
      const { statement, names, results } = prepare(text);
      const key = JSON.stringify(parameters);
      const known = cache.lookup(results, key) as readonly unknown[] | undefined;
      if (known) return known;
      const rows = Object.freeze((statement.all(parameters) as unknown[][]).map((values) => toRow(names, values)));
      cache.store(results, key, rows);
      return rows;
    },
    // libsql's `get` is half the cost of `all` for a single row (no row cursor to set up).
    first: (text, parameters) => {
      const { statement, names, results } = prepare(text);
      const key = JSON.stringify(parameters);
      const known = cache.lookup(results, key);
      if (known) return known;
      const values = statement.get(parameters) as unknown[] | undefined;
      if (!values) return undefined;
      // Only rows are kept: a miss (a wrong token, say) is not worth remembering, and guessing could fill the cache.
      const row = toRow(names, values);
      cache.store(results, key, row);
      return row;
    },
    markStale: () => cache.markStale(),
    derived: <T>(): DerivedResults<T> => {
      const table = cache.table();
      return {
        epoch: () => cache.epoch(),
        get: (key) => cache.lookup(table, key) as T | undefined,
        set: (key, value, epoch) => cache.storeIfCurrent(table, key, value, epoch),
      };
    },
    close: () => {
      commits.close();
      file.close();
    },
  };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Statements prepared once per SQL text. Kysely's queries, and the hot reads, come from a small set
 * of shapes; past STATEMENT_CACHE_SIZE texts (something builds SQL with values inline) it starts over.
 */
function preparedOnce<T>(prepare: (text: string) => T): (text: string) => T {
  const statements = new Map<string, T>();
  return (text) => {
    let statement = statements.get(text);
    if (statement === undefined) {
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
      statement = prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
}

/**
 * Kysely prepares every query anew; preparing was the largest single cost of a metadata read
 * (12% of CPU), so statements are kept by their SQL text. Every statement run marks the read
 * connection's results stale (`ran`): a request that writes and then reads sees its own write.
 */
function withStatementCache(file: Database.Database, ran: () => void): SqliteDatabase {
  const thenMark = <T>(result: () => T): T => {
    try {
      return result();
    } finally {
      ran();
    }
  };
  const prepare = preparedOnce((text): SqliteStatement => {
    const prepared = file.prepare(text);
    // libsql answers `reader` with a native call each time (2% of a metadata read's CPU): ask once.
    const reader = prepared.reader;
    return {
      reader,
      all: (parameters) => thenMark(() => prepared.all(parameters)),
      run: (parameters) => thenMark(() => prepared.run(parameters)),
      // Kysely streams only reads through `iterate`.
      iterate: (parameters) => {
        ran();
        return prepared.iterate(parameters);
      },
    };
  });
  return {
    prepare,
    close() {
      file.close();
    },
  };
}

/** The configured database: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR. */
export function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, onIdleError: (error: Error) => void = () => undefined): Db {
  return config.databaseUrl ? openPostgres(config.databaseUrl, { onIdleError }) : openSqlite(config.dataDir);
}

/**
 * SQLite transactions that take the write lock when they begin. A deferred transaction that reads,
 * then writes after another process (a worker of WORKERS > 1) wrote, fails at once with
 * SQLITE_BUSY, without waiting: busy_timeout cannot help it. Starting immediate, it waits its turn.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

export function openSqlite(dataDir: string): Db {
  const path = join(dataDir, 'image-api.sqlite');
  const file = new Database(path);
  // WAL lets readers run beside the writer; FULL makes a committed upload survive power loss too.
  file.exec('PRAGMA journal_mode = WAL');
  file.exec('PRAGMA synchronous = FULL');
  file.exec('PRAGMA foreign_keys = ON');
  file.exec('PRAGMA busy_timeout = 5000');
  const reads = openSqliteReads(path);
  const kysely = new Kysely<Schema>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(file, reads.markStale) }) });
  return wrap(kysely, 'sqlite', reads);
}
