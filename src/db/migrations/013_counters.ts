import type { Kysely, Migration } from 'kysely';

/**
 * Fixed-window counters (rate limits, failed logins) shared by the worker processes of one data
 * directory when there is no Redis: each process's memory would count alone.
 */
export const counters: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('counters')
      .addColumn('key', 'varchar(300)', (col) => col.primaryKey())
      .addColumn('count', 'integer', (col) => col.notNull())
      // Milliseconds since the epoch when the window ends.
      .addColumn('reset_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('counters_reset_idx').on('counters').column('reset_at').execute();
  },
};
