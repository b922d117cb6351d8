import { NotFound } from '../errors.js';

const MAX_ID = 2 ** 31 - 1;

/** Ids are positive integers; anything else names nothing (404, as for an unknown id). */
export function parseId(raw: string): number {
  if (!/^\d{1,10}$/.test(raw)) throw new NotFound();
  const id = Number(raw);
  if (id < 1 || id > MAX_ID) throw new NotFound();
  return id;
}
