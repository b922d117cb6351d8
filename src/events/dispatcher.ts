import { sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { OutboundError, type OutboundClient } from '../net/outbound.js';
import { signatureHeader, type SecretBox } from './signing.js';

export interface DispatcherOptions {
  /** How often the worker looks for due deliveries. */
  pollMs: number;
  /** Deliveries claimed at once, and sent in parallel. */
  batch: number;
  /** The first retry waits about this long; each next one twice as long (with jitter), at most an hour. */
  retryBaseMs: number;
  /** After this long since the event, a delivery that still fails is given up. */
  retryWindowMs: number;
  /** Failed attempts in a row after which a hook is disabled. */
  failuresToDisable: number;
  /** A claimed delivery is another worker's after this long (its worker died). */
  lockMs: number;
}

interface Claimed {
  id: number;
  webhook_id: number;
  event_id: string;
  attempts: number;
}

const MAX_RETRY_DELAY_MS = 3600 * 1000;
const RESPONSE_BYTES_READ = 4096;

/**
 * Delivers the outbox: claims due deliveries in batches (FOR UPDATE SKIP LOCKED on PostgreSQL, so any
 * number of instances share the work without sending one twice), POSTs each signed event through the
 * guarded outbound client, and records the outcome: delivered, retried later with backoff and jitter,
 * or given up after the retry window. Delivery is at least once: a worker that dies between sending
 * and recording leaves the delivery to be sent again once its claim lapses.
 */
export class Dispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly client: OutboundClient,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly options: DispatcherOptions,
  ) {}

  private onError: (error: unknown) => void = () => undefined;

  /** Starts the worker; errors of the database (not of receivers: those are recorded) go to `onError`. */
  start(onError: (error: unknown) => void): void {
    this.onError = onError;
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      await this.running;
      this.running = this.runUntilIdle().catch(this.onError);
      await this.running;
      if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async runUntilIdle(): Promise<void> {
    while (!this.stopped && (await this.runOnce()) === this.options.batch);
  }

  /** Claims and delivers one batch; returns how many deliveries it took. */
  async runOnce(): Promise<number> {
    const claimed = await this.claim();
    await Promise.all(claimed.map((delivery) => this.deliver(delivery).catch(this.onError)));
    return claimed.length;
  }

  private async claim(): Promise<Claimed[]> {
    const now = new Date(this.clock()).toISOString();
    const until = new Date(this.clock() + this.options.lockMs).toISOString();
    // A read first: when nothing is due (the usual case) no write happens, so an idle poll takes no write lock.
    const due = await this.db.kysely
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .limit(1)
      .execute();
    if (due.length === 0) return [];
    const skipLocked = this.db.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<Claimed>`
      update webhook_deliveries set locked_until = ${until}, attempts = attempts + 1
      where id in (
        select id from webhook_deliveries
        where status = 'pending' and next_attempt_at <= ${now} and (locked_until is null or locked_until < ${now})
        order by next_attempt_at, id
        limit ${this.options.batch}
        ${skipLocked}
      )
      returning id, webhook_id, event_id, attempts`.execute(this.db.kysely);
    return result.rows;
  }

  private async deliver(delivery: Claimed): Promise<void> {
    const row = await this.db.kysely
      .selectFrom('webhook_deliveries')
      .innerJoin('events', 'events.id', 'webhook_deliveries.event_id')
      .innerJoin('webhooks', 'webhooks.id', 'webhook_deliveries.webhook_id')
      .select([
        'events.type',
        'events.data',
        'events.created_at as eventCreatedAt',
        'webhooks.url',
        'webhooks.secret',
        'webhooks.previous_secret as previousSecret',
        'webhooks.previous_secret_until as previousSecretUntil',
        'webhooks.disabled_at as disabledAt',
      ])
      .where('webhook_deliveries.id', '=', delivery.id)
      .executeTakeFirst();
    if (!row) return; // the hook or the event was deleted meanwhile
    const now = this.clock();
    if (row.disabledAt !== null) {
      // Nothing was attempted: the delivery is closed without counting a failure against the hook.
      await this.db.kysely
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', locked_until: null, next_attempt_at: null, last_error: 'The webhook is disabled.' })
        .where('id', '=', delivery.id)
        .execute();
      return;
    }
    // The data is stored as JSON text: put it in the body as it is.
    const head = `{"id":${JSON.stringify(delivery.event_id)},"type":${JSON.stringify(row.type)}`;
    const body = `${head},"created_at":${JSON.stringify(row.eventCreatedAt)},"data":${row.data}}`;
    const timestamp = Math.floor(now / 1000);
    const secrets = [this.box.open(row.secret)];
    if (row.previousSecret && row.previousSecretUntil && row.previousSecretUntil > new Date(now).toISOString()) {
      secrets.push(this.box.open(row.previousSecret));
    }
    const started = performance.now();
    let code: number | null = null;
    let error: string | null = null;
    try {
      const response = await this.client.post(row.url, Buffer.from(body), {
        'content-type': 'application/json',
        'webhook-id': delivery.event_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, delivery.event_id, timestamp, body),
      });
      code = response.status;
      // At most 4 KB of the answer is read, and none of it is kept.
      let read = 0;
      for await (const chunk of response.body) {
        read += (chunk as Buffer).length;
        if (read >= RESPONSE_BYTES_READ) break;
      }
      response.body.destroy();
      if (code < 200 || code > 299) error = `The receiver answered ${code}.`;
    } catch (failure) {
      if (!(failure instanceof OutboundError)) throw failure;
      error = failure.message;
    }
    const durationMs = Math.round(performance.now() - started);
    if (error === null) {
      await this.finish(delivery, { status: 'delivered', code, error: null, durationMs });
      return;
    }
    const delay = Math.min(this.options.retryBaseMs * 2 ** (delivery.attempts - 1), MAX_RETRY_DELAY_MS) * (0.75 + Math.random() * 0.5);
    const giveUp = now + delay > Date.parse(row.eventCreatedAt) + this.options.retryWindowMs;
    await this.finish(delivery, {
      status: giveUp ? 'failed' : 'pending',
      code,
      error,
      durationMs,
      nextAttemptAt: giveUp ? null : now + delay,
    });
  }

  private async finish(
    delivery: Claimed,
    outcome: {
      status: 'pending' | 'delivered' | 'failed';
      code: number | null;
      error: string | null;
      durationMs: number;
      nextAttemptAt?: number | null;
    },
  ): Promise<void> {
    const now = new Date(this.clock()).toISOString();
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable('webhook_deliveries')
        .set({
          status: outcome.status,
          locked_until: null,
          next_attempt_at: outcome.nextAttemptAt ? new Date(outcome.nextAttemptAt).toISOString() : null,
          last_status_code: outcome.code,
          last_error: outcome.error,
          last_duration_ms: outcome.durationMs,
          last_attempt_at: now,
        })
        .where('id', '=', delivery.id)
        .execute();
      await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_id: delivery.id,
          webhook_id: delivery.webhook_id,
          attempt: delivery.attempts,
          attempted_at: now,
          status_code: outcome.code,
          duration_ms: outcome.durationMs,
          error: outcome.error,
        })
        .execute();
      if (outcome.status === 'delivered') {
        await trx.updateTable('webhooks').set({ consecutive_failures: 0 }).where('id', '=', delivery.webhook_id).execute();
        return;
      }
      const hook = await trx
        .updateTable('webhooks')
        .set({ consecutive_failures: sql`consecutive_failures + 1` })
        .where('id', '=', delivery.webhook_id)
        .returning('consecutive_failures')
        .executeTakeFirst();
      if (hook && hook.consecutive_failures >= this.options.failuresToDisable) {
        await trx
          .updateTable('webhooks')
          .set({
            disabled_at: now,
            disabled_reason: `Disabled after ${hook.consecutive_failures} failed deliveries in a row (the last: ${outcome.error})`,
          })
          .where('id', '=', delivery.webhook_id)
          .where('disabled_at', 'is', null)
          .execute();
      }
    });
  }
}

/**
 * On SQLite, the process that starts alone on the data directory (leftovers.ts) frees the claims a dead process
 * left (they are its own) rather than waiting out their lock. On PostgreSQL other instances' claims
 * may be live: their locks expire instead.
 */
export async function releaseClaims(db: Db): Promise<void> {
  if (db.dialect !== 'sqlite') return;
  await db.kysely
    .updateTable('webhook_deliveries')
    .set({ locked_until: null })
    .where('status', '=', 'pending')
    .where('locked_until', 'is not', null)
    .execute();
}
