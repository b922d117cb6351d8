import { sql, type Kysely, type Migration } from 'kysely';
import { usernameKey } from '../../auth/validation.js';

/**
 * Security review: a per-user key carried by every signed link (rotating it ends them all), and the
 * case-folded NFKC form of each username, unique, so that look-alike names cannot be registered.
 */
export const security: Migration = {
  async up(db: Kysely<unknown>) {
    // Existing users keep an empty link key: their links stay valid until they revoke them.
    await db.schema
      .alterTable('users')
      .addColumn('link_key', 'text', (col) => col.notNull().defaultTo(''))
      .execute();
    await db.schema.alterTable('users').addColumn('username_key', 'text').execute();
    const users = await sql<{ id: number; username: string }>`select id, username from users order by id`.execute(db);
    const taken = new Set<string>();
    for (const { id, username } of users.rows) {
      // Two existing accounts that fold alike both keep working; the later one's key is made distinct ('#' is not a username character).
      let key = usernameKey(username);
      if (taken.has(key)) key = `${key}#${id}`;
      taken.add(key);
      await sql`update users set username_key = ${key} where id = ${id}`.execute(db);
    }
    await db.schema.createIndex('users_username_key_unique').on('users').column('username_key').unique().execute();
  },
};
