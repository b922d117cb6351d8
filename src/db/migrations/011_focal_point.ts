import type { Kysely, Migration } from 'kysely';

/** The subject of an image, as fractions of its upright width and height: what `position=focal` crops keep. */
export const focalPoint: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of ['focal_x', 'focal_y']) {
      await db.schema.alterTable('images').addColumn(column, 'real').execute();
    }
  },
};
