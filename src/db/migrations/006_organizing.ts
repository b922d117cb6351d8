import { sql, type Kysely, type Migration } from 'kysely';
import { searchText } from '../../images/search.js';
import type { Dialect } from '../database.js';

/**
 * Organizing: editable fields on images, tags and custom metadata (one row per value, for indexed
 * filters), albums, trash and expiry, and search. The blob's format, size and animation are copied
 * onto the image row so that every filter is served by a per-user index.
 */
export function organizing(dialect: Dialect): Migration {
  const id = dialect === 'postgres' ? 'serial' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      const columns: [string, 'text' | 'integer' | 'varchar(16)', { notNull?: string | number }][] = [
        ['title', 'text', {}],
        ['description', 'text', {}],
        ['metadata', 'text', {}],
        ['tags', 'text', { notNull: '[]' }],
        ['taken_at', 'text', {}],
        ['trashed_at', 'text', {}],
        ['expires_at', 'text', {}],
        ['search_text', 'text', { notNull: '' }],
        ['format', 'varchar(16)', { notNull: '' }],
        ['width', 'integer', { notNull: 0 }],
        ['height', 'integer', { notNull: 0 }],
        ['animated', 'integer', { notNull: 0 }],
      ];
      // One column per statement: SQLite adds a single column at a time.
      for (const [name, type, { notNull }] of columns) {
        await db.schema
          .alterTable('images')
          .addColumn(name, type, (col) => (notNull === undefined ? col : col.notNull().defaultTo(notNull)))
          .execute();
      }
      await db.schema
        .alterTable('users')
        .addColumn('next_album_number', 'integer', (col) => col.notNull().defaultTo(1))
        .execute();

      // Existing images: the blob's facts, the time the photo was taken, and their search text (file names).
      await sql`update images set format = (select format from blobs where blobs.sha256 = images.sha256),
        width = (select width from blobs where blobs.sha256 = images.sha256),
        height = (select height from blobs where blobs.sha256 = images.sha256),
        animated = (select animated from blobs where blobs.sha256 = images.sha256)`.execute(db);
      const rows = await sql<{ id: number; filename: string; exif: string | null }>`select id, filename, exif from images`.execute(db);
      for (const row of rows.rows) {
        const takenAt = row.exif ? ((JSON.parse(row.exif) as { taken_at?: string }).taken_at ?? null) : null;
        await sql`update images set taken_at = ${takenAt}, search_text = ${searchText([row.filename])} where id = ${row.id}`.execute(db);
      }

      for (const [name, columns] of [
        ['images_user_created_idx', ['user_id', 'created_at', 'number']],
        ['images_user_taken_idx', ['user_id', 'taken_at', 'number']],
        ['images_user_title_idx', ['user_id', 'title', 'number']],
        ['images_user_format_idx', ['user_id', 'format', 'number']],
        ['images_user_animated_idx', ['user_id', 'animated', 'number']],
        ['images_user_width_idx', ['user_id', 'width', 'number']],
        ['images_user_height_idx', ['user_id', 'height', 'number']],
        ['images_user_sha256_idx', ['user_id', 'sha256']],
        ['images_user_trashed_idx', ['user_id', 'trashed_at', 'number']],
        ['images_trashed_idx', ['trashed_at']],
        ['images_expires_idx', ['expires_at']],
      ] as const) {
        await db.schema
          .createIndex(name)
          .on('images')
          .columns([...columns])
          .execute();
      }

      await db.schema
        .createTable('image_tags')
        .addColumn('image_id', 'integer', (col) => col.notNull().references('images.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (col) => col.notNull())
        .addColumn('number', 'integer', (col) => col.notNull())
        .addColumn('tag', 'varchar(64)', (col) => col.notNull())
        .addPrimaryKeyConstraint('image_tags_pk', ['image_id', 'tag'])
        .execute();
      // A tag's images in list order: a page filtered by a tag walks this index, not every image.
      await db.schema.createIndex('image_tags_user_tag_idx').on('image_tags').columns(['user_id', 'tag', 'number']).execute();

      await db.schema
        .createTable('image_metadata')
        .addColumn('image_id', 'integer', (col) => col.notNull().references('images.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (col) => col.notNull())
        .addColumn('key', 'varchar(64)', (col) => col.notNull())
        .addColumn('value', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('image_metadata_pk', ['image_id', 'key'])
        .execute();
      await db.schema
        .createIndex('image_metadata_lookup_idx')
        .on('image_metadata')
        .columns(['user_id', 'key', 'value', 'image_id'])
        .execute();

      await db.schema
        .createTable('albums')
        .addColumn('id', id, (col) => (dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement()))
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('number', 'integer', (col) => col.notNull())
        .addColumn('title', 'varchar(200)', (col) => col.notNull())
        .addColumn('description', 'text')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addUniqueConstraint('albums_user_number_unique', ['user_id', 'number'])
        .execute();
      await db.schema
        .createTable('album_images')
        .addColumn('album_id', 'integer', (col) => col.notNull().references('albums.id').onDelete('cascade'))
        .addColumn('image_id', 'integer', (col) => col.notNull().references('images.id').onDelete('cascade'))
        .addColumn('position', 'integer', (col) => col.notNull())
        .addPrimaryKeyConstraint('album_images_pk', ['album_id', 'image_id'])
        .execute();
      await db.schema.createIndex('album_images_image_idx').on('album_images').column('image_id').execute();
      await db.schema.createIndex('album_images_order_idx').on('album_images').columns(['album_id', 'position']).execute();

      // Full-text search over the normalised words (file name, title, description, tags).
      if (dialect === 'postgres') {
        await sql`alter table images add column search tsvector generated always as (to_tsvector('simple', search_text)) stored`.execute(
          db,
        );
        await sql`create index images_search_idx on images using gin (search)`.execute(db);
      } else {
        await sql`create virtual table images_fts using fts5(search_text, content='images', content_rowid='id',
          tokenize='unicode61 remove_diacritics 2')`.execute(db);
        await sql`create trigger images_fts_insert after insert on images begin
          insert into images_fts(rowid, search_text) values (new.id, new.search_text); end`.execute(db);
        await sql`create trigger images_fts_delete after delete on images begin
          insert into images_fts(images_fts, rowid, search_text) values ('delete', old.id, old.search_text); end`.execute(db);
        await sql`create trigger images_fts_update after update of search_text on images begin
          insert into images_fts(images_fts, rowid, search_text) values ('delete', old.id, old.search_text);
          insert into images_fts(rowid, search_text) values (new.id, new.search_text); end`.execute(db);
        await sql`insert into images_fts(images_fts) values ('rebuild')`.execute(db);
      }
    },
  };
}
