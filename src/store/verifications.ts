import type { Kysely } from 'kysely';
import type { Db } from './db.js';
import type { VerificationColumns } from './schema.js';

// Where a one-time code's state is kept, and the queries every flow shares: start (or replace) a
// code, count an attempt, complete or fail it. A number's own verification lives in its row; a
// sign-in's and a sign-up's in `verifications`. The columns are the same, so these queries are too.

export type VerificationPurpose = 'first_factor' | 'second_factor' | 'sign_up';

export type CodeSlot =
  | { table: 'phone_numbers'; phoneNumberId: string; userId: string }
  | { table: 'verifications'; ownerId: string; purpose: VerificationPurpose };

export const numberSlot = (userId: string, phoneNumberId: string): CodeSlot => ({ table: 'phone_numbers', phoneNumberId, userId });
export const flowSlot = (ownerId: string, purpose: VerificationPurpose): CodeSlot => ({ table: 'verifications', ownerId, purpose });

/** The slot's key columns: a number is scoped by its owner too, so no flow can reach another user's row. */
function keyOf(slot: CodeSlot): [string, string][] {
  return slot.table === 'phone_numbers'
    ? [['id', slot.phoneNumberId], ['user_id', slot.userId]]
    : [['owner_id', slot.ownerId], ['purpose', slot.purpose]];
}

// Both tables share VerificationColumns and updated_at; the queries below name only those and the key.
type SlotTable = VerificationColumns & { updated_at: number } & Record<string, unknown>;
type SlotDb = Kysely<{ slot: SlotTable }>;

function update(db: Db, slot: CodeSlot) {
  let query = (db as unknown as SlotDb).updateTable(slot.table as 'slot');
  for (const [column, value] of keyOf(slot)) query = query.where(column as never, '=', value as never);
  return query;
}

export async function readVerification(db: Db, slot: CodeSlot): Promise<VerificationColumns | undefined> {
  let query = (db as unknown as SlotDb).selectFrom(slot.table as 'slot')
    .select(['verification_id', 'verification_status', 'verification_strategy', 'verification_attempts', 'verification_expire_at', 'code_digest']);
  for (const [column, value] of keyOf(slot)) query = query.where(column as never, '=', value as never);
  return query.executeTakeFirst() as Promise<VerificationColumns | undefined>;
}

export interface NewVerification {
  verificationId: string;
  strategy: string;
  codeDigest: string | null;
  /** Null for a strategy without expiry (a backup code). */
  expireAt: number | null;
  status?: 'unverified' | 'verified';
  phoneNumberId?: string | null;
  now: number;
}

/** Starts (or replaces) the slot's code: the old one stops working at once. */
export async function startVerification(db: Db, slot: CodeSlot, v: NewVerification): Promise<void> {
  const state = {
    verification_id: v.verificationId,
    verification_status: v.status ?? 'unverified',
    verification_strategy: v.strategy,
    verification_attempts: 0,
    verification_expire_at: v.expireAt,
    code_digest: v.codeDigest,
    updated_at: v.now,
  };
  if (slot.table === 'phone_numbers') {
    await update(db, slot).set(state).where('verified_phone_number' as never, 'is', null as never).execute();
    return;
  }
  const row = { ...state, owner_id: slot.ownerId, purpose: slot.purpose, phone_number_id: v.phoneNumberId ?? null };
  await db.insertInto('verifications').values({ ...row, created_at: v.now })
    .onConflict((oc) => oc.columns(['owner_id', 'purpose']).doUpdateSet(row))
    .execute();
}

export interface CountedAttempt {
  verification_id: string;
  code_digest: string;
  verification_attempts: number;
}

/**
 * Counts one attempt in a single conditional UPDATE. Parallel guesses, on any number of
 * instances, each take one of the remaining tries or get nothing: the count can't pass the limit.
 */
export async function countAttempt(db: Db, slot: CodeSlot, now: number, maxAttempts: number): Promise<CountedAttempt | undefined> {
  const row = await update(db, slot)
    .set((eb) => ({ verification_attempts: eb('verification_attempts', '+', 1), updated_at: now }))
    .where('verification_status', '=', 'unverified')
    .where('verification_attempts', '<', maxAttempts)
    .where('verification_expire_at', '>', now)
    .where('code_digest', 'is not', null)
    .returning(['verification_id', 'code_digest', 'verification_attempts'])
    .executeTakeFirst();
  return row as CountedAttempt | undefined;
}

/** Single use: only the verification that was counted can complete, and only once. */
export async function completeVerification(db: Db, slot: CodeSlot, verificationId: string, now: number): Promise<boolean> {
  const result = await update(db, slot)
    .set({ verification_status: 'verified', code_digest: null, updated_at: now })
    .where('verification_id', '=', verificationId).where('verification_status', '=', 'unverified')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function failVerification(db: Db, slot: CodeSlot, verificationId: string, now: number): Promise<void> {
  await update(db, slot)
    .set({ verification_status: 'failed', code_digest: null, updated_at: now })
    .where('verification_id', '=', verificationId).where('verification_status', '=', 'unverified')
    .execute();
}

/** A sign-in's or sign-up's codes, to show them in its JSON. */
export async function verificationsOf(db: Db, ownerId: string) {
  return db.selectFrom('verifications').selectAll().where('owner_id', '=', ownerId).execute();
}
