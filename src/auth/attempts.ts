import type { Redis } from 'ioredis';

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
