import { notFound } from '../errors.js';

const MAX_ID = 2 ** 31 - 1;

/** Ids are positive integers; anything else names no image (404, as for an unknown id). */
export function parseImageId(raw: string): number {
  if (!/^\d{1,10}$/.test(raw)) throw notFound();
  const id = Number(raw);
  if (id < 1 || id > MAX_ID) throw notFound();
  return id;
}
