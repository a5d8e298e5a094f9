import { sql } from 'kysely';
import { DeliveryQueue } from '../delivery/queue.js';
import type { Db } from './db.js';
import type { SmsMessageRow } from './schema.js';

// The SMS outbox: rows written in the same transaction as the verification they carry,
// claimed by workers with a lease so a crashed worker's messages go out after the lease ends.

export type SmsStatus = 'queued' | 'sending' | 'sent' | 'dead' | 'superseded';

export async function enqueueSms(db: Db, row: SmsMessageRow): Promise<void> {
  await db.insertInto('sms_messages').values(row).execute();
}

/** The outbox's queue (claim, lease, retries, dead): the shared one of src/delivery/. */
export const smsQueue = new DeliveryQueue<SmsMessageRow>('sms_messages');

/** Puts a dead (or any unsent) message back in the queue now. */
export async function requeueSms(db: Db, id: string, now: number): Promise<boolean> {
  return smsQueue.requeue(db, id, now);
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

/** When the oldest message not yet sent (queued, or claimed and in flight) was written; null when none waits. */
export async function oldestUnsentSmsAt(db: Db): Promise<number | null> {
  const row = await db.selectFrom('sms_messages').select(sql<number | null>`min(created_at)`.as('at'))
    .where('status', 'in', ['queued', 'sending']).executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}
