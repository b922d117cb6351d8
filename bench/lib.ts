import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export function printRows(rows: [string, string][]): void {
  for (const [name, value] of rows) console.log(`${name.padEnd(62)} ${value}`);
}

/** A benchmark's command line (node:util parseArgs: unknown options are an error). */
export function benchArgs<const O extends ParseArgsOptionsConfig>(options: O) {
  return parseArgs({ args: process.argv.slice(2), options, allowPositionals: true, strict: true });
}

/** A positive number given as an option's text, or the fallback when it was not given. */
export function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!(number > 0)) throw new Error(`--${name} takes a positive number, got "${value}"`);
  return number;
}
