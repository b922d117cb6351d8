import { sql } from 'kysely';
import type { Db } from './database.js';

export interface WindowCount {
  count: number;
  /** Milliseconds until the window ends (0: no window running). */
  resetMs: number;
}

/**
 * Fixed-window counters in the database: what Redis does for instances, for worker processes that
 * share a data directory and nothing else. One statement per hit (an upsert), so concurrent hits
 * from several processes all count.
 */
export class DbCounters {
  constructor(private readonly db: Db) {}

  async hit(key: string, windowMs: number, nowMs = Date.now()): Promise<WindowCount> {
    const ends = nowMs + windowMs;
    const row = await this.db.kysely
      .insertInto('counters')
      .values({ key, count: 1, reset_at: ends })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql<number>`case when counters.reset_at <= ${nowMs} then 1 else counters.count + 1 end`,
          reset_at: sql<number>`case when counters.reset_at <= ${nowMs} then ${ends} else counters.reset_at end`,
        }),
      )
      .returning(['count', 'reset_at'])
      .executeTakeFirstOrThrow();
    return { count: Number(row.count), resetMs: Number(row.reset_at) - nowMs };
  }

  async get(key: string, nowMs = Date.now()): Promise<WindowCount> {
    const row = await this.db.kysely.selectFrom('counters').select(['count', 'reset_at']).where('key', '=', key).executeTakeFirst();
    if (!row || Number(row.reset_at) <= nowMs) return { count: 0, resetMs: 0 };
    return { count: Number(row.count), resetMs: Number(row.reset_at) - nowMs };
  }

  async reset(key: string): Promise<void> {
    await this.db.kysely.deleteFrom('counters').where('key', '=', key).execute();
  }

  /** Drops windows that have ended (the sweeper calls it). */
  async prune(nowMs = Date.now()): Promise<number> {
    const result = await this.db.kysely.deleteFrom('counters').where('reset_at', '<=', nowMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
