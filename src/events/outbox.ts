import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/schema.js';
import type { EventType } from './types.js';

/** The event's data, or a function that builds it (run only when some hook wants the event). */
export type EventData = unknown | (() => Promise<unknown>);

/**
 * Writes events into the outbox, in the transaction of the change they describe: the event and one
 * pending delivery per hook that wants it are committed with the change or not at all. An event no
 * active hook wants is not written (the outbox holds only what is to be delivered).
 */
export class Outbox {
  constructor(private readonly clock: Clock) {}

  /** The user's active hooks that want this type of event (or just `onlyHook`). */
  async targets(trx: Kysely<Database>, userId: number, type: EventType, onlyHook?: number): Promise<number[]> {
    const hooks = await trx
      .selectFrom('webhooks')
      .select(['id', 'events'])
      .where('user_id', '=', userId)
      .where('disabled_at', 'is', null)
      .execute();
    return hooks
      .filter((hook) => (onlyHook === undefined ? (JSON.parse(hook.events) as string[]).includes(type) : hook.id === onlyHook))
      .map((hook) => hook.id);
  }

  async record(trx: Kysely<Database>, userId: number, type: EventType, data: EventData, onlyHook?: number): Promise<string | null> {
    return this.write(trx, userId, type, data, await this.targets(trx, userId, type, onlyHook));
  }

  /** Writes one event for hooks found with targets() (one lookup serves many events of one kind). */
  async write(trx: Kysely<Database>, userId: number, type: EventType, data: EventData, targets: readonly number[]): Promise<string | null> {
    if (targets.length === 0) return null;
    const resolved = typeof data === 'function' ? await (data as () => Promise<unknown>)() : data;
    const id = `evt_${randomBytes(16).toString('base64url')}`;
    const now = new Date(this.clock()).toISOString();
    await trx
      .insertInto('events')
      .values({ id, user_id: userId, type, data: JSON.stringify(resolved), created_at: now })
      .execute();
    await trx
      .insertInto('webhook_deliveries')
      .values(
        targets.map((hook) => ({ webhook_id: hook, event_id: id, status: 'pending' as const, next_attempt_at: now, created_at: now })),
      )
      .execute();
    return id;
  }
}
