import { sql, type SelectQueryBuilder } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { InvalidInput } from '../errors.js';
import type { ImageFormat } from '../processing/formats.js';
import { imageQuery, type ImageCatalog, type ImageRecord } from './catalog.js';
import type { QueryWord } from './search.js';

/** What a list may be narrowed to; every given filter must hold (AND). */
export interface ListFilters {
  /** Every one of these tags. */
  tags: string[];
  /** An album (its internal id, resolved by the caller). */
  albumId: number | null;
  /** Every one of these words (normalised; whole words, or prefixes). */
  words: QueryWord[];
  format: ImageFormat | null;
  animated: boolean | null;
  minWidth: number | null;
  minHeight: number | null;
  createdAfter: string | null;
  createdBefore: string | null;
  takenAfter: string | null;
  takenBefore: string | null;
  sha256: string | null;
  metadata: [key: string, value: string][];
  /** The trash instead of the live images. */
  trashed: boolean;
}

export const NO_FILTERS: ListFilters = {
  tags: [],
  albumId: null,
  words: [],
  format: null,
  animated: null,
  minWidth: null,
  minHeight: null,
  createdAfter: null,
  createdBefore: null,
  takenAfter: null,
  takenBefore: null,
  sha256: null,
  metadata: [],
  trashed: false,
};

export type ListOrder = 'oldest' | 'newest' | 'taken' | '-taken' | 'title' | 'album';

/**
 * Where a page ends, so that the next one continues after it: the order's value there and the image
 * number (the tie-breaker). Orders on a column that may be empty list the images that have it first
 * (phase 0), then the others by number (phase 1).
 */
export interface Position {
  order: ListOrder;
  phase: 0 | 1;
  value: string | number | null;
  number: number;
}

export interface ListPage {
  images: ImageRecord[];
  next: Position | null;
}

type Query = SelectQueryBuilder<Database, 'images', { id: number; number: number }>;

interface OrderPlan {
  /** The column ordered by in phase 0 (null: the image number only). */
  column: 'images.taken_at' | 'images.title' | 'album_images.position' | null;
  descending: boolean;
  /** Whether rows without a value follow in a phase 1. */
  nullable: boolean;
}

const PLANS: Record<ListOrder, OrderPlan> = {
  oldest: { column: null, descending: false, nullable: false },
  newest: { column: null, descending: true, nullable: false },
  taken: { column: 'images.taken_at', descending: false, nullable: true },
  '-taken': { column: 'images.taken_at', descending: true, nullable: true },
  title: { column: 'images.title', descending: false, nullable: true },
  album: { column: 'album_images.position', descending: false, nullable: false },
};

/** Cursors are opaque to clients: the position, as base64url JSON. */
export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.order, position.phase, position.value, position.number])).toString('base64url');
}

export function decodeCursor(cursor: string, order: ListOrder): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    throw new InvalidInput({ cursor: ['Invalid cursor.'] });
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.length === 4 &&
    typeof parsed[0] === 'string' &&
    (parsed[1] === 0 || parsed[1] === 1) &&
    ['string', 'number'].includes(typeof parsed[2]) !== (parsed[2] === null) &&
    Number.isSafeInteger(parsed[3]);
  if (!valid) throw new InvalidInput({ cursor: ['Invalid cursor.'] });
  const [cursorOrder, phase, value, number] = parsed as [ListOrder, 0 | 1, string | number | null, number];
  if (cursorOrder !== order) throw new InvalidInput({ cursor: [`This cursor belongs to order=${cursorOrder}.`] });
  return { order, phase, value, number };
}

/** Reads the user's images through the filters, one page at a time in a stable order. */
export class ImageListing {
  constructor(
    private readonly db: Db,
    private readonly catalog: ImageCatalog,
    private readonly clock: Clock = () => Date.now(),
  ) {}

  /**
   * The user's images through the filters. With `leadTag`, the walk starts from that tag's index
   * (user, tag, number) and joins each image, so that a page ordered by id reads only the tag's images.
   */
  private filtered(userId: number, filters: ListFilters, leadTag: string | null): Query {
    const now = new Date(this.clock()).toISOString();
    // Only the images table (and its indexes) decides what is on a page; the page's rows are read after, by id.
    let query = (
      leadTag === null
        ? this.db.kysely.selectFrom('images')
        : this.db.kysely
            .selectFrom('image_tags as lead')
            .innerJoin('images', 'images.id', 'lead.image_id')
            .where('lead.user_id', '=', userId)
            .where('lead.tag', '=', leadTag)
    )
      .select(['images.id as id', 'images.number as number'])
      .where('images.user_id', '=', userId)
      .where('images.trashed_at', filters.trashed ? 'is not' : 'is', null)
      .where(sql<boolean>`(images.expires_at is null or images.expires_at > ${now})`) as Query;
    // Correlated EXISTS, not IN (subquery): the page walks the user's images in the list's order and
    // probes each tag, value and word by the image's id, stopping at the page's end, instead of reading
    // every image with the tag first (20 ms a page for a tag on 10,000 of 100,000 images).
    for (const tag of filters.tags) {
      if (tag === leadTag) continue;
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('image_tags')
            .select('image_tags.image_id')
            .whereRef('image_tags.image_id', '=', 'images.id')
            .where('image_tags.tag', '=', tag),
        ),
      );
    }
    for (const [key, value] of filters.metadata) {
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('image_metadata')
            .select('image_metadata.image_id')
            .whereRef('image_metadata.image_id', '=', 'images.id')
            .where('image_metadata.key', '=', key)
            .where('image_metadata.value', '=', value),
        ),
      );
    }
    if (filters.words.length > 0) {
      if (this.db.dialect === 'postgres') {
        const tsquery = filters.words.map(({ word, prefix }) => `${word}${prefix ? ':*' : ''}`).join(' & ');
        query = query.where(sql<boolean>`images.search @@ to_tsquery('simple', ${tsquery})`);
      } else if (leadTag !== null) {
        // The walk is already narrowed to one tag's images: each is checked against its own words
        // (search_text holds them normalised, separated by single spaces), cheaper than building the
        // full-text index's list of every image with the word for each page.
        for (const { word, prefix } of filters.words) {
          query = query.where(sql<boolean>`instr(' ' || images.search_text || ' ', ${` ${word}${prefix ? '' : ' '}`}) > 0`);
        }
      } else {
        const match = filters.words.map(({ word, prefix }) => `"${word}"${prefix ? '*' : ''}`).join(' ');
        // `+images.id`: the words are a membership test on the walk, not the walk itself (which would read
        // every matching image of every user, then sort them).
        query = query.where(sql<boolean>`+images.id in (select rowid from images_fts where images_fts match ${match})`);
      }
    }
    if (filters.format !== null) query = query.where('images.format', '=', filters.format);
    if (filters.animated !== null) query = query.where('images.animated', '=', filters.animated ? 1 : 0);
    if (filters.minWidth !== null) query = query.where('images.width', '>=', filters.minWidth);
    if (filters.minHeight !== null) query = query.where('images.height', '>=', filters.minHeight);
    if (filters.createdAfter !== null) query = query.where('images.created_at', '>=', filters.createdAfter);
    if (filters.createdBefore !== null) query = query.where('images.created_at', '<', filters.createdBefore);
    if (filters.takenAfter !== null) query = query.where('images.taken_at', '>=', filters.takenAfter);
    if (filters.takenBefore !== null) query = query.where('images.taken_at', '<', filters.takenBefore);
    if (filters.sha256 !== null) query = query.where('images.sha256', '=', filters.sha256);
    return query;
  }

  /** One phase of an order: rows after `after` (or from the start), at most `limit`. */
  /** The query of one phase of a page (public for scripts/query-plans.ts, which shows how each filter is planned). */
  pageQuery(userId: number, filters: ListFilters, order: ListOrder, phase: 0 | 1, after: Position | null, limit: number) {
    const plan = PLANS[order];
    const direction = plan.descending ? 'desc' : 'asc';
    const beyond = plan.descending ? '<' : '>';
    // Ordered by id with a tag: the first tag's index gives the order (as `lead.number`, the same number).
    const leadTag = plan.column === null && order !== 'album' ? (filters.tags[0] ?? null) : null;
    const numberRef = sql.ref(leadTag === null ? 'images.number' : 'lead.number');
    let query = this.filtered(userId, filters, leadTag);
    let column = plan.column;
    if (order === 'album') {
      if (filters.albumId === null) throw new InvalidInput({ order: ['order=album needs album=<id>.'] });
      query = query
        .innerJoin('album_images', 'album_images.image_id', 'images.id')
        .where('album_images.album_id', '=', filters.albumId) as Query;
    }
    if (phase === 1) column = null;
    else if (column !== null && plan.nullable) query = query.where(sql<boolean>`${sql.ref(column)} is not null`);
    if (phase === 1 && plan.column !== null) query = query.where(sql<boolean>`${sql.ref(plan.column)} is null`);
    if (after) {
      if (column === null) query = query.where(sql<boolean>`${numberRef} ${sql.raw(beyond)} ${after.number}`);
      else {
        const ref = sql.ref(column);
        const operator = sql.raw(beyond);
        query = query.where(
          sql<boolean>`(${ref} ${operator} ${after.value} or (${ref} = ${after.value} and images.number ${operator} ${after.number}))`,
        );
      }
    }
    if (column !== null) query = query.orderBy(sql`${sql.ref(column)} ${sql.raw(direction)}`);
    return query
      .orderBy(sql`${numberRef} ${sql.raw(direction)}`)
      .select(column === null ? sql<null>`null`.as('sortValue') : sql<string | number>`${sql.ref(column)}`.as('sortValue'))
      .limit(limit);
  }

  private async phase(userId: number, filters: ListFilters, order: ListOrder, phase: 0 | 1, after: Position | null, limit: number) {
    const rows = await this.pageQuery(userId, filters, order, phase, after, limit).execute();
    return rows as { id: number; number: number; sortValue: string | number | null }[];
  }

  /** A page of the user's images through the filters, after `after` (null: from the start). */
  async list(userId: number, filters: ListFilters, order: ListOrder, limit: number, after: Position | null): Promise<ListPage> {
    const plan = PLANS[order];
    const rows: { row: { id: number; number: number; sortValue: string | number | null }; phase: 0 | 1 }[] = [];
    const startPhase = after?.phase ?? 0;
    for (const phase of [0, 1] as const) {
      if (phase < startPhase || (phase === 1 && !plan.nullable)) continue;
      const found = await this.phase(userId, filters, order, phase, phase === startPhase ? after : null, limit + 1 - rows.length);
      rows.push(...found.map((row) => ({ row, phase })));
      if (rows.length > limit) break;
    }
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const found =
      page.length === 0
        ? []
        : await imageQuery(this.db.kysely)
            .where(
              'images.id',
              'in',
              page.map(({ row }) => row.id),
            )
            .execute();
    const byId = new Map(found.map((row) => [row.rowId, row]));
    // An image deleted between the two reads is left out.
    const images = await this.catalog.records(page.flatMap(({ row }) => byId.get(row.id) ?? []));
    return {
      images,
      next: rows.length > limit && last ? { order, phase: last.phase, value: last.row.sortValue, number: last.row.number } : null,
    };
  }

  /** The user's tags with how many live images carry each. */
  async tags(userId: number): Promise<{ tag: string; count: number }[]> {
    const rows = await this.db.kysely
      .selectFrom('image_tags')
      .innerJoin('images', 'images.id', 'image_tags.image_id')
      .select((eb) => ['image_tags.tag as tag', eb.fn.countAll<number | string>().as('count')])
      .where('image_tags.user_id', '=', userId)
      .where('images.trashed_at', 'is', null)
      .groupBy('image_tags.tag')
      .orderBy('image_tags.tag')
      .execute();
    return rows.map((row) => ({ tag: row.tag, count: Number(row.count) }));
  }
}
