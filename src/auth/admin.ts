import type { Db } from '../db/database.js';
import { now } from '../db/schema.js';
import { InvalidInput, NotFound } from '../errors.js';
import type { AdminUser } from '../schemas/accounts.js';
import { usageByUser, type ImageCatalog } from '../images/catalog.js';
import { hashPassword } from './passwords.js';
import type { AuthService } from './service.js';
import { passwordProblems } from './validation.js';

/** What operators (the CLI, and later the admin API) do to accounts. */
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

  /** Deletes an account by id (self-service). */
  async deleteById(userId: number): Promise<number> {
    const user = await this.db.kysely.selectFrom('users').select('username').where('id', '=', userId).executeTakeFirstOrThrow();
    return this.delete(user.username);
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

  /** A disabled account's token and password are refused from the next request on. */
  async setDisabled(username: string, disabled: boolean): Promise<void> {
    await this.db.kysely
      .updateTable('users')
      .set({ disabled_at: disabled ? now() : null })
      .where('id', '=', await this.userId(username))
      .execute();
  }

  async setAdmin(username: string, admin: boolean): Promise<void> {
    await this.db.kysely
      .updateTable('users')
      .set({ is_admin: admin ? 1 : 0 })
      .where('id', '=', await this.userId(username))
      .execute();
  }

  /** Sets a new password (same rules as registration) and revokes the token. */
  async setPassword(username: string, password: string): Promise<void> {
    const problems = passwordProblems(password, username);
    if (problems.length > 0) throw new InvalidInput({ password: problems });
    const id = await this.userId(username);
    await this.db.kysely
      .updateTable('users')
      .set({ password_hash: await hashPassword(password) })
      .where('id', '=', id)
      .execute();
    await this.auth.regenerate(id);
  }

  /** The user's token stops working; a new one is had by logging in. */
  async revokeToken(username: string): Promise<void> {
    await this.auth.regenerate(await this.userId(username));
  }

  /** Deletes the account and its images; bytes other users' images share are kept. Returns the images deleted. */
  async delete(username: string): Promise<number> {
    const id = await this.userId(username);
    const numbers = await this.db.kysely.selectFrom('images').select('number').where('user_id', '=', id).execute();
    for (const { number } of numbers) await this.images.delete(id, number);
    await this.db.kysely.deleteFrom('users').where('id', '=', id).execute();
    return numbers.length;
  }
}
