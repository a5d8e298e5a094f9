import type { Db } from './db.js';
import type { UserRow } from './schema.js';
import { precompiled } from './precompiled.js';

// Users: the people phone numbers belong to.

/** A new user's row: every count and lock at rest. */
export function newUserRow(id: string, names: Pick<UserRow, 'external_id' | 'first_name' | 'last_name' | 'username'>, now: number): UserRow {
  return {
    id, ...names, primary_phone_number_id: null, backup_code_digests: null, mfa_enabled_at: null, mfa_disabled_at: null,
    last_sign_in_at: null, failed_attempts_in_window: 0, failure_window_started_at: null, consecutive_failed_attempts: 0,
    locked_until: null, locked_indefinitely: 0, created_at: now, updated_at: now,
  };
}

export async function insertUser(db: Db, row: UserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

const userById = precompiled((db, id: string) => db.selectFrom('users').selectAll().where('id', '=', id));

export async function findUser(db: Db, id: string): Promise<UserRow | undefined> {
  return (await userById(db, id))[0];
}

export async function findUsers(db: Db, ids: string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  if (ids.length === 1) return userById(db, ids[0]!);
  return db.selectFrom('users').selectAll().where('id', 'in', ids).execute();
}

export async function deleteUser(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function updateUser(db: Db, id: string, changes: Partial<Omit<UserRow, 'id' | 'created_at'>>): Promise<void> {
  await db.updateTable('users').set(changes).where('id', '=', id).execute();
}

const userLock = precompiled((db, userId: string) =>
  db.updateTable('users').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', userId).returningAll());

/**
 * Makes the rest of this transaction wait for any other transaction changing the same user, so a
 * change that reads the user's numbers and then writes never acts on a stale read. A no-op UPDATE
 * does this in both dialects: a row lock until commit on PostgreSQL, the write lock on SQLite.
 * Answers the user as locked, so the transaction need not read it again.
 */
export async function lockUser(tx: Db, userId: string): Promise<UserRow | undefined> {
  return (await userLock(tx, userId))[0];
}
