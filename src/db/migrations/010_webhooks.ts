import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Webhooks and their outbox: an event is written with the change it describes, and one delivery per
 * subscribed hook with it, in the same transaction; a worker delivers them afterwards.
 */
export function webhooks(dialect: Dialect): Migration {
  const serial = (name: string) => (table: ReturnType<Kysely<unknown>['schema']['createTable']>) =>
    table.addColumn(name, dialect === 'postgres' ? 'serial' : 'integer', (col) =>
      dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement(),
    );
  return {
    async up(db: Kysely<unknown>) {
      await serial('id')(db.schema.createTable('webhooks'))
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('url', 'text', (col) => col.notNull())
        // JSON array of event types.
        .addColumn('events', 'text', (col) => col.notNull())
        .addColumn('description', 'text')
        // Signing secrets, encrypted with a key derived from SECRET_KEY (they must be read back to sign).
        .addColumn('secret', 'text', (col) => col.notNull())
        .addColumn('previous_secret', 'text')
        .addColumn('previous_secret_until', 'text')
        .addColumn('consecutive_failures', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('disabled_at', 'text')
        .addColumn('disabled_reason', 'text')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('webhooks_user_idx').on('webhooks').columns(['user_id', 'id']).execute();
      await db.schema
        .createTable('events')
        .addColumn('id', 'varchar(40)', (col) => col.primaryKey())
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('type', 'varchar(40)', (col) => col.notNull())
        .addColumn('data', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('events_created_idx').on('events').column('created_at').execute();
      await serial('id')(db.schema.createTable('webhook_deliveries'))
        .addColumn('webhook_id', 'integer', (col) => col.notNull().references('webhooks.id').onDelete('cascade'))
        .addColumn('event_id', 'varchar(40)', (col) => col.notNull().references('events.id').onDelete('cascade'))
        // pending, delivered or failed (gave up after the retry window).
        .addColumn('status', 'varchar(16)', (col) => col.notNull())
        .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text')
        // A worker that claimed the delivery holds it until then; another may take it after (a dead worker).
        .addColumn('locked_until', 'text')
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('last_duration_ms', 'integer')
        .addColumn('last_attempt_at', 'text')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('webhook_deliveries_due_idx').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('webhook_deliveries_hook_idx').on('webhook_deliveries').columns(['webhook_id', 'id']).execute();
      await db.schema.createIndex('webhook_deliveries_event_idx').on('webhook_deliveries').column('event_id').execute();
      // One row per attempt (GET /webhooks/<id>/deliveries/ lists the last 100); they go with their delivery.
      await serial('id')(db.schema.createTable('webhook_attempts'))
        .addColumn('delivery_id', 'integer', (col) => col.notNull().references('webhook_deliveries.id').onDelete('cascade'))
        .addColumn('webhook_id', 'integer', (col) => col.notNull())
        .addColumn('attempt', 'integer', (col) => col.notNull())
        .addColumn('attempted_at', 'text', (col) => col.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('duration_ms', 'integer')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('webhook_attempts_hook_idx').on('webhook_attempts').columns(['webhook_id', 'id']).execute();
      await db.schema.createIndex('webhook_attempts_delivery_idx').on('webhook_attempts').column('delivery_id').execute();
    },
  };
}
