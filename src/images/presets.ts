import type { Kysely } from 'kysely';
import { isUniqueViolation, type Db } from '../db/database.js';
import { now, type Database } from '../db/schema.js';
import { InvalidInput, NotFound } from '../errors.js';

export const PRESETS_PER_USER = 50;

/** A user's named preset: the canonical variant query its name stands for. */
export interface UserPreset {
  name: string;
  params: string;
  createdAt: string;
  updatedAt: string;
}

/** In the transaction that changes a user's presets: what processes holding them parsed compare (PresetBook). */
async function raiseStamp(trx: Kysely<Database>, userId: number): Promise<void> {
  await trx
    .updateTable('users')
    .set((eb) => ({ presets_stamp: eb('presets_stamp', '+', 1) }))
    .where('id', '=', userId)
    .execute();
}

const taken = () => new InvalidInput({ name: ['You already have a preset with this name.'] });

/** Each user's named presets. The parameters arrive checked and canonical (the route parses them). */
export class PresetStore {
  constructor(private readonly db: Db) {}

  async list(userId: number): Promise<UserPreset[]> {
    const rows = await this.db.kysely.selectFrom('presets').selectAll().where('user_id', '=', userId).orderBy('name').execute();
    return rows.map((row) => ({ name: row.name, params: row.params, createdAt: row.created_at, updatedAt: row.updated_at }));
  }

  async get(userId: number, name: string): Promise<UserPreset> {
    const row = await this.db.kysely
      .selectFrom('presets')
      .selectAll()
      .where('user_id', '=', userId)
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw new NotFound();
    return { name: row.name, params: row.params, createdAt: row.created_at, updatedAt: row.updated_at };
  }

  async create(userId: number, name: string, params: string): Promise<UserPreset> {
    const timestamp = now();
    try {
      await this.db.kysely.transaction().execute(async (trx) => {
        const { count } = await trx
          .selectFrom('presets')
          .select((eb) => eb.fn.countAll<number | string>().as('count'))
          .where('user_id', '=', userId)
          .executeTakeFirstOrThrow();
        if (Number(count) >= PRESETS_PER_USER) {
          throw new InvalidInput({ name: [`You have ${PRESETS_PER_USER} presets, the most an account may have; delete one first.`] });
        }
        await trx.insertInto('presets').values({ user_id: userId, name, params, created_at: timestamp, updated_at: timestamp }).execute();
        await raiseStamp(trx, userId);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
    return { name, params, createdAt: timestamp, updatedAt: timestamp };
  }

  /** Renames and/or redefines a preset; links made from the old definition stop verifying. */
  async update(userId: number, name: string, changes: { name?: string; params?: string }): Promise<UserPreset> {
    const current = await this.get(userId, name);
    const next = { name: changes.name ?? current.name, params: changes.params ?? current.params };
    const timestamp = now();
    try {
      await this.db.kysely.transaction().execute(async (trx) => {
        await trx
          .updateTable('presets')
          .set({ name: next.name, params: next.params, updated_at: timestamp })
          .where('user_id', '=', userId)
          .where('name', '=', name)
          .execute();
        await raiseStamp(trx, userId);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
    return { ...next, createdAt: current.createdAt, updatedAt: timestamp };
  }

  async delete(userId: number, name: string): Promise<void> {
    await this.db.kysely.transaction().execute(async (trx) => {
      const deleted = await trx.deleteFrom('presets').where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw new NotFound();
      await raiseStamp(trx, userId);
    });
  }
}
