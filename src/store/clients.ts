import type { Db } from './db.js';
import type { ClientRow, SessionRow } from './schema.js';

// Clients (a browser or an app install, known by a hashed token) and their sessions.

export async function insertClient(db: Db, row: ClientRow): Promise<void> {
  await db.insertInto('clients').values(row).execute();
}

export async function findClientByTokenDigest(db: Db, digest: string): Promise<ClientRow | undefined> {
  return db.selectFrom('clients').selectAll().where('token_digest', '=', digest).executeTakeFirst();
}

export async function setLastActiveSession(db: Db, clientId: string, sessionId: string | null, now: number): Promise<void> {
  await db.updateTable('clients').set({ last_active_session_id: sessionId, updated_at: now }).where('id', '=', clientId).execute();
}

export async function insertSession(db: Db, row: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** The sessions a client shows: active and not past expiry, oldest first. */
export async function activeSessionsOfClient(db: Db, clientId: string, now: number): Promise<SessionRow[]> {
  return db.selectFrom('sessions').selectAll()
    .where('client_id', '=', clientId).where('status', '=', 'active').where('expire_at', '>', now)
    .orderBy('created_at').orderBy('id')
    .execute();
}

export async function findSession(db: Db, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Moves an active session to a final status; false when it was not active. */
export async function endSession(db: Db, id: string, status: 'ended' | 'removed' | 'revoked', now: number, clientId?: string): Promise<boolean> {
  let query = db.updateTable('sessions').set({ status, updated_at: now }).where('id', '=', id).where('status', '=', 'active');
  if (clientId !== undefined) query = query.where('client_id', '=', clientId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function touchSession(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_active_at: now, updated_at: now }).where('id', '=', id).execute();
}
