import { sql } from 'kysely';
import type { Db, Dialect } from './db.js';
import type { SmsMessageRow } from './schema.js';

// The SMS outbox: rows written in the same transaction as the verification they carry,
// claimed by workers with a lease so a crashed worker's messages go out after the lease ends.

export type SmsStatus = 'queued' | 'sending' | 'sent' | 'dead' | 'superseded';

export async function enqueueSms(db: Db, row: SmsMessageRow): Promise<void> {
  await db.insertInto('sms_messages').values(row).execute();
}

/**
 * Claims up to `limit` due messages for one worker. PostgreSQL skips rows another worker holds
 * (FOR UPDATE SKIP LOCKED); SQLite runs one writer at a time, so the UPDATE alone is atomic.
 */
export async function claimDueSms(db: Db, dialect: Dialect, workerId: string, now: number, leaseMs: number, limit: number): Promise<SmsMessageRow[]> {
  const due = db.selectFrom('sms_messages').select('id')
    .where((eb) => eb.or([
      eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', now)]),
      eb.and([eb('status', '=', 'sending'), eb('claimed_until', '<', now)]),
    ]))
    .orderBy('next_attempt_at').limit(limit);
  const lockedDue = dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
  const claimed = await db.updateTable('sms_messages')
    .set({ status: 'sending', claimed_by: workerId, claimed_until: now + leaseMs, updated_at: now })
    .where('id', 'in', lockedDue)
    .returningAll()
    .execute();
  // RETURNING follows no order on PostgreSQL: oldest due first, as the claim chose them.
  return claimed.sort((a, b) => a.next_attempt_at - b.next_attempt_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Every outcome write checks the claim, so a worker whose lease ran out cannot overwrite a newer claim. */
function ownedBy(db: Db, id: string, workerId: string) {
  return db.updateTable('sms_messages').where('id', '=', id).where('claimed_by', '=', workerId).where('status', '=', 'sending');
}

export async function markSmsSent(db: Db, id: string, workerId: string, providerMessageId: string | null, now: number): Promise<void> {
  await ownedBy(db, id, workerId)
    .set((eb) => ({ status: 'sent', provider_message_id: providerMessageId, sent_at: now, updated_at: now, tries: eb('tries', '+', 1), claimed_until: null, last_error: null }))
    .execute();
}

export async function markSmsRetry(db: Db, id: string, workerId: string, error: string, nextAttemptAt: number, now: number): Promise<void> {
  await ownedBy(db, id, workerId)
    .set((eb) => ({ status: 'queued', last_error: error, next_attempt_at: nextAttemptAt, updated_at: now, tries: eb('tries', '+', 1), claimed_until: null }))
    .execute();
}

export async function markSmsFinal(db: Db, id: string, workerId: string, status: 'dead' | 'superseded', error: string | null, now: number, countTry: boolean): Promise<void> {
  await ownedBy(db, id, workerId)
    .set((eb) => ({ status, last_error: error, updated_at: now, claimed_until: null, tries: countTry ? eb('tries', '+', 1) : eb.ref('tries') }))
    .execute();
}

/** Gives claimed, untried messages back to the queue (a worker stopping), due at once for other workers. */
export async function releaseSmsClaims(db: Db, ids: string[], workerId: string, now: number): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('sms_messages')
    .set({ status: 'queued', claimed_by: null, claimed_until: null, updated_at: now })
    .where('id', 'in', ids).where('claimed_by', '=', workerId).where('status', '=', 'sending')
    .execute();
}

/** Puts a dead (or any unsent) message back in the queue now. */
export async function requeueSms(db: Db, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('sms_messages')
    .set({ status: 'queued', next_attempt_at: now, tries: 0, claimed_by: null, claimed_until: null, updated_at: now })
    .where('id', '=', id).where('status', 'in', ['dead', 'queued'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Why a message's code can no longer be used, or null while it still can (checked just before sending). */
export async function codeNoLongerUsable(db: Db, phoneNumberId: string | null, verificationId: string, now: number): Promise<'replaced' | 'expired' | null> {
  // A sign-in's or sign-up's code lives in `verifications`; a number's own in its row.
  const row = await db.selectFrom('verifications').select('verification_expire_at')
    .where('verification_id', '=', verificationId).where('verification_status', '=', 'unverified')
    .executeTakeFirst()
    ?? (phoneNumberId === null ? undefined : await db.selectFrom('phone_numbers').select('verification_expire_at')
      .where('id', '=', phoneNumberId).where('verification_id', '=', verificationId).where('verification_status', '=', 'unverified')
      .executeTakeFirst());
  if (!row) return 'replaced';
  return row.verification_expire_at !== null && row.verification_expire_at <= now ? 'expired' : null;
}

export interface SmsQuery {
  to?: string | undefined;
  status?: SmsStatus[] | undefined;
  provider?: string | undefined;
  limit?: number | undefined;
}

export async function listSms(db: Db, query: SmsQuery = {}): Promise<SmsMessageRow[]> {
  let q = db.selectFrom('sms_messages').selectAll();
  if (query.to) q = q.where('to_phone', '=', query.to);
  if (query.status?.length) q = q.where('status', 'in', query.status);
  if (query.provider) q = q.where('provider', '=', query.provider);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit ?? 100).execute();
}

export async function findSms(db: Db, id: string): Promise<SmsMessageRow | undefined> {
  return db.selectFrom('sms_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/** When the next queued message falls due, so an idle worker sleeps exactly that long. */
export async function nextDueAt(db: Db): Promise<number | null> {
  const row = await db.selectFrom('sms_messages').select(sql<number | null>`min(next_attempt_at)`.as('at'))
    .where('status', '=', 'queued').executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}

/** When the oldest message not yet sent (queued, or claimed and in flight) was written; null when none waits. */
export async function oldestUnsentSmsAt(db: Db): Promise<number | null> {
  const row = await db.selectFrom('sms_messages').select(sql<number | null>`min(created_at)`.as('at'))
    .where('status', 'in', ['queued', 'sending']).executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}
