import type { Db } from './db.js';
import type { SignInTokenRow } from './schema.js';

// Sign-in tokens (tickets) made through the Backend API, each good for one sign-in.

export async function insertSignInToken(db: Db, row: SignInTokenRow): Promise<void> {
  await db.insertInto('sign_in_tokens').values(row).execute();
}

/** Accepts a pending, unexpired ticket in one UPDATE, so two sign-ins can't share it. */
export async function acceptSignInToken(db: Db, digest: string, now: number): Promise<SignInTokenRow | undefined> {
  return db.updateTable('sign_in_tokens').set({ status: 'accepted', updated_at: now })
    .where('token_digest', '=', digest).where('status', '=', 'pending').where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
}
