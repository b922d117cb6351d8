import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { Conflict, InvalidInput, Unprocessable } from '../errors.js';

/** What a request answered, kept to answer its retries: image numbers, not their JSON (links in it expire). */
export type StoredAnswer =
  | { kind: 'image'; status: number; image: number }
  | { kind: 'results'; status: number; results: StoredResult[] }
  | { kind: 'upload'; status: number; upload: string };

export type StoredResult =
  { index: number; status: number; image: number } | { index: number; status: number; error: Record<string, unknown> };

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** A key answers its retries this long. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** The key a request carries, checked; undefined without one. */
export function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header) || !KEY_PATTERN.test(header)) {
    throw new InvalidInput({ 'Idempotency-Key': ['Give one key of 1-255 visible ASCII characters.'] });
  }
  return header;
}

/** The fingerprint of a request: the same key may only be reused for the same request. */
export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Idempotency keys, per user, in the database (so every instance sees them). The first request with
 * a key claims it; a retry with the same request gets the first answer, one with another request a
 * 422, one that arrives while the first is still running waits for its answer.
 */
export class IdempotencyKeys {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** A claim older than this with no answer belongs to a request that died; a retry may take it over. */
    private readonly abandonedAfterMs: number,
    private readonly waitMs = 30_000,
  ) {}

  /** Claims the key for this request, or returns the answer the first request with it got. */
  async claim(userId: number, key: string, print: string): Promise<StoredAnswer | null> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const now = this.clock();
      await this.db.kysely
        .deleteFrom('idempotency_keys')
        .where('user_id', '=', userId)
        .where('key', '=', key)
        .where((eb) =>
          eb.or([
            eb('created_at', '<', new Date(now - IDEMPOTENCY_TTL_MS).toISOString()),
            eb.and([eb('response', 'is', null), eb('created_at', '<', new Date(now - this.abandonedAfterMs).toISOString())]),
          ]),
        )
        .execute();
      const inserted = await this.db.kysely
        .insertInto('idempotency_keys')
        .values({ user_id: userId, key, fingerprint: print, response: null, created_at: new Date(now).toISOString() })
        .onConflict((conflict) => conflict.columns(['user_id', 'key']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return null;
      const row = await this.db.kysely
        .selectFrom('idempotency_keys')
        .select(['fingerprint', 'response'])
        .where('user_id', '=', userId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (row) {
        if (row.fingerprint !== print) {
          throw new Unprocessable('This Idempotency-Key was used for a different request; use a new key for a new request.');
        }
        if (row.response !== null) return JSON.parse(row.response) as StoredAnswer;
      }
      if (Date.now() > deadline) throw new Conflict('A request with this Idempotency-Key is still in progress; retry later.');
      await sleep(100);
    }
  }

  /** Keeps the answer; inside the transaction of the change when there is one, so that both or neither are kept. */
  async complete(userId: number, key: string, answer: StoredAnswer, trx?: Transaction<Database>): Promise<void> {
    await (trx ?? this.db.kysely)
      .updateTable('idempotency_keys')
      .set({ response: JSON.stringify(answer) })
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .execute();
  }

  /** Gives the key up after a request that changed nothing: its retry runs again. */
  async release(userId: number, key: string): Promise<void> {
    await this.db.kysely
      .deleteFrom('idempotency_keys')
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .where('response', 'is', null)
      .execute();
  }

  /** Forgets keys older than a day. */
  async sweep(): Promise<number> {
    const result = await this.db.kysely
      .deleteFrom('idempotency_keys')
      .where('created_at', '<', new Date(this.clock() - IDEMPOTENCY_TTL_MS).toISOString())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
