import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.js';

/** API keys: several per user, each with scopes, stored only as a hash. */
export function keys(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (col) =>
          dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement(),
        )
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'varchar(100)', (col) => col.notNull())
        .addColumn('key_hash', 'char(64)', (col) => col.notNull().unique())
        .addColumn('prefix', 'varchar(16)', (col) => col.notNull())
        .addColumn('scopes', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('last_used_at', 'text')
        .addColumn('last_used_from', 'varchar(64)')
        .execute();
      await db.schema.createIndex('api_keys_user_idx').on('api_keys').column('user_id').execute();
    },
  };
}
