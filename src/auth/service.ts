import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { isUniqueViolation, type Db } from '../db/database.js';
import { PreparedQuery } from '../db/prepared.js';
import { now, type Database, type UserRow } from '../db/schema.js';
import { InvalidInput, Unauthenticated } from '../errors.js';
import type { FailureLimits } from './attempts.js';
import { KEY_PREFIX, type ApiKeys } from './keys.js';
import type { PasswordHasher } from './passwords.js';
import { allScopes, type Scope } from './scopes.js';
import { hashToken, sameHash, TOKEN_PATTERN, type TokenIssuer } from './tokens.js';
import { MESSAGES, normaliseUsername, passwordProblems, registrationProblems, usernameKey } from './validation.js';

export interface AuthenticatedUser {
  id: number;
  username: string;
  admin: boolean;
  /** What these credentials may do: every scope for the account's token, the key's scopes for an API key. */
  scopes: ReadonlySet<Scope>;
  /** The API key used, or null for the account's token. */
  keyId: number | null;
}

export interface Credentials {
  username?: unknown;
  password?: unknown;
  email?: unknown;
}

type TokenOwner = Pick<UserRow, 'id' | 'username' | 'token_hash' | 'disabled_at' | 'is_admin'>;

/** A fresh per-user key that every signed link of the user carries (rotating it ends them all). */
export function newLinkKey(): string {
  return randomBytes(16).toString('base64url');
}

/** Accounts, passwords and API tokens. */
export class AuthService {
  /** Runs on every authenticated request: built and compiled once. */
  private readonly ownerOfToken: PreparedQuery<TokenOwner, [string]>;

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenIssuer,
    private readonly failures: FailureLimits,
    private readonly passwords: PasswordHasher,
    private readonly keys: ApiKeys,
  ) {
    const query = db.kysely
      .selectFrom('users')
      .select(['id', 'username', 'token_hash', 'disabled_at', 'is_admin'])
      .where('token_hash', '=', '');
    this.ownerOfToken = new PreparedQuery(db, query, 1);
  }

  /** Creates an account and returns its first token. */
  async register(input: Credentials): Promise<string> {
    const username = typeof input.username === 'string' ? normaliseUsername(input.username) : input.username;
    const errors = registrationProblems({ ...input, username });
    if (Object.keys(errors).length > 0) throw new InvalidInput(errors);
    const name = username as string;
    const nonce = this.tokens.newNonce();
    const token = this.tokens.tokenFor(nonce);
    const passwordHash = await this.passwords.hash(input.password as string);
    try {
      await this.db.kysely
        .insertInto('users')
        .values({
          username: name,
          username_key: usernameKey(name),
          email: typeof input.email === 'string' && input.email !== '' ? input.email : null,
          password_hash: passwordHash,
          token_hash: hashToken(token),
          token_nonce: nonce,
          link_key: newLinkKey(),
          next_image_number: 1,
          created_at: now(),
          disabled_at: null,
        })
        .execute();
    } catch (error) {
      // The same name, or one that differs only in case or in its Unicode form (Alice, ａｌｉｃｅ for alice).
      if (isUniqueViolation(error)) throw new InvalidInput({ username: [MESSAGES.usernameTaken] });
      throw error;
    }
    return token;
  }

  /**
   * Refuses (429) further password checks of an account that failed too often: from one address
   * (LOGIN_FAILURES_PER_USER), or from all addresses together (LOGIN_FAILURES_PER_ACCOUNT).
   */
  private guard(username: string, address: string): Promise<void> {
    return this.failures.guard(
      usernameKey(username),
      address,
      (seconds) => `Too many failed logins for this account. Expected available in ${seconds} seconds.`,
    );
  }

  private recordFailure(username: string, address: string): Promise<void> {
    return this.failures.recordFailure(usernameKey(username), address);
  }

  private recordSuccess(username: string, address: string): Promise<void> {
    return this.failures.recordSuccess(usernameKey(username), address);
  }

  /** Checks username and password; returns the user's current token. */
  async login(input: Credentials, address: string): Promise<string> {
    const errors: Record<string, string[]> = {};
    for (const field of ['username', 'password'] as const) {
      const value = input[field];
      if (typeof value !== 'string') errors[field] = [MESSAGES.required];
      else if (value === '') errors[field] = [MESSAGES.blank];
    }
    if (Object.keys(errors).length > 0) throw new InvalidInput(errors);
    const username = normaliseUsername(input.username as string);
    await this.guard(username, address);
    const user = await this.db.kysely.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    const passwordMatches = user
      ? await this.passwords.verify(input.password as string, user.password_hash)
      : await this.passwords.pretend();
    // A disabled account cannot log in, and says so no differently from a wrong password (as DRF does).
    if (!user || !passwordMatches || user.disabled_at !== null) {
      await this.recordFailure(username, address);
      throw new InvalidInput({ non_field_errors: [MESSAGES.badCredentials] });
    }
    await this.recordSuccess(username, address);
    const token = this.tokens.tokenFor(user.token_nonce);
    // The server key changed since this token was issued: the old token cannot be recovered, so issue a new one.
    if (!sameHash(hashToken(token), user.token_hash)) return this.regenerate(user.id);
    return token;
  }

  /**
   * Checks the signed-in user's password before something that needs it (a password change, deleting
   * the account). Failures count like failed logins, and are throttled the same way.
   */
  async confirmPassword(userId: number, password: unknown, field: string, address: string): Promise<void> {
    const user = await this.db.kysely
      .selectFrom('users')
      .select(['username', 'password_hash'])
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    await this.guard(user.username, address);
    if (typeof password !== 'string' || !(await this.passwords.verify(password, user.password_hash))) {
      await this.recordFailure(user.username, address);
      // Django's message for a password change.
      const which = field === 'old_password' ? 'old password' : 'password';
      throw new InvalidInput({ [field]: [`Your ${which} was entered incorrectly. Please enter it again.`] });
    }
    await this.recordSuccess(user.username, address);
  }

  /** Changes the caller's password after checking the current one; revokes the token and returns a new one. */
  async changePassword(userId: number, currentPassword: unknown, newPassword: unknown, address: string): Promise<string> {
    await this.confirmPassword(userId, currentPassword, 'old_password', address);
    if (typeof newPassword !== 'string' || newPassword === '') throw new InvalidInput({ new_password: [MESSAGES.required] });
    const { username } = await this.db.kysely.selectFrom('users').select('username').where('id', '=', userId).executeTakeFirstOrThrow();
    const problems = passwordProblems(newPassword, username);
    if (problems.length > 0) throw new InvalidInput({ new_password: problems });
    await this.storePassword(userId, newPassword);
    return this.regenerate(userId);
  }

  /** Sets a password without checking the old one (operators); the caller validates it. */
  async storePassword(userId: number, password: string): Promise<void> {
    await this.db.kysely
      .updateTable('users')
      .set({ password_hash: await this.passwords.hash(password) })
      .where('id', '=', userId)
      .execute();
  }

  /** Issues a new token; the previous one stops working with this commit. */
  async regenerate(userId: number): Promise<string> {
    const nonce = this.tokens.newNonce();
    const token = this.tokens.tokenFor(nonce);
    await this.db.kysely
      .updateTable('users')
      .set({ token_nonce: nonce, token_hash: hashToken(token) })
      .where('id', '=', userId)
      .execute();
    return token;
  }

  /** Ends every signed link of the user at once (they carry the user's link key). */
  async revokeLinks(userId: number): Promise<void> {
    await this.db.kysely.updateTable('users').set({ link_key: newLinkKey() }).where('id', '=', userId).execute();
  }

  /**
   * Resolves an Authorization header value ("Token <key>" or "Bearer <key>", the account's token or an
   * API key) to its user and what the credentials may do. Returns null when no header was sent;
   * throws 401 for bad credentials and for a header of another form, saying what is wrong with it.
   */
  async authenticate(header: string | undefined, address: string): Promise<AuthenticatedUser | null> {
    if (header === undefined) return null;
    const parts = header.trim().split(/\s+/);
    const scheme = parts[0]?.toLowerCase();
    if (scheme !== 'token' && scheme !== 'bearer') throw new Unauthenticated(wrongSchemeReason(parts));
    if (parts.length === 1) throw new Unauthenticated('Invalid token header. No credentials provided.');
    if (parts.length > 2) throw new Unauthenticated('Invalid token header. Token string should not contain spaces.');
    const key = parts[1]!;
    if (key.startsWith(KEY_PREFIX)) {
      const owner = await this.keys.authenticate(key, address);
      return { id: owner.userId, username: owner.username, admin: owner.admin, scopes: owner.scopes, keyId: owner.keyId };
    }
    if (!TOKEN_PATTERN.test(key)) throw new Unauthenticated('Invalid token.');
    const tokenHash = hashToken(key);
    const user = await this.ownerOfToken.first(tokenHash);
    if (!user || !sameHash(user.token_hash, tokenHash)) throw new Unauthenticated('Invalid token.');
    if (user.disabled_at !== null) throw new Unauthenticated('User inactive or deleted.');
    const admin = Boolean(user.is_admin);
    return { id: user.id, username: user.username, admin, scopes: allScopes(admin), keyId: null };
  }

  /** Marks the account disabled and gives it a new token and link key: nothing issued before works again. */
  async disable(userId: number, executor: Kysely<Database> = this.db.kysely): Promise<void> {
    const nonce = this.tokens.newNonce();
    await executor
      .updateTable('users')
      .set({
        disabled_at: sql`coalesce(disabled_at, ${now()})`,
        token_nonce: nonce,
        token_hash: hashToken(this.tokens.tokenFor(nonce)),
        link_key: newLinkKey(),
      })
      .where('id', '=', userId)
      .execute();
  }
}

/** Why an Authorization header that is neither `Token <key>` nor `Bearer <key>` is refused. */
function wrongSchemeReason(parts: string[]): string {
  const [first = ''] = parts;
  const usage = 'Send "Authorization: Token <token>" (or "Bearer <token>").';
  if (first === '') return `Invalid token header. No credentials provided. ${usage}`;
  // A bare key (what the web app's Copy button gives) pasted without its scheme word.
  if (parts.length === 1 && (TOKEN_PATTERN.test(first) || first.startsWith(KEY_PREFIX))) {
    return `Invalid token header. The scheme is missing before the token. ${usage}`;
  }
  if (!/^[A-Za-z][\w.+-]{0,31}$/.test(first)) return `Invalid token header. It does not start with a scheme word. ${usage}`;
  return `Invalid token header. The "${first}" authorization scheme is not supported. ${usage}`;
}
