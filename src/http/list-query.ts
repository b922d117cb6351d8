import { InvalidInput } from '../errors.js';
import { normaliseTag } from '../images/fields.js';
import { decodeCursor, NO_FILTERS, type ListFilters, type ListOrder, type Position } from '../images/listing.js';
import { queryWords } from '../images/search.js';
import type { ListQuery } from '../schemas/images.js';

const METADATA_PREFIX = 'metadata.';

/** The query's filters (album resolved by the caller), every problem in one 400. */
export function listFilters(query: ListQuery, albumId: number | null): ListFilters {
  const tags = query.tag === undefined ? [] : Array.isArray(query.tag) ? query.tag : [query.tag];
  const metadata = Object.entries(query as Record<string, unknown>)
    .filter(([name]) => name.startsWith(METADATA_PREFIX))
    .map(([name, value]): [string, string] => [name.slice(METADATA_PREFIX.length), String(value)]);
  const takenAfter = query.taken_after ?? null;
  const takenBefore = query.taken_before ?? null;
  for (const [field, value] of [
    ['taken_after', takenAfter],
    ['taken_before', takenBefore],
  ] as const) {
    if (value !== null && Number.isNaN(Date.parse(value.slice(0, 10)))) throw new InvalidInput({ [field]: ['Enter a valid date.'] });
  }
  return {
    ...NO_FILTERS,
    tags: [...new Set(tags.map((tag) => normaliseTag(tag, 'tag')))],
    albumId,
    words: query.q === undefined ? [] : queryWords(query.q),
    format: query.format ?? null,
    animated: query.animated ?? null,
    minWidth: query.min_width ?? null,
    minHeight: query.min_height ?? null,
    // Stored times are ISO strings in UTC, so the bounds are too.
    createdAfter: query.created_after === undefined ? null : new Date(query.created_after).toISOString(),
    createdBefore: query.created_before === undefined ? null : new Date(query.created_before).toISOString(),
    // EXIF times are local and stored as `YYYY-MM-DDTHH:MM:SS`: compared as text, a date is its midnight.
    takenAfter: takenAfter?.replace(' ', 'T').replace(/Z$|[+-]\d{2}:\d{2}$/, '') ?? null,
    takenBefore: takenBefore?.replace(' ', 'T').replace(/Z$|[+-]\d{2}:\d{2}$/, '') ?? null,
    sha256: query.sha256 ?? null,
    metadata,
  };
}

export function listPosition(cursor: string | undefined, order: ListOrder): Position | null {
  return cursor === undefined ? null : decodeCursor(cursor, order);
}
