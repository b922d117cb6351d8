import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { PreparedQuery } from '../db/prepared.js';
import type { ApiKeysTable } from '../db/schema.js';
import { InvalidInput, NotFound, Unauthenticated } from '../errors.js';
import type { Clock } from '../clock.js';
import { hashToken, sameHash } from './tokens.js';
import { SCOPES, type Scope } from './scopes.js';

export const KEY_PREFIX = 'imk_';
/** `imk_` and 32 random bytes in base64url (256 bits). */
export const KEY_PATTERN = /^imk_[A-Za-z0-9_-]{43}$/;
export const MAX_KEYS_PER_USER = 50;
/** How often a key's last use is written: at most once a minute, so that reads do not become writes. */
const LAST_USE_INTERVAL_MS = 60_000;

export interface ApiKey {
  id: number;
  name: string;
  scopes: Scope[];
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedFrom: string | null;
}

export interface KeyOwner {
  userId: number;
  username: string;
  admin: boolean;
  keyId: number;
  scopes: ReadonlySet<Scope>;
}

/** Parsed scope lists, by their stored text: keys share a handful of combinations, and this runs on every request. */
const scopeSets = new Map<string, ReadonlySet<Scope>>();
function scopeSet(stored: string): ReadonlySet<Scope> {
  let set = scopeSets.get(stored);
  if (!set) {
    if (scopeSets.size > 1000) scopeSets.clear();
    set = new Set(JSON.parse(stored) as Scope[]);
    scopeSets.set(stored, set);
  }
  return set;
}

type KeyRow = Pick<ApiKeysTable, 'name' | 'prefix' | 'scopes' | 'created_at' | 'expires_at' | 'last_used_at' | 'last_used_from'> & {
  id: number;
};

function toKey(row: KeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as Scope[],
    prefix: row.prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    lastUsedFrom: row.last_used_from,
  };
}

interface KeyLookup {
  id: number;
  key_hash: string;
  scopes: string;
  expires_at: string | null;
  last_used_at: string | null;
  user_id: number;
  username: string;
  is_admin: number;
  disabled_at: string | null;
}

/** The scopes given, in canonical order, each once. */
function canonicalScopes(scopes: readonly Scope[]): Scope[] {
  return SCOPES.filter((scope) => scopes.includes(scope));
}

interface ParsedKey {
  owner: KeyOwner;
  /** Milliseconds since the epoch; Infinity: never expires. */
  expiresAt: number;
  /** -Infinity: never used. */
  lastUsedAt: number;
}

/** API keys: several per user, each with the scopes it may use; the secret is shown once and stored only as a hash. */
export class ApiKeys {
  private readonly bySecret: PreparedQuery<KeyLookup, [string]>;
  private readonly parsed = new WeakMap<Readonly<KeyLookup>, ParsedKey>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    const query = db.kysely
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.user_id')
      .select([
        'api_keys.id as id',
        'api_keys.key_hash as key_hash',
        'api_keys.scopes as scopes',
        'api_keys.expires_at as expires_at',
        'api_keys.last_used_at as last_used_at',
        'users.id as user_id',
        'users.username as username',
        'users.is_admin as is_admin',
        'users.disabled_at as disabled_at',
      ])
      .where('api_keys.key_hash', '=', '');
    this.bySecret = new PreparedQuery(db, query, 1);
  }

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  /**
   * Creates a key. It may hold only scopes the grantor holds (a key with `keys` cannot mint a
   * stronger key), `admin` only for an admin account, and it must expire in the future if at all.
   */
  async create(
    userId: number,
    grantor: { scopes: ReadonlySet<Scope>; admin: boolean },
    input: { name: string; scopes: Scope[]; expiresAt: string | null },
  ): Promise<{ key: ApiKey; secret: string }> {
    const name = input.name.trim();
    if (name === '') throw new InvalidInput({ name: ['This field may not be blank.'] });
    const beyond = input.scopes.filter((scope) => !grantor.scopes.has(scope) || (scope === 'admin' && !grantor.admin));
    if (beyond.length > 0)
      throw new InvalidInput({ scopes: [`You cannot grant ${beyond.join(', ')}: the credentials you use do not hold it.`] });
    if (input.expiresAt !== null && Date.parse(input.expiresAt) <= this.clock()) {
      throw new InvalidInput({ expires_at: ['Ensure this time is in the future.'] });
    }
    const secret = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = await this.db.kysely.transaction().execute(async (trx) => {
      // Locks the user's row (PostgreSQL), so that two creations cannot both pass the count.
      await trx
        .updateTable('users')
        .set({ next_image_number: sql`next_image_number` })
        .where('id', '=', userId)
        .execute();
      const { count } = await trx
        .selectFrom('api_keys')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
      if (Number(count) >= MAX_KEYS_PER_USER) {
        throw new InvalidInput({ non_field_errors: [`You have ${MAX_KEYS_PER_USER} keys, the most allowed: revoke one first.`] });
      }
      return trx
        .insertInto('api_keys')
        .values({
          user_id: userId,
          name,
          key_hash: hashToken(secret),
          prefix: secret.slice(0, KEY_PREFIX.length + 4),
          scopes: JSON.stringify(canonicalScopes(input.scopes)),
          created_at: this.now(),
          expires_at: input.expiresAt === null ? null : new Date(input.expiresAt).toISOString(),
          last_used_at: null,
          last_used_from: null,
        })
        .returning(['id', 'name', 'prefix', 'scopes', 'created_at', 'expires_at', 'last_used_at', 'last_used_from'])
        .executeTakeFirstOrThrow();
    });
    return { key: toKey(row), secret };
  }

  async list(userId: number): Promise<ApiKey[]> {
    const rows = await this.db.kysely
      .selectFrom('api_keys')
      .select(['id', 'name', 'prefix', 'scopes', 'created_at', 'expires_at', 'last_used_at', 'last_used_from'])
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute();
    return rows.map(toKey);
  }

  async get(userId: number, id: number): Promise<ApiKey> {
    const key = (await this.list(userId)).find((candidate) => candidate.id === id);
    if (!key) throw new NotFound();
    return key;
  }

  /** Renames a key or narrows its scopes: a key never gains a scope it did not have. */
  async update(userId: number, id: number, change: { name?: string; scopes?: Scope[] }): Promise<ApiKey> {
    const current = await this.get(userId, id);
    const name = change.name?.trim();
    if (name === '') throw new InvalidInput({ name: ['This field may not be blank.'] });
    if (change.scopes) {
      const added = change.scopes.filter((scope) => !current.scopes.includes(scope));
      if (added.length > 0) {
        throw new InvalidInput({
          scopes: [`A key's scopes can only be narrowed: ${added.join(', ')} is not among its scopes. Create a new key instead.`],
        });
      }
    }
    await this.db.kysely
      .updateTable('api_keys')
      .set({ ...(name ? { name } : {}), ...(change.scopes ? { scopes: JSON.stringify(canonicalScopes(change.scopes)) } : {}) })
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .execute();
    return this.get(userId, id);
  }

  /** Revokes at once: the key is deleted, and every instance reads keys on each request. */
  async revoke(userId: number, id: number): Promise<void> {
    const removed = await this.db.kysely.deleteFrom('api_keys').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) throw new NotFound();
  }

  async revokeAll(userId: number): Promise<number> {
    const removed = await this.db.kysely.deleteFrom('api_keys').where('user_id', '=', userId).executeTakeFirst();
    return Number(removed.numDeletedRows);
  }

  /** The owner of a key and what it may do; 401 for an unknown, revoked or expired key, or a disabled account. */
  async authenticate(secret: string, address: string): Promise<KeyOwner> {
    if (!KEY_PATTERN.test(secret)) throw new Unauthenticated('Invalid token.');
    const hash = hashToken(secret);
    const row = await this.bySecret.first(hash);
    if (!row || !sameHash(row.key_hash, hash)) throw new Unauthenticated('Invalid token.');
    const key = this.read(row);
    const now = this.clock();
    if (key.expiresAt <= now) throw new Unauthenticated('Invalid token.');
    if (row.disabled_at !== null) throw new Unauthenticated('User inactive or deleted.');
    if (now - key.lastUsedAt >= LAST_USE_INTERVAL_MS) {
      await this.db.kysely
        .updateTable('api_keys')
        .set({ last_used_at: new Date(now).toISOString(), last_used_from: address.slice(0, 64) })
        .where('id', '=', row.id)
        .execute();
    }
    return key.owner;
  }

  /** A key row's owner and times, parsed once per row (on SQLite the same row is handed out while it is unchanged). */
  private read(row: Readonly<KeyLookup>): ParsedKey {
    let parsed = this.parsed.get(row);
    if (!parsed) {
      parsed = {
        owner: Object.freeze({
          userId: row.user_id,
          username: row.username,
          admin: Boolean(row.is_admin),
          keyId: row.id,
          scopes: scopeSet(row.scopes),
        }),
        expiresAt: row.expires_at === null ? Infinity : Date.parse(row.expires_at),
        lastUsedAt: row.last_used_at === null ? -Infinity : Date.parse(row.last_used_at),
      };
      this.parsed.set(row, parsed);
    }
    return parsed;
  }
}
