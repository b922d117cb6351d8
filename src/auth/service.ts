import type { Db } from '../db/database.js';
import { PreparedQuery } from '../db/prepared.js';
import { now, type Database, type UserRow } from '../db/schema.js';
import { InvalidInput, Throttled, Unauthenticated } from '../errors.js';
import type { AttemptCounter } from './attempts.js';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords.js';
import { hashToken, sameHash, TOKEN_PATTERN, type TokenIssuer } from './tokens.js';
import { MESSAGES, passwordProblems, registrationProblems } from './validation.js';

export interface AuthenticatedUser {
  id: number;
  username: string;
  admin: boolean;
}

export interface Credentials {
  username?: unknown;
  password?: unknown;
  email?: unknown;
}

function isUniqueViolation(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(message ?? '');
}

export interface LoginThrottle {
  attempts: AttemptCounter;
  /** Failed logins per username and window before further attempts are refused (429). */
  maxFailures: number;
}

type TokenOwner = Pick<UserRow, 'id' | 'username' | 'token_hash' | 'disabled_at' | 'is_admin'>;

/** Accounts and API tokens. */
export class AuthService {
  /** Runs on every authenticated request: built and compiled once. */
  private readonly ownerOfToken: PreparedQuery<Database, TokenOwner, [string]>;

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenIssuer,
    private readonly throttle: LoginThrottle,
  ) {
    const query = db.kysely
      .selectFrom('users')
      .select(['id', 'username', 'token_hash', 'disabled_at', 'is_admin'])
      .where('token_hash', '=', '');
    this.ownerOfToken = new PreparedQuery(db.kysely, query, 1);
  }

  /** The counter store failing must not lock everyone out: it then counts nothing. */
  private async failures(username: string): Promise<{ count: number; resetMs: number }> {
    return this.throttle.attempts.get(username).catch(() => ({ count: 0, resetMs: 0 }));
  }

  /** Creates an account and returns its first token. */
  async register(input: Credentials): Promise<string> {
    const errors = registrationProblems(input);
    if (Object.keys(errors).length > 0) throw new InvalidInput(errors);
    const username = input.username as string;
    const nonce = this.tokens.newNonce();
    const token = this.tokens.tokenFor(nonce);
    const passwordHash = await hashPassword(input.password as string);
    try {
      await this.db.kysely
        .insertInto('users')
        .values({
          username,
          email: typeof input.email === 'string' && input.email !== '' ? input.email : null,
          password_hash: passwordHash,
          token_hash: hashToken(token),
          token_nonce: nonce,
          next_image_number: 1,
          created_at: now(),
          disabled_at: null,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new InvalidInput({ username: [MESSAGES.usernameTaken] });
      throw error;
    }
    return token;
  }

  /** Checks username and password; returns the user's current token. */
  async login(input: Credentials): Promise<string> {
    const errors: Record<string, string[]> = {};
    for (const field of ['username', 'password'] as const) {
      const value = input[field];
      if (typeof value !== 'string') errors[field] = [MESSAGES.required];
      else if (value === '') errors[field] = [MESSAGES.blank];
    }
    if (Object.keys(errors).length > 0) throw new InvalidInput(errors);
    const username = input.username as string;
    // Brute force against one account is slowed whatever addresses it comes from.
    const { count, resetMs } = await this.failures(username);
    if (count >= this.throttle.maxFailures) {
      const seconds = Math.max(1, Math.ceil(resetMs / 1000));
      throw new Throttled(`Too many failed logins for this account. Expected available in ${seconds} seconds.`, seconds);
    }
    const user = await this.db.kysely.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    const passwordMatches = await verifyPassword(input.password as string, user?.password_hash ?? DUMMY_PASSWORD_HASH);
    // A disabled account cannot log in, and says so no differently from a wrong password (as DRF does).
    if (!user || !passwordMatches || user.disabled_at !== null) {
      await this.throttle.attempts.hit(username).catch(() => undefined);
      throw new InvalidInput({ non_field_errors: [MESSAGES.badCredentials] });
    }
    await this.throttle.attempts.reset(username).catch(() => undefined);
    const token = this.tokens.tokenFor(user.token_nonce);
    // The server key changed since this token was issued: the old token cannot be recovered, so issue a new one.
    if (!sameHash(hashToken(token), user.token_hash)) return this.regenerate(user.id);
    return token;
  }

  /** Changes the caller's password after checking the current one; revokes the token and returns a new one. */
  async changePassword(userId: number, currentPassword: unknown, newPassword: unknown): Promise<string> {
    const user = await this.db.kysely
      .selectFrom('users')
      .select(['username', 'password_hash'])
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    if (typeof currentPassword !== 'string' || !(await verifyPassword(currentPassword, user.password_hash))) {
      throw new InvalidInput({ old_password: ['Your old password was entered incorrectly. Please enter it again.'] });
    }
    if (typeof newPassword !== 'string' || newPassword === '') throw new InvalidInput({ new_password: [MESSAGES.required] });
    const problems = passwordProblems(newPassword, user.username);
    if (problems.length > 0) throw new InvalidInput({ new_password: problems });
    await this.db.kysely
      .updateTable('users')
      .set({ password_hash: await hashPassword(newPassword) })
      .where('id', '=', userId)
      .execute();
    return this.regenerate(userId);
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

  /**
   * Resolves an Authorization header value ("Token <key>" or "Bearer <key>") to its user.
   * Returns null when there are no credentials of our scheme; throws 401 for bad ones.
   */
  async authenticate(header: string | undefined): Promise<AuthenticatedUser | null> {
    if (header === undefined) return null;
    const parts = header.trim().split(/\s+/);
    const scheme = parts[0]?.toLowerCase();
    if (scheme !== 'token' && scheme !== 'bearer') return null;
    if (parts.length === 1) throw new Unauthenticated('Invalid token header. No credentials provided.');
    if (parts.length > 2) throw new Unauthenticated('Invalid token header. Token string should not contain spaces.');
    const key = parts[1]!;
    if (!TOKEN_PATTERN.test(key)) throw new Unauthenticated('Invalid token.');
    const tokenHash = hashToken(key);
    const [user] = await this.ownerOfToken.execute(tokenHash);
    if (!user || !sameHash(user.token_hash, tokenHash)) throw new Unauthenticated('Invalid token.');
    if (user.disabled_at !== null) throw new Unauthenticated('User inactive or deleted.');
    return { id: user.id, username: user.username, admin: Boolean(user.is_admin) };
  }
}
