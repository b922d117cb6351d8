import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql, type Kysely, type Updateable } from 'kysely';
import type { FailureLimits } from '../auth/attempts.js';
import type { PasswordHasher } from '../auth/passwords.js';
import { hashToken } from '../auth/tokens.js';
import type { PresetStore } from '../images/presets.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { PreparedQuery } from '../db/prepared.js';
import type { Database, SharesTable } from '../db/schema.js';
import type { Outbox } from '../events/outbox.js';
import { shareResource } from './resource.js';
import { InvalidInput, NotFound, Unauthenticated } from '../errors.js';
import type { Albums } from '../images/albums.js';
import { readExif, type ImageCatalog, type StoredImage } from '../images/catalog.js';
import { collect } from '../images/fields.js';
import type { ImageFormat } from '../processing/formats.js';

/** Most shares one user may have; most images an album share shows. */
export const SHARE_LIMITS = { perUser: 1000, albumImages: 500, label: 200, passwordMin: 8, passwordMax: 128 } as const;

/** What a share may show of an image (the owner's other fields are never read for a visitor). */
export type SharedImage = Pick<
  StoredImage,
  'number' | 'title' | 'sha256' | 'format' | 'width' | 'height' | 'placeholder' | 'dominantColor' | 'exif'
>;

/** How long a password share stays open in a browser once its password was given. */
export const UNLOCK_SECONDS = 3600;

export interface ShareRecord {
  id: number;
  userId: number;
  /** What is shared: an image (its per-user id) or an album (its per-user id). */
  image: number | null;
  album: number | null;
  label: string | null;
  expiresAt: string | null;
  hasPassword: boolean;
  maxViews: number | null;
  views: number;
  lastViewedAt: string | null;
  /** Preset names that may be fetched; null: every preset. */
  presets: string[] | null;
  allowOriginal: boolean;
  allowDownload: boolean;
  indexable: boolean;
  showExif: boolean;
  showLocation: boolean;
  createdAt: string;
}

export interface ShareSettings {
  label?: string | null;
  expiresAt?: string | null;
  password?: string | null;
  maxViews?: number | null;
  presets?: string[] | null;
  allowOriginal?: boolean;
  allowDownload?: boolean;
  indexable?: boolean;
  showExif?: boolean;
  showLocation?: boolean;
}

export interface SharesOptions {
  passwords: PasswordHasher;
  /** Wrong passwords, per link and address and per link from everywhere. */
  failures: FailureLimits;
  /** Signs the unlock cookie a password is exchanged for. */
  secret: string;
  presetNames: readonly string[];
  /** Owners' own presets, which their shares may allow too. */
  presets: PresetStore;
  clock?: Clock;
  /** Where share events go; none: no events. */
  outbox?: Outbox;
}

/** share.viewed is sent at most once a minute per share (per instance). */
const VIEW_EVENT_INTERVAL_MS = 60_000;

/** A share as a visitor reaches it: the share, its owner's link key, and the token's hash (for cookies). */
export interface OpenShare {
  share: ShareRecord;
  tokenHash: string;
  passwordHash: string | null;
}

type ShareRow = Pick<
  SharesTable,
  | 'user_id'
  | 'label'
  | 'expires_at'
  | 'password_hash'
  | 'max_views'
  | 'last_viewed_at'
  | 'presets'
  | 'created_at'
  | 'token_hash'
  | 'image_id'
  | 'album_id'
> & {
  id: number;
  views: number;
  allow_original: number;
  allow_download: number;
  indexable: number;
  show_exif: number;
  show_location: number;
  image: number | null;
  album: number | null;
};

/** How often counted views of shares without a view limit are written. */
const VIEW_FLUSH_MS = 2000;

/** Share links: a URL per recipient, revocable on its own, with expiry, password, view limit and the variants it allows. */
export class Shares {
  /** Views not yet written, by share id: shares without a view limit are counted in memory and written in batches. */
  private readonly pendingViews = new Map<number, { count: number; last: string }>();
  private flushing: Promise<void> | null = null;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly passwords: PasswordHasher;
  private readonly failures: FailureLimits;
  private readonly secret: string;
  private readonly presetNames: readonly string[];
  private readonly presets: PresetStore;
  private readonly clock: Clock;
  private readonly outbox: Outbox | null;
  /** When each share's last share.viewed was recorded here. */
  private readonly viewEvents = new Map<number, number>();

  /** The read behind every public request: built and compiled once. */
  private readonly byToken: PreparedQuery<ShareRow & { disabled_at: string | null }, [string]>;

  constructor(
    private readonly db: Db,
    private readonly catalog: ImageCatalog,
    private readonly albums: Albums,
    options: SharesOptions,
  ) {
    this.passwords = options.passwords;
    this.failures = options.failures;
    this.secret = options.secret;
    this.presetNames = options.presetNames;
    this.presets = options.presets;
    this.clock = options.clock ?? (() => Date.now());
    this.outbox = options.outbox ?? null;
    this.byToken = new PreparedQuery(
      db,
      this.select().innerJoin('users', 'users.id', 'shares.user_id').select('users.disabled_at').where('shares.token_hash', '=', ''),
      1,
    );
    this.flushTimer = setInterval(() => void this.flushViews().catch(() => undefined), VIEW_FLUSH_MS).unref();
  }

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  /**
   * Writes the views counted in memory: one update per share with new views. A crash loses at most
   * the last VIEW_FLUSH_MS of counts of shares without a view limit (those with one are exact).
   */
  async flushViews(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pendingViews.size === 0) return;
    const batch = [...this.pendingViews.entries()];
    this.pendingViews.clear();
    this.flushing = (async () => {
      for (const [id, { count, last }] of batch) {
        await this.db.kysely
          .updateTable('shares')
          .set({ views: sql`views + ${count}`, last_viewed_at: last })
          .where('id', '=', id)
          .execute();
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  /** Writes what is pending and stops the timer (at shutdown). */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flushViews();
  }

  private select(kysely: Kysely<Database> = this.db.kysely) {
    return kysely
      .selectFrom('shares')
      .leftJoin('images', 'images.id', 'shares.image_id')
      .leftJoin('albums', 'albums.id', 'shares.album_id')
      .select([
        'shares.id',
        'shares.user_id',
        'shares.token_hash',
        'shares.image_id',
        'shares.album_id',
        'shares.label',
        'shares.expires_at',
        'shares.password_hash',
        'shares.max_views',
        'shares.views',
        'shares.last_viewed_at',
        'shares.presets',
        'shares.allow_original',
        'shares.allow_download',
        'shares.indexable',
        'shares.show_exif',
        'shares.show_location',
        'shares.created_at',
        'images.number as image',
        'albums.number as album',
      ]);
  }

  private record(row: ShareRow): ShareRecord {
    return {
      id: row.id,
      userId: row.user_id,
      image: row.image,
      album: row.album,
      label: row.label,
      expiresAt: row.expires_at,
      hasPassword: row.password_hash !== null,
      maxViews: row.max_views,
      views: Number(row.views),
      lastViewedAt: row.last_viewed_at,
      presets: row.presets === null ? null : (JSON.parse(row.presets) as string[]),
      allowOriginal: Boolean(row.allow_original),
      allowDownload: Boolean(row.allow_download),
      indexable: Boolean(row.indexable),
      showExif: Boolean(row.show_exif),
      showLocation: Boolean(row.show_location),
      createdAt: row.created_at,
    };
  }

  /** Checks settings, every problem in one 400; returns the columns to write. */
  private async columns(userId: number, settings: ShareSettings): Promise<Updateable<SharesTable>> {
    const columns: Updateable<SharesTable> = {};
    const presetNames =
      settings.presets && settings.presets.length > 0
        ? [...new Set([...this.presetNames, ...(await this.presets.list(userId)).map((preset) => preset.name)])]
        : this.presetNames;
    collect([
      () => {
        if (settings.label === undefined) return;
        const label = settings.label?.trim() || null;
        if (label !== null && [...label].length > SHARE_LIMITS.label)
          throw new InvalidInput({ label: [`Ensure this field has no more than ${SHARE_LIMITS.label} characters.`] });
        columns.label = label;
      },
      () => {
        if (settings.expiresAt === undefined) return;
        if (settings.expiresAt !== null && Date.parse(settings.expiresAt) <= this.clock())
          throw new InvalidInput({ expires_at: ['Ensure this time is in the future.'] });
        columns.expires_at = settings.expiresAt === null ? null : new Date(settings.expiresAt).toISOString();
      },
      () => {
        if (settings.password === undefined || settings.password === null) return;
        const length = [...settings.password].length;
        if (length < SHARE_LIMITS.passwordMin || length > SHARE_LIMITS.passwordMax)
          throw new InvalidInput({
            password: [`Ensure the password has ${SHARE_LIMITS.passwordMin} to ${SHARE_LIMITS.passwordMax} characters.`],
          });
      },
      () => {
        if (settings.maxViews !== undefined) columns.max_views = settings.maxViews;
      },
      () => {
        if (settings.presets === undefined) return;
        if (settings.presets === null) {
          columns.presets = null;
          return;
        }
        const unknown = settings.presets.filter((name) => !presetNames.includes(name));
        if (unknown.length > 0)
          throw new InvalidInput({ presets: [`Unknown presets: ${unknown.join(', ')} (you have ${presetNames.join(', ')}).`] });
        columns.presets = JSON.stringify([...new Set(settings.presets)]);
      },
      () => {
        if (settings.allowOriginal !== undefined) columns.allow_original = settings.allowOriginal ? 1 : 0;
        if (settings.allowDownload !== undefined) columns.allow_download = settings.allowDownload ? 1 : 0;
        if (settings.indexable !== undefined) columns.indexable = settings.indexable ? 1 : 0;
        if (settings.showExif !== undefined) columns.show_exif = settings.showExif ? 1 : 0;
        if (settings.showLocation !== undefined) columns.show_location = settings.showLocation ? 1 : 0;
      },
    ]);
    if (settings.password === null) columns.password_hash = null;
    else if (settings.password !== undefined) columns.password_hash = await this.passwords.hash(settings.password);
    return columns;
  }

  /** A new share of one of the user's images or albums; the token is returned this once. */
  async create(
    userId: number,
    target: { image?: number; album?: number },
    settings: ShareSettings,
  ): Promise<{ share: ShareRecord; token: string }> {
    if ((target.image === undefined) === (target.album === undefined))
      throw new InvalidInput({ non_field_errors: ['Give either image or album.'] });
    const imageId =
      target.image === undefined ? null : (await this.catalog.resolve(this.db.kysely, userId, [target.image])).ids.get(target.image);
    if (target.image !== undefined && imageId === undefined) throw new InvalidInput({ image: ['Not found.'] });
    const albumId = target.album === undefined ? null : await this.albums.rowId(userId, target.album).catch(() => undefined);
    if (target.album !== undefined && albumId === undefined) throw new InvalidInput({ album: ['Not found.'] });
    const columns = await this.columns(userId, settings);
    const count = await this.db.kysely
      .selectFrom('shares')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= SHARE_LIMITS.perUser) throw new InvalidInput({ non_field_errors: [`At most ${SHARE_LIMITS.perUser} shares.`] });
    const token = randomBytes(24).toString('base64url');
    const id = await this.db.kysely.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('shares')
        .values({
          ...columns,
          user_id: userId,
          token_hash: hashToken(token),
          image_id: imageId ?? null,
          album_id: albumId ?? null,
          created_at: this.now(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await this.outbox?.record(trx, userId, 'share.created', async () => shareResource(await this.getIn(trx, userId, inserted.id)));
      return inserted.id;
    });
    return { share: await this.get(userId, id), token };
  }

  async get(userId: number, id: number): Promise<ShareRecord> {
    await this.flushViews();
    const row = await this.select().where('shares.user_id', '=', userId).where('shares.id', '=', id).executeTakeFirst();
    if (!row) throw new NotFound();
    return this.record(row);
  }

  async list(userId: number, filter: { image?: number; album?: number }): Promise<ShareRecord[]> {
    await this.flushViews();
    let query = this.select().where('shares.user_id', '=', userId);
    if (filter.image !== undefined) query = query.where('images.number', '=', filter.image);
    if (filter.album !== undefined) query = query.where('albums.number', '=', filter.album);
    return (await query.orderBy('shares.id').execute()).map((row) => this.record(row));
  }

  async update(userId: number, id: number, settings: ShareSettings): Promise<ShareRecord> {
    await this.get(userId, id);
    const columns = await this.columns(userId, settings);
    if (Object.keys(columns).length > 0) {
      await this.db.kysely.updateTable('shares').set(columns).where('user_id', '=', userId).where('id', '=', id).execute();
    }
    return this.get(userId, id);
  }

  /** Revokes at once: the row goes, and with it the token. */
  async delete(userId: number, id: number): Promise<void> {
    await this.flushViews();
    await this.db.kysely.transaction().execute(async (trx) => {
      const share = await this.getIn(trx, userId, id);
      await this.outbox?.record(trx, userId, 'share.revoked', shareResource(share));
      await trx.deleteFrom('shares').where('id', '=', share.id).execute();
    });
  }

  /** A share as the transaction sees it. */
  private async getIn(trx: Kysely<Database>, userId: number, id: number): Promise<ShareRecord> {
    const row = await this.select(trx).where('shares.user_id', '=', userId).where('shares.id', '=', id).executeTakeFirst();
    if (!row) throw new NotFound();
    return this.record(row);
  }

  /** share.viewed, at most once a minute per share; outside any transaction (a view changes nothing else that must commit with it). */
  private async viewed(share: ShareRecord): Promise<void> {
    if (!this.outbox) return;
    const now = this.clock();
    if (now - (this.viewEvents.get(share.id) ?? 0) < VIEW_EVENT_INTERVAL_MS) return;
    this.viewEvents.set(share.id, now);
    if (this.viewEvents.size > 100_000) this.viewEvents.clear();
    await this.db.kysely
      .transaction()
      .execute((trx) =>
        this.outbox!.record(trx, share.userId, 'share.viewed', { ...shareResource(share), viewed_at: new Date(now).toISOString() }),
      );
  }

  /**
   * The share a token opens, if it still works: not revoked, not expired, views left, its owner
   * enabled. Every other case is the same NotFound, so a visitor cannot tell them apart.
   */
  async open(token: string): Promise<OpenShare> {
    if (!/^[A-Za-z0-9_-]{32}$/.test(token)) throw new NotFound();
    const tokenHash = hashToken(token);
    const row = await this.byToken.first(tokenHash);
    if (!row || row.disabled_at !== null) throw new NotFound();
    const share = this.record(row);
    if (share.expiresAt !== null && share.expiresAt <= this.now()) throw new NotFound();
    if (share.maxViews !== null && share.views >= share.maxViews) throw new NotFound();
    return { share, tokenHash, passwordHash: row.password_hash };
  }

  /**
   * Checks a share's password. Refused (Throttled) once it failed too often from this address, or
   * from all addresses together. A right password does not clear the counts: they bound guesses at
   * the link, whoever else knows it.
   */
  async checkPassword(open: OpenShare, password: string, address: string): Promise<boolean> {
    if (open.passwordHash === null) return false;
    const subject = `share:${open.share.id}`;
    await this.failures.guard(
      subject,
      address,
      (seconds) => `Too many wrong passwords for this share. Expected available in ${seconds} seconds.`,
    );
    const right = await this.passwords.verify(password, open.passwordHash);
    if (!right) await this.failures.recordFailure(subject, address);
    return right;
  }

  private unlockMac(open: OpenShare, expires: number): string {
    return createHmac('sha256', this.secret).update(`share:${open.tokenHash}:${expires}`).digest('base64url');
  }

  /** Exchanges the right password for an unlock value (a cookie's), valid UNLOCK_SECONDS for this share only. */
  async unlock(open: OpenShare, password: string, address: string): Promise<string> {
    if (!(await this.checkPassword(open, password, address))) throw new Unauthenticated('That password is not right.');
    const expires = Math.floor(this.clock() / 1000) + UNLOCK_SECONDS;
    return `${expires}.${this.unlockMac(open, expires)}`;
  }

  /**
   * Whether the visitor may see the share: no password, a valid unlock value, or the right password
   * (sent with each request by API clients). Otherwise Unauthenticated.
   */
  async admit(open: OpenShare, access: { unlock?: string; password?: string; address: string }): Promise<void> {
    if (!open.share.hasPassword) return;
    const cookie = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(access.unlock ?? '');
    if (cookie && Number(cookie[1]) * 1000 >= this.clock()) {
      const expected = Buffer.from(this.unlockMac(open, Number(cookie[1])));
      const given = Buffer.from(cookie[2]!);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return;
    }
    if (access.password !== undefined && (await this.checkPassword(open, access.password, access.address))) return;
    throw new Unauthenticated('This share needs its password: send it in X-Share-Password, or open the link in a browser.');
  }

  /**
   * Counts a view (a page or its JSON, not each byte request). A share with a view limit is counted
   * exactly across instances: one atomic update that succeeds only while views are left (false when
   * the last one was taken). Others are counted in memory and written every VIEW_FLUSH_MS.
   */
  async view(share: ShareRecord): Promise<boolean> {
    if (share.maxViews === null) {
      const pending = this.pendingViews.get(share.id);
      this.pendingViews.set(share.id, { count: (pending?.count ?? 0) + 1, last: this.now() });
      await this.viewed(share);
      return true;
    }
    const updated = await this.db.kysely
      .updateTable('shares')
      .set({ views: sql`views + 1`, last_viewed_at: this.now() })
      .where('id', '=', share.id)
      .where((eb) => eb.or([eb('max_views', 'is', null), eb('views', '<', eb.ref('max_views'))]))
      .executeTakeFirst();
    const counted = Number(updated.numUpdatedRows) === 1;
    if (counted) await this.viewed(share);
    return counted;
  }

  /** The fields of an image a share may publish, read in one query with its bytes' facts. */
  private sharedImages(userId: number) {
    return this.db.kysely
      .selectFrom('images')
      .innerJoin('blobs', 'blobs.sha256', 'images.sha256')
      .select([
        'images.number as number',
        'images.title as title',
        'images.sha256 as sha256',
        'images.exif as exif',
        'blobs.format as format',
        'blobs.width as width',
        'blobs.height as height',
        'blobs.placeholder as placeholder',
        'blobs.dominant_color as dominantColor',
      ])
      .where('images.user_id', '=', userId)
      .where('images.trashed_at', 'is', null)
      .where(sql<boolean>`(images.expires_at is null or images.expires_at > ${this.now()})`);
  }

  /**
   * What a share shows now, and its title: its image, or its album's images in album order (at most
   * SHARE_LIMITS.albumImages); none in the trash. Only the fields a visitor may see are read.
   */
  async content(share: ShareRecord): Promise<{ title: string | null; images: SharedImage[] }> {
    const toShared = ({ exif, format, ...row }: { exif: string | null; format: string } & Omit<SharedImage, 'exif' | 'format'>) => ({
      ...row,
      format: format as ImageFormat,
      exif: readExif(exif),
    });
    if (share.image !== null) {
      const row = await this.sharedImages(share.userId).where('images.number', '=', share.image).executeTakeFirst();
      if (!row) throw new NotFound();
      return { title: row.title, images: [toShared(row)] };
    }
    if (share.album === null) throw new NotFound();
    const album = await this.db.kysely
      .selectFrom('albums')
      .select(['id', 'title'])
      .where('user_id', '=', share.userId)
      .where('number', '=', share.album)
      .executeTakeFirst();
    if (!album) throw new NotFound();
    const rows = await this.sharedImages(share.userId)
      .innerJoin('album_images', 'album_images.image_id', 'images.id')
      .where('album_images.album_id', '=', album.id)
      .orderBy('album_images.position')
      .orderBy('images.number')
      .limit(SHARE_LIMITS.albumImages)
      .execute();
    return { title: album.title, images: rows.map(toShared) };
  }

  /** One image of the share, by its per-user id; NotFound if the share does not show it (now). */
  async image(share: ShareRecord, number: number): Promise<StoredImage> {
    if (share.image !== null) {
      if (number !== share.image) throw new NotFound();
      return this.catalog.stored(share.userId, number, { live: true });
    }
    if (share.album === null) throw new NotFound();
    const image = await this.catalog.stored(share.userId, number, { live: true });
    const member = await this.db.kysely
      .selectFrom('album_images')
      .innerJoin('albums', 'albums.id', 'album_images.album_id')
      .select('album_images.image_id')
      .where('albums.user_id', '=', share.userId)
      .where('albums.number', '=', share.album)
      .where('album_images.image_id', '=', image.rowId)
      .executeTakeFirst();
    if (!member) throw new NotFound();
    return image;
  }
}
