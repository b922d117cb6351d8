import type { Kysely, Migration } from 'kysely';

/** Operators: admin accounts, and accounts disabled without being deleted. */
export const accounts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('users')
      .addColumn('is_admin', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('users').addColumn('disabled_at', 'text').execute();
  },
};
