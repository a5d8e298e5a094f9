import type { Db } from './db.js';
import type { SignInRow } from './schema.js';

// Sign-ins in progress: each belongs to the client that began it, and every read is scoped by that client.

export async function insertSignIn(db: Db, row: SignInRow): Promise<void> {
  await db.insertInto('sign_ins').values(row).execute();
}

export async function findSignIn(db: Db, id: string, clientId: string): Promise<SignInRow | undefined> {
  return db.selectFrom('sign_ins').selectAll().where('id', '=', id).where('client_id', '=', clientId).executeTakeFirst();
}

export async function updateSignIn(db: Db, id: string, changes: Partial<Omit<SignInRow, 'id' | 'client_id' | 'created_at'>>): Promise<void> {
  await db.updateTable('sign_ins').set(changes).where('id', '=', id).execute();
}

/** Moves a sign-in on only from the status it was read in, so two parallel attempts cannot both move it. */
export async function advanceSignIn(db: Db, id: string, from: string, changes: Partial<Omit<SignInRow, 'id' | 'client_id' | 'created_at'>>): Promise<boolean> {
  const result = await db.updateTable('sign_ins').set(changes).where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

