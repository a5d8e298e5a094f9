import type { Db } from './db.js';
import type { SignUpRow } from './schema.js';

// Sign-ups in progress: each belongs to the client that began it, and every read is scoped by that client.

export async function insertSignUp(db: Db, row: SignUpRow): Promise<void> {
  await db.insertInto('sign_ups').values(row).execute();
}

export async function findSignUp(db: Db, id: string, clientId: string): Promise<SignUpRow | undefined> {
  return db.selectFrom('sign_ups').selectAll().where('id', '=', id).where('client_id', '=', clientId).executeTakeFirst();
}

export async function advanceSignUp(db: Db, id: string, from: string, changes: Partial<Omit<SignUpRow, 'id' | 'client_id' | 'created_at'>>): Promise<boolean> {
  const result = await db.updateTable('sign_ups').set(changes).where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
