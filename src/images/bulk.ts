import type { Db } from '../db/database.js';
import { InvalidInput } from '../errors.js';
import type { Albums } from './albums.js';
import { unknownIds, type ImageCatalog } from './catalog.js';
import { normaliseTags } from './fields.js';
import { readLabels, writeLabels } from './labels.js';

export type BulkAction =
  | { action: 'delete' | 'trash' | 'restore' }
  | { action: 'add_tags' | 'remove_tags'; tags: readonly string[] }
  | { action: 'add_to_album' | 'remove_from_album'; album: number };

/** Most images one bulk request may name. */
export const BULK_LIMIT = 1000;

/** One action on many of a user's images: all of it in one transaction, or nothing. */
export class BulkActions {
  constructor(
    private readonly db: Db,
    private readonly catalog: ImageCatalog,
    private readonly albums: Albums,
  ) {}

  /** Applies the action; a 400 naming the ids that are not the caller's (whether or not they exist) changes nothing. */
  async apply(userId: number, numbers: readonly number[], request: BulkAction): Promise<number> {
    if (numbers.length > BULK_LIMIT) throw new InvalidInput({ ids: [`Ensure this field has no more than ${BULK_LIMIT} elements.`] });
    const tags =
      request.action === 'add_tags' || request.action === 'remove_tags'
        ? normaliseTags(request.tags.length > 0 ? request.tags : fail('tags', 'This field is required for this action.'))
        : [];
    const released = await this.db.kysely.transaction().execute(async (trx) => {
      // The user's row is locked first (PostgreSQL), as uploads do, so bulk actions and uploads of one user do not deadlock.
      await trx
        .updateTable('users')
        .set({ next_image_number: (eb) => eb.ref('next_image_number') })
        .where('id', '=', userId)
        .execute();
      const { ids, unknown } = await this.catalog.resolve(trx, userId, numbers);
      if (unknown.length > 0) throw unknownIds('ids', unknown);
      const rowIds = [...new Set(ids.values())];
      switch (request.action) {
        case 'delete':
          return this.catalog.deleteRows(trx, rowIds);
        case 'trash':
        case 'restore':
          await this.catalog.setTrashed(trx, userId, rowIds, request.action === 'trash');
          return [];
        case 'add_to_album':
        case 'remove_from_album': {
          const albumId = await this.albums.lockedAlbum(trx, userId, request.album);
          if (request.action === 'add_to_album') await this.albums.addImageIds(trx, albumId, rowIds);
          else await this.albums.removeImageIds(trx, albumId, rowIds);
          return [];
        }
        case 'add_tags':
        case 'remove_tags': {
          const rows = await trx
            .selectFrom('images')
            .select(['id', 'number', 'filename', 'title', 'description', 'tags', 'metadata'])
            .where('id', 'in', rowIds)
            .execute();
          const given = new Set(tags);
          const changed: number[] = [];
          for (const row of rows) {
            const labels = readLabels(row);
            const next =
              request.action === 'add_tags' ? normaliseTags([...labels.tags, ...tags]) : labels.tags.filter((tag) => !given.has(tag));
            if (next.length === labels.tags.length && next.every((tag, i) => tag === labels.tags[i])) continue;
            await writeLabels(trx, { id: row.id, userId, number: row.number, filename: row.filename }, { ...labels, tags: next });
            changed.push(row.id);
          }
          await this.catalog.emit(trx, userId, 'image.updated', changed);
          return [];
        }
      }
    });
    await this.catalog.releaseAll(released);
    return new Set(numbers).size;
  }
}

function fail(field: string, message: string): never {
  throw new InvalidInput({ [field]: [message] });
}
