import type { Kysely, Migration } from 'kysely';

/**
 * A number every change to a user's presets raises, read with each image: processes keep a user's
 * parsed presets while it is unchanged, and skip the lookup altogether for users who never had one.
 */
export const presetsStamp: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('users')
      .addColumn('presets_stamp', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
  },
};
