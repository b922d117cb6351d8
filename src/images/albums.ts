import { sql, type Kysely, type Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { InvalidInput, NotFound } from '../errors.js';
import { ALBUM_LIMITS } from '../schemas/albums.js';
import { imageQuery, unknownIds, type ImageCatalog, type ImageRecord } from './catalog.js';
import { collect } from './fields.js';
import type { Outbox } from '../events/outbox.js';

export interface AlbumRecord {
  rowId: number;
  number: number;
  title: string;
  description: string | null;
  /** Images in the album that are not in the trash. */
  imageCount: number;
  /** The first of those, in album order. */
  cover: ImageRecord | null;
  createdAt: string;
  updatedAt: string;
}

export interface AlbumPage {
  albums: AlbumRecord[];
  nextAfter: number | null;
}

function checkAlbumTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed === '') throw new InvalidInput({ title: ['This field may not be blank.'] });
  if ([...trimmed].length > ALBUM_LIMITS.title)
    throw new InvalidInput({ title: [`Ensure this field has no more than ${ALBUM_LIMITS.title} characters.`] });
  return trimmed;
}

function checkAlbumDescription(description: string | null): string | null {
  if (description === null || description.trim() === '') return null;
  if ([...description].length > ALBUM_LIMITS.description)
    throw new InvalidInput({ description: [`Ensure this field has no more than ${ALBUM_LIMITS.description} characters.`] });
  return description;
}

function checkAlbumFields(input: { title?: string; description?: string | null }): { title?: string; description?: string | null } {
  const checked: { title?: string; description?: string | null } = {};
  collect([
    () => input.title !== undefined && (checked.title = checkAlbumTitle(input.title)),
    () => input.description !== undefined && (checked.description = checkAlbumDescription(input.description)),
  ]);
  return checked;
}

/** Each user's albums: ordered sets of their images. Deleting an album never deletes an image. */
export class Albums {
  constructor(
    private readonly db: Db,
    private readonly catalog: ImageCatalog,
    private readonly clock: Clock = () => Date.now(),
    private readonly outbox: Outbox | null = null,
  ) {}

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  /** An album event, with the album as the transaction sees it (without its cover link). */
  private async emit(trx: Kysely<Database>, userId: number, type: 'album.created' | 'album.updated' | 'album.deleted', number: number) {
    await this.outbox?.record(trx, userId, type, async () => {
      const album = await trx
        .selectFrom('albums')
        .select(['number as id', 'title', 'description', 'created_at', 'updated_at'])
        .where('user_id', '=', userId)
        .where('number', '=', number)
        .executeTakeFirstOrThrow();
      return album;
    });
  }

  async create(userId: number, input: { title: string; description?: string | null }): Promise<AlbumRecord> {
    const fields = checkAlbumFields(input);
    const timestamp = this.now();
    const number = await this.db.kysely.transaction().execute(async (trx) => {
      const allocated = await trx
        .updateTable('users')
        .set({ next_album_number: sql`next_album_number + 1` })
        .where('id', '=', userId)
        .where('disabled_at', 'is', null)
        .returning('next_album_number')
        .executeTakeFirst();
      if (!allocated) throw new NotFound();
      const albumNumber = allocated.next_album_number - 1;
      await trx
        .insertInto('albums')
        .values({
          user_id: userId,
          number: albumNumber,
          title: fields.title ?? '',
          description: fields.description ?? null,
          created_at: timestamp,
          updated_at: timestamp,
        })
        .execute();
      await this.emit(trx, userId, 'album.created', albumNumber);
      return albumNumber;
    });
    return this.get(userId, number);
  }

  /** The album's internal id; 404 for an unknown album or another user's. */
  async rowId(userId: number, number: number, kysely: Kysely<Database> = this.db.kysely): Promise<number> {
    const album = await kysely
      .selectFrom('albums')
      .select('id')
      .where('user_id', '=', userId)
      .where('number', '=', number)
      .executeTakeFirst();
    if (!album) throw new NotFound();
    return album.id;
  }

  /** Albums with their live image count and cover, in one query each for the albums, counts and covers. */
  private async records(
    rows: { id: number; number: number; title: string; description: string | null; created_at: string; updated_at: string }[],
  ) {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const now = this.now();
    const live = (kysely: Kysely<Database>) =>
      kysely
        .selectFrom('album_images')
        .innerJoin('images', 'images.id', 'album_images.image_id')
        .where('album_images.album_id', 'in', ids)
        .where('images.trashed_at', 'is', null)
        .where(sql<boolean>`(images.expires_at is null or images.expires_at > ${now})`);
    const counts = await live(this.db.kysely)
      .select((eb) => ['album_images.album_id as albumId', eb.fn.countAll<number | string>().as('count')])
      .groupBy('album_images.album_id')
      .execute();
    const firsts = await live(this.db.kysely)
      .select(['album_images.album_id as albumId', 'album_images.image_id as imageId'])
      .where(({ eb, selectFrom }) =>
        eb(
          'album_images.position',
          '=',
          selectFrom('album_images as first')
            .innerJoin('images as firstImage', 'firstImage.id', 'first.image_id')
            .select((inner) => inner.fn.min('first.position').as('position'))
            .whereRef('first.album_id', '=', 'album_images.album_id')
            .where('firstImage.trashed_at', 'is', null)
            .where(sql<boolean>`(${sql.ref('firstImage.expires_at')} is null or ${sql.ref('firstImage.expires_at')} > ${now})`),
        ),
      )
      .execute();
    const coverRows =
      firsts.length === 0
        ? []
        : await imageQuery(this.db.kysely)
            .where(
              'images.id',
              'in',
              firsts.map((row) => row.imageId),
            )
            .execute();
    const covers = new Map((await this.catalog.records(coverRows)).map((image) => [image.rowId, image]));
    const countOf = new Map(counts.map((row) => [row.albumId, Number(row.count)]));
    const coverOf = new Map(firsts.map((row) => [row.albumId, covers.get(row.imageId) ?? null]));
    return rows.map((row) => ({
      rowId: row.id,
      number: row.number,
      title: row.title,
      description: row.description,
      imageCount: countOf.get(row.id) ?? 0,
      cover: coverOf.get(row.id) ?? null,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  private selectAlbums() {
    return this.db.kysely.selectFrom('albums').select(['id', 'number', 'title', 'description', 'created_at', 'updated_at']);
  }

  async get(userId: number, number: number): Promise<AlbumRecord> {
    const row = await this.selectAlbums().where('user_id', '=', userId).where('number', '=', number).executeTakeFirst();
    if (!row) throw new NotFound();
    const [album] = await this.records([row]);
    return album as AlbumRecord;
  }

  /** The user's albums by id, a page at a time. */
  async list(userId: number, limit: number, after: number): Promise<AlbumPage> {
    const rows = await this.selectAlbums()
      .where('user_id', '=', userId)
      .where('number', '>', after)
      .orderBy('number')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    return { albums: await this.records(page), nextAfter: rows.length > limit ? (page.at(-1)?.number ?? null) : null };
  }

  async update(userId: number, number: number, change: { title?: string; description?: string | null }): Promise<AlbumRecord> {
    const fields = checkAlbumFields(change);
    await this.db.kysely.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('albums')
        .set({ ...fields, updated_at: this.now() })
        .where('user_id', '=', userId)
        .where('number', '=', number)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new NotFound();
      await this.emit(trx, userId, 'album.updated', number);
    });
    return this.get(userId, number);
  }

  /** Deletes the album; its images stay. */
  async delete(userId: number, number: number): Promise<void> {
    await this.db.kysely.transaction().execute(async (trx) => {
      const exists = await trx
        .selectFrom('albums')
        .select('id')
        .where('user_id', '=', userId)
        .where('number', '=', number)
        .executeTakeFirst();
      if (!exists) throw new NotFound();
      // The event carries the album as it was.
      await this.emit(trx, userId, 'album.deleted', number);
      await trx.deleteFrom('albums').where('id', '=', exists.id).execute();
    });
  }

  private async touch(trx: Kysely<Database>, albumId: number): Promise<void> {
    await trx.updateTable('albums').set({ updated_at: this.now() }).where('id', '=', albumId).execute();
  }

  /** Image row ids for the numbers given, all the user's, or a 400 naming those that are not. */
  private async imageIds(trx: Kysely<Database>, userId: number, numbers: readonly number[]): Promise<number[]> {
    const { ids, unknown } = await this.catalog.resolve(trx, userId, numbers);
    if (unknown.length > 0) throw unknownIds('ids', unknown);
    return [...new Set(numbers)].map((number) => ids.get(number) as number);
  }

  /**
   * Adds images after the ones already there, in the order given; images already in the album keep
   * their place (adding is idempotent). In the caller's transaction when given one (bulk actions).
   */
  async addImageIds(trx: Kysely<Database>, albumId: number, imageIds: readonly number[]): Promise<void> {
    const present = new Set(
      (await trx.selectFrom('album_images').select('image_id').where('album_id', '=', albumId).execute()).map((row) => row.image_id),
    );
    const added = [...new Set(imageIds)].filter((id) => !present.has(id));
    if (present.size + added.length > ALBUM_LIMITS.images)
      throw new InvalidInput({ ids: [`An album holds at most ${ALBUM_LIMITS.images} images.`] });
    if (added.length === 0) return;
    const last = await trx
      .selectFrom('album_images')
      .select((eb) => eb.fn.max('position').as('position'))
      .where('album_id', '=', albumId)
      .executeTakeFirst();
    const start = Number(last?.position ?? 0) + 1;
    for (let i = 0; i < added.length; i += 500) {
      await trx
        .insertInto('album_images')
        .values(added.slice(i, i + 500).map((imageId, index) => ({ album_id: albumId, image_id: imageId, position: start + i + index })))
        .execute();
    }
    await this.touch(trx, albumId);
  }

  async removeImageIds(trx: Kysely<Database>, albumId: number, imageIds: readonly number[]): Promise<void> {
    if (imageIds.length === 0) return;
    await trx
      .deleteFrom('album_images')
      .where('album_id', '=', albumId)
      .where('image_id', 'in', [...imageIds])
      .execute();
    await this.touch(trx, albumId);
  }

  async addImages(userId: number, number: number, numbers: readonly number[]): Promise<AlbumRecord> {
    await this.db.kysely.transaction().execute(async (trx) => {
      const albumId = await this.lockedAlbum(trx, userId, number);
      await this.addImageIds(trx, albumId, await this.imageIds(trx, userId, numbers));
    });
    return this.get(userId, number);
  }

  async removeImage(userId: number, number: number, imageNumber: number): Promise<void> {
    await this.db.kysely.transaction().execute(async (trx) => {
      const albumId = await this.lockedAlbum(trx, userId, number);
      const { ids } = await this.catalog.resolve(trx, userId, [imageNumber]);
      const imageId = ids.get(imageNumber);
      const member =
        imageId !== undefined &&
        (await trx
          .selectFrom('album_images')
          .select('image_id')
          .where('album_id', '=', albumId)
          .where('image_id', '=', imageId)
          .executeTakeFirst());
      if (!member || imageId === undefined) throw new NotFound();
      await this.removeImageIds(trx, albumId, [imageId]);
    });
  }

  /** Makes the album hold exactly these images, in this order. */
  async setImages(userId: number, number: number, numbers: readonly number[]): Promise<AlbumRecord> {
    await this.db.kysely.transaction().execute(async (trx) => {
      const albumId = await this.lockedAlbum(trx, userId, number);
      const imageIds = await this.imageIds(trx, userId, numbers);
      await trx.deleteFrom('album_images').where('album_id', '=', albumId).execute();
      for (let i = 0; i < imageIds.length; i += 500) {
        await trx
          .insertInto('album_images')
          .values(imageIds.slice(i, i + 500).map((imageId, index) => ({ album_id: albumId, image_id: imageId, position: i + index + 1 })))
          .execute();
      }
      await this.touch(trx, albumId);
    });
    return this.get(userId, number);
  }

  /**
   * Puts a new image into an album, inside the transaction that creates the image (an upload's `album`
   * field): both are kept or neither. An album that is not the user's is a 400 naming `album`.
   */
  async placeNew(trx: Transaction<Database>, userId: number, albumNumber: number, imageNumber: number): Promise<void> {
    let albumId: number;
    try {
      albumId = await this.lockedAlbum(trx, userId, albumNumber);
    } catch (error) {
      if (error instanceof NotFound) throw unknownAlbum(albumNumber);
      throw error;
    }
    await this.addImageIds(trx, albumId, await this.imageIds(trx, userId, [imageNumber]));
  }

  /** Checks before an upload's bytes arrive that its `album` exists. */
  async checkExists(userId: number, albumNumber: number): Promise<void> {
    await this.rowId(userId, albumNumber).catch((error: unknown) => {
      throw error instanceof NotFound ? unknownAlbum(albumNumber) : error;
    });
  }

  /** The album's id, its row locked (PostgreSQL) so that changes to one album's images run one at a time. */
  async lockedAlbum(trx: Transaction<Database>, userId: number, number: number): Promise<number> {
    const query = trx.selectFrom('albums').select('id').where('user_id', '=', userId).where('number', '=', number);
    const album = await (this.db.dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
    if (!album) throw new NotFound();
    return album.id;
  }
}

function unknownAlbum(number: number): InvalidInput {
  return new InvalidInput({ album: [`Invalid pk "${number}" - object does not exist.`] });
}
