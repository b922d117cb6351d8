import { serviceUnavailable } from '../errors.js';

/**
 * Bounds image work: at most `concurrency` jobs run at once, at most `queueSize` wait behind them,
 * and anything beyond is refused at once with 503 + Retry-After instead of piling up memory.
 * (sharp runs its work on libuv's thread pool, so the event loop is never blocked by it.)
 */
export class RenderLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly queueSize: number,
  ) {}

  get load(): { active: number; queued: number } {
    return { active: this.active, queued: this.waiting.length };
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.queueSize) throw serviceUnavailable('The server is busy processing images. Try again shortly.', 2);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next job in line, so `active` stays counted.
      if (next) next();
      else this.active--;
    }
  }
}
