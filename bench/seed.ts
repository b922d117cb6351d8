/**
 * Large collections for the list benchmarks, written straight into the database (through the same
 * Kysely schema the server uses, on SQLite or PostgreSQL): image rows pointing at one stored blob,
 * with tags and searchable titles, as the catalog would have written them.
 */
import { sql } from 'kysely';
import { refreshStatistics, type Db } from '../src/db/database.js';
import { searchText } from '../src/images/search.js';

export const BENCH_TAGS = Array.from({ length: 20 }, (_, i) => `tag${i}`);
const WORDS = ['harbour', 'mountain', 'city', 'forest', 'river', 'beach', 'street', 'garden', 'bridge', 'market'];

/** Adds `count` images to the user (after the ones it has), each with two of the 20 tags and a two-word title. */
export async function seedImages(db: Db, userId: number, sha256: string, count: number): Promise<void> {
  const now = new Date().toISOString();
  const user = await db.kysely.selectFrom('users').select('next_image_number').where('id', '=', userId).executeTakeFirstOrThrow();
  const first = user.next_image_number;
  for (let start = 0; start < count; start += 500) {
    const numbers = Array.from({ length: Math.min(500, count - start) }, (_, i) => first + start + i);
    const rows = numbers.map((number) => {
      // Words independent of the tags: one image in ten has each first word, in runs of 20.
      const title = `${WORDS[Math.floor(number / 20) % WORDS.length]} ${WORDS[(number * 7 + 3) % WORDS.length]} ${number}`;
      const tags = [BENCH_TAGS[number % 20]!, BENCH_TAGS[(number * 3 + 1) % 20]!].filter((tag, i, all) => all.indexOf(tag) === i);
      return { number, title, tags };
    });
    await db.kysely.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('images')
        .values(
          rows.map(({ number, title, tags }) => ({
            user_id: userId,
            number,
            sha256,
            filename: `img${number}.png`,
            exif: null,
            created_at: now,
            updated_at: now,
            title,
            tags: JSON.stringify(tags),
            search_text: searchText([`img${number}.png`, title, ...tags]),
            format: 'png',
            width: 2,
            height: 2,
          })),
        )
        .returning(['id', 'number'])
        .execute();
      const ids = new Map(inserted.map((row) => [row.number, row.id]));
      await trx
        .insertInto('image_tags')
        .values(rows.flatMap(({ number, tags }) => tags.map((tag) => ({ image_id: ids.get(number)!, user_id: userId, number, tag }))))
        .execute();
    });
  }
  await db.kysely
    .updateTable('users')
    .set({ next_image_number: first + count })
    .where('id', '=', userId)
    .execute();
  await db.kysely
    .updateTable('blobs')
    .set({ ref_count: sql`ref_count + ${count}` })
    .where('sha256', '=', sha256)
    .execute();
  await refreshStatistics(db);
}
