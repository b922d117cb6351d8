import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { Conflict, InvalidInput, NotFound } from '../errors.js';
import { usageByUser, type ImageCatalog } from '../images/catalog.js';
import type { AdminUser } from '../schemas/accounts.js';
import type { AuthService } from './service.js';
import { passwordProblems } from './validation.js';

/** What operators (the CLI and the admin API) and account self-service do to accounts. */
export class AccountAdmin {
  constructor(
    private readonly db: Db,
    private readonly auth: AuthService,
    private readonly images: ImageCatalog,
  ) {}

  /** The summary of one account. */
  async find(username: string): Promise<AdminUser> {
    const user = (await this.list()).find((candidate) => candidate.username === username);
    if (!user) throw new NotFound();
    return user;
  }

  /** The id of the account with this name (404 when there is none). */
  async idOf(username: string): Promise<number> {
    return this.userId(username);
  }

  private async userId(username: string): Promise<number> {
    const user = await this.db.kysely.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
    if (!user) throw new NotFound();
    return user.id;
  }

  async list(): Promise<AdminUser[]> {
    const users = await this.db.kysely
      .selectFrom('users')
      .select(['id', 'username', 'email', 'is_admin', 'disabled_at', 'created_at'])
      .orderBy('username')
      .execute();
    const usage = await usageByUser(this.db.kysely);
    return users.map((user) => ({
      username: user.username,
      email: user.email,
      admin: Boolean(user.is_admin),
      disabled: user.disabled_at !== null,
      images: usage.get(user.id)?.images ?? 0,
      bytes: usage.get(user.id)?.bytes ?? 0,
      created_at: user.created_at,
    }));
  }

  /** Creates an account with the same rules as /register/; returns its token. */
  create(username: string, password: string, email?: string): Promise<string> {
    return this.auth.register({ username, password, email });
  }

  /**
   * Refuses to take away the last active admin: without one, nobody could manage accounts through the
   * API (the CLI still could). Checked inside the change's transaction, with the admins' rows locked on
   * PostgreSQL, so two admins removing each other at once cannot both succeed.
   */
  private async keepAnAdmin(userId: number, change: (trx: Kysely<Database>) => Promise<void>): Promise<void> {
    await this.db.kysely.transaction().execute(async (trx) => {
      const query = trx.selectFrom('users').select(['id']).where('is_admin', '=', 1).where('disabled_at', 'is', null);
      const admins = await (this.db.dialect === 'postgres' ? query.forUpdate() : query).execute();
      if (admins.length === 1 && admins[0]!.id === userId) {
        throw new Conflict('This is the last active admin account: make another account admin first.');
      }
      await change(trx);
    });
  }

  /**
   * A disabled account's token, links, shares and keys are refused from the next request on (every
   * instance reads the account on each request). Disabling also replaces its token and link key, so
   * enabling it brings none of them back: the user logs in for a new token.
   */
  async setDisabled(username: string, disabled: boolean): Promise<void> {
    const id = await this.userId(username);
    if (disabled) await this.keepAnAdmin(id, (trx) => this.auth.disable(id, trx));
    else await this.db.kysely.updateTable('users').set({ disabled_at: null }).where('id', '=', id).execute();
  }

  async setAdmin(username: string, admin: boolean): Promise<void> {
    const id = await this.userId(username);
    const change = async (trx: Kysely<Database>) => {
      await trx
        .updateTable('users')
        .set({ is_admin: admin ? 1 : 0 })
        .where('id', '=', id)
        .execute();
    };
    if (admin) await change(this.db.kysely);
    else await this.keepAnAdmin(id, change);
  }

  /** Sets a new password (same rules as registration) and revokes the token. */
  async setPassword(username: string, password: string): Promise<void> {
    const problems = passwordProblems(password, username);
    if (problems.length > 0) throw new InvalidInput({ password: problems });
    const id = await this.userId(username);
    await this.auth.storePassword(id, password);
    await this.auth.regenerate(id);
  }

  /** The user's token stops working; a new one is had by logging in. */
  async revokeToken(username: string): Promise<void> {
    await this.auth.regenerate(await this.userId(username));
  }

  /** Deletes an account by id (self-service). */
  async deleteById(userId: number): Promise<number> {
    const user = await this.db.kysely.selectFrom('users').select('username').where('id', '=', userId).executeTakeFirst();
    if (!user) throw new NotFound();
    return this.delete(user.username);
  }

  /**
   * Deletes the account and its images; bytes other users' images share are kept. Returns the images
   * deleted. The account is disabled first (token and links refused, and an upload still in flight
   * finds it disabled when it commits: 404), then its images are removed one by one with their
   * reference counts until none remain, and only then the account row: removing the row while images
   * remained would drop them by cascade without releasing their bytes.
   */
  async delete(username: string): Promise<number> {
    const id = await this.userId(username);
    await this.keepAnAdmin(id, (trx) => this.auth.disable(id, trx));
    let deleted = 0;
    for (;;) {
      const numbers = await this.db.kysely.selectFrom('images').select('number').where('user_id', '=', id).execute();
      for (const { number } of numbers) {
        try {
          await this.images.delete(id, number);
          deleted++;
        } catch (error) {
          if (!(error instanceof NotFound)) throw error;
        }
      }
      const removed = await this.db.kysely
        .deleteFrom('users')
        .where('id', '=', id)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('images').select('images.id').where('images.user_id', '=', id))))
        .executeTakeFirst();
      if (Number(removed.numDeletedRows) > 0) return deleted;
    }
  }
}
