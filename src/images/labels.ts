import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { metadataText, type Metadata } from './fields.js';
import { searchText } from './search.js';

/** What a user wrote on an image. */
export interface Labels {
  title: string | null;
  description: string | null;
  tags: string[];
  metadata: Metadata | null;
}

export const NO_LABELS: Labels = { title: null, description: null, tags: [], metadata: null };

/**
 * Writes an image's labels in the caller's transaction: the columns (tags and metadata also as JSON,
 * for reading), the search words, and the indexed rows (one per tag, one per metadata value) that
 * filters use. `filename` is part of the search words.
 */
export async function writeLabels(
  trx: Kysely<Database>,
  image: { id: number; userId: number; number: number; filename: string },
  labels: Labels,
): Promise<void> {
  await trx
    .updateTable('images')
    .set({
      title: labels.title,
      description: labels.description,
      tags: JSON.stringify(labels.tags),
      metadata: labels.metadata ? JSON.stringify(labels.metadata) : null,
      search_text: searchText([image.filename, labels.title, labels.description, ...labels.tags]),
    })
    .where('id', '=', image.id)
    .execute();
  await trx.deleteFrom('image_tags').where('image_id', '=', image.id).execute();
  if (labels.tags.length > 0) {
    await trx
      .insertInto('image_tags')
      .values(labels.tags.map((tag) => ({ image_id: image.id, user_id: image.userId, number: image.number, tag })))
      .execute();
  }
  await trx.deleteFrom('image_metadata').where('image_id', '=', image.id).execute();
  const entries = Object.entries(labels.metadata ?? {});
  if (entries.length > 0) {
    await trx
      .insertInto('image_metadata')
      .values(entries.map(([key, value]) => ({ image_id: image.id, user_id: image.userId, key, value: metadataText(value) })))
      .execute();
  }
}

/** An image's labels as stored. */
export function readLabels(row: { title: string | null; description: string | null; tags: string; metadata: string | null }): Labels {
  return {
    title: row.title,
    description: row.description,
    tags: JSON.parse(row.tags) as string[],
    metadata: row.metadata ? (JSON.parse(row.metadata) as Metadata) : null,
  };
}
