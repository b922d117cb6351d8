/**
 * Results of the hot reads (token and key lookups, an image by id, its albums, a share by token, a
 * cached variant), kept while the SQLite file has not changed. Through libsql each read costs a few
 * microseconds of N-API round trip even when SQLite answers from its page cache; a metadata request made
 * three of them, a fifth of its CPU.
 *
 * Never stale: every commit to the file, by any connection (another worker, another process, this
 * process's own write connection), is seen by `changed` (see CommitWatch), and the cache is emptied when
 * it reports one. It is asked before the first read after each request arrives, after each statement
 * on the write connection, and at least once per turn of the event loop (for timers and background
 * work). A read therefore sees every commit made before the request that needs it arrived, as a read
 * of the file would.
 */
export class ReadCache {
  private readonly tables: Map<string, unknown>[] = [];
  private size = 0;
  /** How many times the cache was emptied: a result computed from reads of one generation is kept only in it. */
  private generation = 0;
  private stale = true;
  private unmarkScheduled = false;

  constructor(
    /** Whether anything was committed to the database since the last call. */
    private readonly changed: () => boolean,
    /** Past this many results in all tables, everything is dropped and the cache fills again. */
    private readonly maxEntries: number,
  ) {}

  /** Something may have been committed since the last check: the next lookup checks the version first. */
  markStale(): void {
    this.stale = true;
  }

  /** A table of results for one statement, keyed by its parameters. */
  table(): Map<string, unknown> {
    const table = new Map<string, unknown>();
    this.tables.push(table);
    return table;
  }

  lookup(table: Map<string, unknown>, key: string): unknown {
    if (this.stale) this.validate();
    return table.get(key);
  }

  /**
   * The generation now, after checking for commits. A result derived from several reads, across awaits
   * (a whole response, say), is computed after this and kept with `storeIfCurrent`: a commit seen by
   * any check in between drops it, and one not yet seen empties the cache at the next check.
   */
  epoch(): number {
    if (this.stale) this.validate();
    return this.generation;
  }

  /** Keeps a result derived since `epoch` returned `epoch`, unless the cache was emptied since. */
  storeIfCurrent(table: Map<string, unknown>, key: string, value: unknown, epoch: number): void {
    if (epoch === this.generation) this.store(table, key, value);
  }

  /** Keeps a result; it must not be changed afterwards (callers get it frozen). */
  store(table: Map<string, unknown>, key: string, value: unknown): void {
    if (this.size >= this.maxEntries) this.clear();
    table.set(key, value);
    this.size++;
  }

  private validate(): void {
    this.stale = false;
    if (this.changed()) this.clear();
    if (!this.unmarkScheduled) {
      this.unmarkScheduled = true;
      setImmediate(this.unmark).unref();
    }
  }

  private readonly unmark = (): void => {
    this.unmarkScheduled = false;
    this.stale = true;
  };

  private clear(): void {
    this.generation++;
    for (const table of this.tables) table.clear();
    this.size = 0;
  }
}
