import { Busy } from '../errors.js';

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
    /** Told how long each job waited for its slot, in seconds (for metrics). */
    private readonly onWait: (seconds: number) => void = () => undefined,
  ) {}

  get load(): { active: number; queued: number } {
    return { active: this.active, queued: this.waiting.length };
  }

  /**
   * Runs the job when a slot is free. With a time limit, the caller is answered with a 503 once the
   * job has run that long; the job itself cannot be interrupted (libvips has no cancellation for
   * every codec), so it keeps its slot until it really ends and the limit on concurrent work holds.
   */
  async run<T>(job: () => Promise<T>, timeLimitSeconds?: number): Promise<T> {
    const queuedAt = performance.now();
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.queueSize) throw new Busy('The server is busy processing images. Try again shortly.', 2);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    this.onWait((performance.now() - queuedAt) / 1000);
    const running = job().finally(() => {
      const next = this.waiting.shift();
      // The slot passes straight to the next job in line, so `active` stays counted.
      if (next) next();
      else this.active--;
    });
    if (timeLimitSeconds === undefined) return running;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Busy(`Processing took longer than ${timeLimitSeconds} s and was abandoned.`, 10)),
        timeLimitSeconds * 1000,
      );
    });
    running.catch(() => undefined);
    try {
      return await Promise.race([running, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
