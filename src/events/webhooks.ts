import type { Updateable } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { WebhooksTable } from '../db/schema.js';
import { Conflict, InvalidInput, NotFound } from '../errors.js';
import { OutboundError, type OutboundClient } from '../net/outbound.js';
import type { Outbox } from './outbox.js';
import { newWebhookSecret, type SecretBox } from './signing.js';
import { EVENT_TYPES, type EventType } from './types.js';

export const WEBHOOKS_PER_USER = 10;
/** After a rotation, the old secret signs too for this long, so receivers can switch without missing a delivery. */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;
const ATTEMPTS_SHOWN = 100;

const disabledHook = () => new Conflict('This webhook is disabled; enable it (PATCH active: true) first.');

export interface WebhookRecord {
  id: number;
  url: string;
  events: EventType[];
  description: string | null;
  active: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  consecutiveFailures: number;
  previousSecretUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One attempt to deliver an event, with where its delivery stands now. */
export interface AttemptRecord {
  id: number;
  deliveryId: number;
  eventId: string;
  eventType: string;
  attempt: number;
  attemptedAt: string;
  statusCode: number | null;
  durationMs: number | null;
  error: string | null;
  /** The delivery's state: pending (another attempt is due at nextAttemptAt), delivered, or failed (given up). */
  deliveryStatus: 'pending' | 'delivered' | 'failed';
  nextAttemptAt: string | null;
}

type WebhookRow = Omit<WebhooksTable, 'id' | 'consecutive_failures'> & { id: number; consecutive_failures: number };

function toRecord(row: WebhookRow): WebhookRecord {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as EventType[],
    description: row.description,
    active: row.disabled_at === null,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
    previousSecretUntil: row.previous_secret_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function checkEvents(events: readonly string[]): EventType[] {
  const unknown = events.filter((event) => !(EVENT_TYPES as readonly string[]).includes(event));
  if (unknown.length > 0) throw new InvalidInput({ events: [`Unknown event types: ${unknown.join(', ')}.`] });
  if (events.length === 0) throw new InvalidInput({ events: ['Choose at least one event type.'] });
  return [...new Set(events)] as EventType[];
}

/** Each user's webhooks: where events go, with what secret, and how their deliveries went. */
export class Webhooks {
  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly box: SecretBox,
    private readonly client: OutboundClient,
    private readonly clock: Clock,
  ) {}

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  /** The URL's form and where it resolves to are checked now, so a hook that could never be delivered is refused at once. */
  private async checkUrl(url: string): Promise<string> {
    try {
      const parsed = this.client.parse(url);
      await this.client.target(parsed);
      return parsed.toString();
    } catch (error) {
      if (error instanceof OutboundError) throw new InvalidInput({ url: [error.message] });
      throw error;
    }
  }

  private async row(userId: number, id: number): Promise<WebhookRow> {
    const row = await this.db.kysely
      .selectFrom('webhooks')
      .selectAll()
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFound();
    return row;
  }

  async create(
    userId: number,
    input: { url: string; events: string[]; description?: string | null },
  ): Promise<{ webhook: WebhookRecord; secret: string }> {
    const events = checkEvents(input.events);
    const url = await this.checkUrl(input.url);
    const count = await this.db.kysely
      .selectFrom('webhooks')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    if (Number(count.count) >= WEBHOOKS_PER_USER) {
      throw new InvalidInput({ non_field_errors: [`You may have at most ${WEBHOOKS_PER_USER} webhooks.`] });
    }
    const secret = newWebhookSecret();
    const now = this.now();
    const inserted = await this.db.kysely
      .insertInto('webhooks')
      .values({
        user_id: userId,
        url,
        events: JSON.stringify(events),
        description: input.description ?? null,
        secret: this.box.seal(secret),
        previous_secret: null,
        previous_secret_until: null,
        disabled_at: null,
        disabled_reason: null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { webhook: await this.get(userId, inserted.id), secret };
  }

  async list(userId: number): Promise<WebhookRecord[]> {
    const rows = await this.db.kysely.selectFrom('webhooks').selectAll().where('user_id', '=', userId).orderBy('id').execute();
    return rows.map(toRecord);
  }

  async get(userId: number, id: number): Promise<WebhookRecord> {
    return toRecord(await this.row(userId, id));
  }

  /** Changes what is given; `active: true` enables a disabled hook again (its failure count starts over). */
  async update(
    userId: number,
    id: number,
    change: { url?: string; events?: string[]; description?: string | null; active?: boolean },
  ): Promise<WebhookRecord> {
    await this.row(userId, id);
    const set: Updateable<WebhooksTable> = { updated_at: this.now() };
    if (change.url !== undefined) set.url = await this.checkUrl(change.url);
    if (change.events !== undefined) set.events = JSON.stringify(checkEvents(change.events));
    if (change.description !== undefined) set.description = change.description;
    if (change.active === true) Object.assign(set, { disabled_at: null, disabled_reason: null, consecutive_failures: 0 });
    if (change.active === false) Object.assign(set, { disabled_at: this.now(), disabled_reason: 'Disabled by its owner.' });
    await this.db.kysely.updateTable('webhooks').set(set).where('id', '=', id).where('user_id', '=', userId).execute();
    return this.get(userId, id);
  }

  async delete(userId: number, id: number): Promise<void> {
    const deleted = await this.db.kysely.deleteFrom('webhooks').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw new NotFound();
  }

  /** A new secret; the old one keeps signing (a second signature) for 24 hours. */
  async rotateSecret(userId: number, id: number): Promise<{ webhook: WebhookRecord; secret: string }> {
    const row = await this.row(userId, id);
    const secret = newWebhookSecret();
    await this.db.kysely
      .updateTable('webhooks')
      .set({
        secret: this.box.seal(secret),
        previous_secret: row.secret,
        previous_secret_until: new Date(this.clock() + ROTATION_OVERLAP_MS).toISOString(),
        updated_at: this.now(),
      })
      .where('id', '=', id)
      .execute();
    return { webhook: await this.get(userId, id), secret };
  }

  /** Sends a `ping` to this hook alone. */
  async ping(userId: number, id: number): Promise<string> {
    const hook = await this.get(userId, id);
    if (!hook.active) throw disabledHook();
    const eventId = await this.db.kysely
      .transaction()
      .execute((trx) => this.outbox.record(trx, userId, 'ping', { webhook: { id: hook.id, url: hook.url } }, hook.id));
    if (eventId === null) throw disabledHook();
    return eventId;
  }

  /** The last 100 attempts to deliver to this hook, newest first. */
  async attempts(userId: number, id: number): Promise<AttemptRecord[]> {
    await this.row(userId, id);
    return this.db.kysely
      .selectFrom('webhook_attempts')
      .innerJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_attempts.delivery_id')
      .innerJoin('events', 'events.id', 'webhook_deliveries.event_id')
      .select([
        'webhook_attempts.id as id',
        'webhook_deliveries.id as deliveryId',
        'events.id as eventId',
        'events.type as eventType',
        'webhook_attempts.attempt as attempt',
        'webhook_attempts.attempted_at as attemptedAt',
        'webhook_attempts.status_code as statusCode',
        'webhook_attempts.duration_ms as durationMs',
        'webhook_attempts.error as error',
        'webhook_deliveries.status as deliveryStatus',
        'webhook_deliveries.next_attempt_at as nextAttemptAt',
      ])
      .where('webhook_attempts.webhook_id', '=', id)
      .orderBy('webhook_attempts.id', 'desc')
      .limit(ATTEMPTS_SHOWN)
      .execute();
  }

  /** Sends an event again, as a new delivery of the same event (same webhook-id: receivers dedupe by it). */
  async redeliver(userId: number, id: number, deliveryId: number): Promise<{ deliveryId: number; eventId: string }> {
    const hook = await this.get(userId, id);
    if (!hook.active) throw disabledHook();
    const delivery = await this.db.kysely
      .selectFrom('webhook_deliveries')
      .select('event_id')
      .where('id', '=', deliveryId)
      .where('webhook_id', '=', id)
      .executeTakeFirst();
    if (!delivery) throw new NotFound();
    const now = this.now();
    const inserted = await this.db.kysely
      .insertInto('webhook_deliveries')
      .values({ webhook_id: id, event_id: delivery.event_id, status: 'pending', next_attempt_at: now, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { deliveryId: inserted.id, eventId: delivery.event_id };
  }

  /** Delivered and given-up deliveries older than `ageMs`, and events none is left for. */
  async prune(ageMs: number): Promise<number> {
    const before = new Date(this.clock() - ageMs).toISOString();
    const deleted = await this.db.kysely
      .deleteFrom('webhook_deliveries')
      .where('status', 'in', ['delivered', 'failed'])
      .where('created_at', '<', before)
      .executeTakeFirst();
    await this.db.kysely
      .deleteFrom('events')
      .where('created_at', '<', before)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('webhook_deliveries').select('id').whereRef('webhook_deliveries.event_id', '=', 'events.id'))),
      )
      .execute();
    return Number(deleted.numDeletedRows);
  }
}
