import type { CompiledQuery } from 'kysely';
import type { Db } from './database.js';

/**
 * A query built and compiled once, run with new parameter values. Kysely builds and compiles every
 * query anew, which was 16% of the CPU of a metadata read; the reads on every authenticated request
 * (token or key lookup, image by id) are prepared this way. On SQLite they run on the read
 * connection (see SqliteReads): never inside a transaction, so they see only committed rows, and their
 * results are kept until the file changes (see ReadCache). Build
 * the query with placeholder values in the order the parameters will be given.
 */
export class PreparedQuery<Row, Params extends unknown[]> {
  private readonly compiled: CompiledQuery<Row>;

  constructor(
    private readonly db: Db,
    build: { compile(): CompiledQuery<Row> },
    arity: Params['length'],
  ) {
    this.compiled = build.compile();
    if (this.compiled.parameters.length !== arity)
      throw new Error(`prepared query has ${this.compiled.parameters.length} parameters, expected ${arity}`);
  }

  /** Every row. On SQLite the rows are shared with later reads (see ReadCache), so they are frozen. */
  async execute(...parameters: Params): Promise<readonly Readonly<Row>[]> {
    if (this.db.reads) return this.db.reads.all(this.compiled.sql, parameters) as readonly Row[];
    const { rows } = await this.db.kysely.executeQuery<Row>({ ...this.compiled, parameters });
    return rows;
  }

  /** The first row (frozen on SQLite, like execute's), or undefined. */
  async first(...parameters: Params): Promise<Readonly<Row> | undefined> {
    if (this.db.reads) return this.db.reads.first(this.compiled.sql, parameters) as Row | undefined;
    const { rows } = await this.db.kysely.executeQuery<Row>({ ...this.compiled, parameters });
    return rows[0];
  }
}
