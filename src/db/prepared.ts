import type { CompiledQuery, Kysely } from 'kysely';

/**
 * A query built and compiled once, run with new parameter values. Kysely builds and compiles every
 * query anew, which was 16% of the CPU of a metadata read; the two queries on every authenticated
 * read (token lookup, image by id) are prepared this way. Build the query with placeholder values
 * in the order the parameters will be given.
 */
export class PreparedQuery<Schema, Row, Params extends unknown[]> {
  private readonly compiled: CompiledQuery<Row>;

  constructor(
    private readonly kysely: Kysely<Schema>,
    build: { compile(): CompiledQuery<Row> },
    private readonly arity: Params['length'],
  ) {
    this.compiled = build.compile();
    if (this.compiled.parameters.length !== arity)
      throw new Error(`prepared query has ${this.compiled.parameters.length} parameters, expected ${arity}`);
  }

  async execute(...parameters: Params): Promise<Row[]> {
    const { rows } = await this.kysely.executeQuery<Row>({ ...this.compiled, parameters });
    return rows;
  }
}
