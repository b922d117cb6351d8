import type { Kysely, Migration } from 'kysely';

/** What a share may publish beyond its images: search engines, the EXIF summary, the location. */
export const shareOptions: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of ['indexable', 'show_exif', 'show_location']) {
      await db.schema
        .alterTable('shares')
        .addColumn(column, 'integer', (col) => col.notNull().defaultTo(0))
        .execute();
    }
  },
};
