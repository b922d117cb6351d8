import type { Kysely, Migration } from 'kysely';

/** Idempotency keys of upload requests, and resumable (tus) uploads with what became of each. */
export const ingest: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('key', 'varchar(255)', (col) => col.notNull())
      // SHA-256 of what the request asked for (method, target, files, fields): the same key with another request is refused.
      .addColumn('fingerprint', 'varchar(64)', (col) => col.notNull())
      // Null while the first request is being served.
      .addColumn('response', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'key'])
      .execute();
    await db.schema.createIndex('idempotency_keys_created_idx').on('idempotency_keys').column('created_at').execute();
    await db.schema
      .createTable('uploads')
      .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('length', 'bigint', (col) => col.notNull())
      // Bytes received and committed; a part is recorded and this moved in one transaction, only from the offset the client named.
      .addColumn('offset', 'bigint', (col) => col.notNull().defaultTo(0))
      /** JSON: the image fields given in Upload-Metadata (title, tags, ...), checked at creation. */
      .addColumn('fields', 'text', (col) => col.notNull())
      .addColumn('filename', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      // Set once the last byte is in: the image made of it, or why it was refused (status and DRF body).
      .addColumn('image_number', 'integer')
      .addColumn('error_status', 'integer')
      .addColumn('error', 'text')
      // Set by the request that turns the complete upload into an image (a claim: one at a time).
      .addColumn('finishing_at', 'text')
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema.createIndex('uploads_expires_idx').on('uploads').column('expires_at').execute();
    await db.schema.createIndex('uploads_user_idx').on('uploads').columns(['user_id', 'finished_at']).execute();
    await db.schema
      .createTable('upload_parts')
      .addColumn('upload_id', 'varchar(64)', (col) => col.notNull().references('uploads.id').onDelete('cascade'))
      .addColumn('offset', 'bigint', (col) => col.notNull())
      .addColumn('bytes', 'bigint', (col) => col.notNull())
      .addColumn('key', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('upload_parts_pk', ['upload_id', 'offset'])
      .execute();
  },
};
