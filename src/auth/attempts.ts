import type { Redis } from 'ioredis';
import type { DbCounters } from '../db/counters.js';
import { Throttled } from '../errors.js';

/** Counts events per key in a fixed window (failed logins per username). */
export interface AttemptCounter {
  /** The count in the current window, and milliseconds until it resets. */
  get(key: string): Promise<{ count: number; resetMs: number }>;
  hit(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

/** Per process: enough for one instance. */
export class MemoryAttemptCounter implements AttemptCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly windowMs: number) {}

  async get(key: string) {
    const window = this.windows.get(key);
    if (!window || window.resetAt <= Date.now()) return { count: 0, resetMs: 0 };
    return { count: window.count, resetMs: window.resetAt - Date.now() };
  }

  async hit(key: string) {
    const window = this.windows.get(key);
    if (!window || window.resetAt <= Date.now()) {
      // Forget stale keys now and then, so that guessing many usernames cannot grow memory without end.
      if (this.windows.size > 100_000) for (const [k, w] of this.windows) if (w.resetAt <= Date.now()) this.windows.delete(k);
      this.windows.set(key, { count: 1, resetAt: Date.now() + this.windowMs });
    } else {
      window.count++;
    }
  }

  async reset(key: string) {
    this.windows.delete(key);
  }
}

/** Shared by every instance through Redis. */
export class RedisAttemptCounter implements AttemptCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowMs: number,
  ) {}

  async get(key: string) {
    const [count, ttl] = await Promise.all([this.redis.get(this.prefix + key), this.redis.pttl(this.prefix + key)]);
    return { count: Number(count ?? 0), resetMs: Math.max(0, ttl) };
  }

  async hit(key: string) {
    const name = this.prefix + key;
    const count = await this.redis.incr(name);
    if (count === 1) await this.redis.pexpire(name, this.windowMs);
  }

  async reset(key: string) {
    await this.redis.del(this.prefix + key);
  }
}

/** Shared by the worker processes of one data directory through its database (WORKERS > 1 without Redis). */
export class DbAttemptCounter implements AttemptCounter {
  constructor(
    private readonly counters: DbCounters,
    private readonly prefix: string,
    private readonly windowMs: number,
  ) {}

  get(key: string) {
    return this.counters.get(this.prefix + key);
  }

  async hit(key: string) {
    await this.counters.hit(this.prefix + key, this.windowMs);
  }

  reset(key: string) {
    return this.counters.reset(this.prefix + key);
  }
}

/**
 * Bounds on failed password checks of one subject (an account, a share link): per client address,
 * and from all addresses together (a higher bound, so that a stranger cannot lock the owner out from
 * elsewhere, while a distributed guess is still bounded). The counter store failing must not lock
 * everyone out: it then counts nothing.
 */
export class FailureLimits {
  constructor(
    private readonly attempts: AttemptCounter,
    private readonly maxPerAddress: number,
    private readonly maxOverall: number,
  ) {}

  private keys(subject: string, address: string): [string, number][] {
    return [
      [`${subject}\n${address}`, this.maxPerAddress],
      [subject, this.maxOverall],
    ];
  }

  /** Throws Throttled, with the message for the seconds to wait, once either bound is reached. */
  async guard(subject: string, address: string, message: (seconds: number) => string): Promise<void> {
    for (const [key, max] of this.keys(subject, address)) {
      const { count, resetMs } = await this.attempts.get(key).catch(() => ({ count: 0, resetMs: 0 }));
      if (count >= max) {
        const seconds = Math.max(1, Math.ceil(resetMs / 1000));
        throw new Throttled(message(seconds), seconds);
      }
    }
  }

  async recordFailure(subject: string, address: string): Promise<void> {
    await Promise.all(this.keys(subject, address).map(([key]) => this.attempts.hit(key))).catch(() => undefined);
  }

  async recordSuccess(subject: string, address: string): Promise<void> {
    await Promise.all(this.keys(subject, address).map(([key]) => this.attempts.reset(key))).catch(() => undefined);
  }
}
