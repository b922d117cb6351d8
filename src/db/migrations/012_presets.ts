import type { Kysely, Migration } from 'kysely';

/** Each user's named variant presets: a name and the canonical variant query it stands for. */
export const presets: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('presets')
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'varchar(32)', (col) => col.notNull())
      .addColumn('params', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('presets_pk', ['user_id', 'name'])
      .execute();
  },
};
