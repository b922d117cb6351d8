import { Busy, Throttled } from './errors.js';

export interface LimiterOptions {
  /** Jobs that run at once. */
  concurrency: number;
  /** Jobs that may wait for a slot in the shared queue; beyond, 503. */
  queueSize: number;
  /**
   * Jobs of one owner that may be running or in the shared queue together. Unset: no cap (fair order
   * only). An owner's further jobs wait in a line of their own, which takes nothing from other owners.
   */
  perOwner?: number;
  /** Jobs one owner may have waiting in its own line; beyond, 429. */
  perOwnerWaiting?: number;
  /** Longest a job may wait (in its owner's line and the shared queue together) before its caller is answered 503. */
  queueWaitSeconds?: number;
  /** Told how long each job waited for its slot, in seconds (for metrics). */
  onWait?: (seconds: number) => void;
  /** What a refused job is told, before "Try again shortly." (default: about image work). */
  busyMessage?: string;
}

export interface JobOptions {
  /** Whose work this is (the owner of the image): caps and fair order are per owner. */
  owner?: number;
  /** Aborted when nobody waits for the result any more (the client left): a job still waiting is dropped. */
  signal?: AbortSignal;
  /** The caller is answered 503 once the job has run this long (the job itself runs on to its end). */
  timeLimitSeconds?: number;
}

interface Waiter {
  owner: number;
  queuedAt: number;
  go(): void;
}

const NO_OWNER = -1;

/**
 * Bounds work that holds a thread of libuv's pool (image jobs, password hashes): at most
 * `concurrency` jobs run at once and at most `queueSize` wait in the shared queue. A free slot goes to
 * the waiting job whose owner has the fewest jobs running (then the oldest), so one user's burst
 * cannot hold every slot while another user waits; with `perOwner`, an owner's jobs in the slots and
 * the shared queue are capped, and its further jobs wait in its own line (bounded by
 * `perOwnerWaiting`, then 429). Every wait has one deadline, and a job whose caller left before it
 * started is dropped. A job that has started is never given up early: sharp has no way to cancel a
 * running pipeline, so the job keeps its slot (and its owner's count) until it really ends, and the
 * bound on concurrent work holds.
 */
export class WorkLimiter {
  private active = 0;
  private readonly running = new Map<number, number>();
  /** Jobs per owner running or in the shared queue (what `perOwner` caps). */
  private readonly held = new Map<number, number>();
  private readonly queue: Waiter[] = [];
  /** Per owner, jobs waiting for one of the owner's own jobs to end. */
  private readonly lines = new Map<number, Waiter[]>();

  constructor(private readonly options: LimiterOptions) {}

  private get busy(): string {
    return this.options.busyMessage ?? 'The server is busy processing images.';
  }

  get load(): { active: number; queued: number; waitingInLines: number } {
    let waitingInLines = 0;
    for (const line of this.lines.values()) waitingInLines += line.length;
    return { active: this.active, queued: this.queue.length, waitingInLines };
  }

  async run<T>(job: () => Promise<T>, options: JobOptions = {}): Promise<T> {
    const owner = options.owner ?? NO_OWNER;
    const { perOwner, concurrency } = this.options;
    const queuedAt = performance.now();
    const deadline = this.options.queueWaitSeconds === undefined ? undefined : Date.now() + this.options.queueWaitSeconds * 1000;
    if (options.signal?.aborted) throw new Busy('The request was abandoned.', 1);
    if (perOwner !== undefined && owner !== NO_OWNER) {
      while ((this.held.get(owner) ?? 0) >= perOwner) await this.waitInLine(owner, queuedAt, deadline, options.signal);
    }
    if (this.active >= concurrency) {
      if (this.queue.length >= this.options.queueSize) {
        // The place this job leaves goes to the next one in its owner's line.
        this.wakeLine(owner);
        throw new Busy(`${this.busy} Try again shortly.`, 2);
      }
      this.add(this.held, owner, 1);
      try {
        await this.wait(this.queue, { owner, queuedAt }, deadline, options.signal);
      } catch (error) {
        this.add(this.held, owner, -1);
        this.wakeLine(owner);
        throw error;
      }
    } else {
      this.add(this.held, owner, 1);
      this.begin(owner);
    }
    this.options.onWait?.((performance.now() - queuedAt) / 1000);
    const running = job().finally(() => this.end(owner));
    if (options.timeLimitSeconds === undefined) return running;
    running.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const limit = options.timeLimitSeconds;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Busy(`Processing took longer than ${limit} s and was abandoned.`, 10)), limit * 1000);
    });
    try {
      return await Promise.race([running, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private add(counts: Map<number, number>, owner: number, delta: number): void {
    const next = (counts.get(owner) ?? 0) + delta;
    if (next > 0) counts.set(owner, next);
    else counts.delete(owner);
  }

  private begin(owner: number): void {
    this.active++;
    this.add(this.running, owner, 1);
  }

  private end(owner: number): void {
    this.active--;
    this.add(this.running, owner, -1);
    this.add(this.held, owner, -1);
    this.dispatch();
    this.wakeLine(owner);
  }

  /** Lets the first job in the owner's line try again (one of the owner's jobs ended or gave up its place). */
  private wakeLine(owner: number): void {
    const line = this.lines.get(owner);
    const next = line?.shift();
    if (line && line.length === 0) this.lines.delete(owner);
    next?.go();
  }

  private waitInLine(owner: number, queuedAt: number, deadline: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    let line = this.lines.get(owner);
    if (!line) this.lines.set(owner, (line = []));
    if (line.length >= (this.options.perOwnerWaiting ?? 0)) {
      if (line.length === 0) this.lines.delete(owner);
      throw new Throttled(
        `Too many images of this account are being processed at once (at most ${this.options.perOwner}). Try again shortly.`,
        1,
      );
    }
    return this.wait(line, { owner, queuedAt }, deadline, signal);
  }

  /** Hands free slots to waiting jobs: the owner with the fewest running jobs first, then the oldest. */
  private dispatch(): void {
    while (this.active < this.options.concurrency && this.queue.length > 0) {
      let chosen = 0;
      for (let i = 1; i < this.queue.length; i++) {
        const candidate = this.queue[i]!;
        const best = this.queue[chosen]!;
        const load = (this.running.get(candidate.owner) ?? 0) - (this.running.get(best.owner) ?? 0);
        if (load < 0 || (load === 0 && candidate.queuedAt < best.queuedAt)) chosen = i;
      }
      const [waiter] = this.queue.splice(chosen, 1);
      this.begin(waiter!.owner);
      waiter!.go();
    }
  }

  /** Waits in `list` until `go` is called; the deadline or the signal takes the waiter out instead. */
  private wait(
    list: Waiter[],
    place: { owner: number; queuedAt: number },
    deadline: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = (error: Error) => {
        const index = list.indexOf(waiter);
        if (index === -1) return;
        list.splice(index, 1);
        if (list.length === 0 && this.lines.get(place.owner) === list) this.lines.delete(place.owner);
        settle();
        reject(error);
      };
      const onAbort = () => leave(new Busy('The request was abandoned.', 1));
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        ...place,
        go: () => {
          settle();
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (deadline !== undefined) {
        const seconds = this.options.queueWaitSeconds;
        timer = setTimeout(
          () => leave(new Busy(`${this.busy} Waited ${seconds} s for a slot; try again shortly.`, 5)),
          Math.max(0, deadline - Date.now()),
        );
      }
      list.push(waiter);
    });
  }
}
