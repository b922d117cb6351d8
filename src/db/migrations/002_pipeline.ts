import type { Kysely, Migration } from 'kysely';

/** Image pipeline: what is known of each blob's pixels, the owner's EXIF summary, and rendered variants. */
export const pipeline: Migration = {
  async up(db: Kysely<unknown>) {
    const blobColumns: [string, 'integer' | 'text' | 'varchar(7)', number | string][] = [
      ['animated', 'integer', 0],
      ['frames', 'integer', 1],
      ['has_alpha', 'integer', 0],
      ['placeholder', 'text', ''],
      ['dominant_color', 'varchar(7)', '#000000'],
    ];
    // One column per statement: SQLite adds a single column at a time.
    for (const [name, type, fallback] of blobColumns) {
      await db.schema
        .alterTable('blobs')
        .addColumn(name, type, (col) => col.notNull().defaultTo(fallback))
        .execute();
    }
    await db.schema.alterTable('images').addColumn('exif', 'text').execute();

    await db.schema
      .createTable('variants')
      .addColumn('key', 'varchar(255)', (col) => col.primaryKey())
      .addColumn('blob_sha256', 'char(64)', (col) => col.notNull())
      .addColumn('content_type', 'varchar(64)', (col) => col.notNull())
      .addColumn('width', 'integer', (col) => col.notNull())
      .addColumn('height', 'integer', (col) => col.notNull())
      .addColumn('bytes', 'bigint', (col) => col.notNull())
      .addColumn('etag', 'char(64)', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('last_used_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('variants_blob_idx').on('variants').column('blob_sha256').execute();
    await db.schema.createIndex('variants_lru_idx').on('variants').column('last_used_at').execute();
  },
};
