import type { Db } from '../db/database.js';
import { now } from '../db/schema.js';
import { InvalidInput, NotFound } from '../errors.js';
import type { AdminUser } from '../schemas/accounts.js';
import type { ImageCatalog } from '../images/catalog.js';
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
    const rows = await this.db.kysely
      .selectFrom('users')
      .leftJoin('images', 'images.user_id', 'users.id')
      .leftJoin('blobs', 'blobs.sha256', 'images.sha256')
      .select((eb) => [
        'users.username as username',
        'users.email as email',
        'users.is_admin as admin',
        'users.disabled_at as disabledAt',
        'users.created_at as createdAt',
        eb.fn.count<number | string>('images.id').as('images'),
        eb.fn.sum<number | string | null>('blobs.bytes').as('bytes'),
      ])
      .groupBy(['users.id', 'users.username', 'users.email', 'users.is_admin', 'users.disabled_at', 'users.created_at'])
      .orderBy('users.username')
      .execute();
    return rows.map((row) => ({
      username: row.username,
      email: row.email,
      admin: Boolean(row.admin),
      disabled: row.disabledAt !== null,
      images: Number(row.images),
      bytes: Number(row.bytes ?? 0),
      created_at: row.createdAt,
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
