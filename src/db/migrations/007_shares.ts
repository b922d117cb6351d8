import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.js';

/** Share links: one per recipient, of an image or an album; the token is kept only as its hash. */
export function shares(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('shares')
        .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (col) =>
          dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement(),
        )
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('token_hash', 'varchar(64)', (col) => col.notNull().unique())
        // Deleting the image or the album ends its shares.
        .addColumn('image_id', 'integer', (col) => col.references('images.id').onDelete('cascade'))
        .addColumn('album_id', 'integer', (col) => col.references('albums.id').onDelete('cascade'))
        .addColumn('label', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('password_hash', 'text')
        .addColumn('max_views', 'integer')
        .addColumn('views', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('last_viewed_at', 'text')
        .addColumn('presets', 'text')
        .addColumn('allow_original', 'integer', (col) => col.notNull().defaultTo(1))
        .addColumn('allow_download', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('shares_user_idx').on('shares').columns(['user_id', 'id']).execute();
      await db.schema.createIndex('shares_image_idx').on('shares').column('image_id').execute();
      await db.schema.createIndex('shares_album_idx').on('shares').column('album_id').execute();
    },
  };
}
