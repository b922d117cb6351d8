import { type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.js';

export function initial(dialect: Dialect): Migration {
  const idColumn = dialect === 'postgres' ? 'serial' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', idColumn, (col) => (dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement()))
        .addColumn('username', 'varchar(150)', (col) => col.notNull().unique())
        .addColumn('email', 'varchar(254)')
        .addColumn('password_hash', 'text', (col) => col.notNull())
        .addColumn('token_hash', 'char(64)', (col) => col.notNull().unique())
        .addColumn('token_nonce', 'char(64)', (col) => col.notNull())
        .addColumn('next_image_number', 'integer', (col) => col.notNull().defaultTo(1))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('blobs')
        .addColumn('sha256', 'char(64)', (col) => col.primaryKey())
        .addColumn('bytes', 'bigint', (col) => col.notNull())
        .addColumn('format', 'varchar(16)', (col) => col.notNull())
        .addColumn('content_type', 'varchar(64)', (col) => col.notNull())
        .addColumn('width', 'integer', (col) => col.notNull())
        .addColumn('height', 'integer', (col) => col.notNull())
        .addColumn('ref_count', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('pending_uploads', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('lease_until', 'text')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('images')
        .addColumn('id', idColumn, (col) => (dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement()))
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('number', 'integer', (col) => col.notNull())
        .addColumn('sha256', 'char(64)', (col) => col.notNull().references('blobs.sha256'))
        .addColumn('filename', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addUniqueConstraint('images_user_number_unique', ['user_id', 'number'])
        .execute();
      await db.schema.createIndex('images_sha256_idx').on('images').column('sha256').execute();
      await db.schema.createIndex('blobs_garbage_idx').on('blobs').columns(['ref_count', 'lease_until']).execute();
    },
  };
}
