import type { Db } from './db.js';
import type { PhoneNumberRow } from './schema.js';
import { precompiled } from './precompiled.js';

// Phone numbers and their verification. Every query that serves /v1/me is scoped by user_id in SQL.

// Every request that answers with a Client reads its user's numbers: built once, run many times.
const numbersOfUser = precompiled((db, userId: string) => db.selectFrom('phone_numbers').selectAll()
  .where('user_id', '=', userId).orderBy('created_at').orderBy('id'));

export async function listPhoneNumbers(db: Db, userIds: string[]): Promise<PhoneNumberRow[]> {
  if (userIds.length === 0) return [];
  if (userIds.length === 1) return numbersOfUser(db, userIds[0]!);
  return db.selectFrom('phone_numbers').selectAll()
    .where('user_id', 'in', userIds)
    .orderBy('created_at').orderBy('id')
    .execute();
}

// Every write to a number reads it first, by its id and its owner.
const numberOfUser = precompiled((db, userId: string, id: string) => db.selectFrom('phone_numbers').selectAll()
  .where('id', '=', id).where('user_id', '=', userId));

export async function findPhoneNumber(db: Db, userId: string, id: string): Promise<PhoneNumberRow | undefined> {
  return (await numberOfUser(db, userId, id))[0];
}

export async function insertPhoneNumber(db: Db, row: PhoneNumberRow): Promise<void> {
  await db.insertInto('phone_numbers').values(row).execute();
}

/** Is this number already the user's, or verified by anyone? */
export async function phoneNumberTaken(db: Db, userId: string, e164: string): Promise<boolean> {
  const row = await db.selectFrom('phone_numbers').select('id')
    .where((eb) => eb.or([
      eb.and([eb('user_id', '=', userId), eb('phone_number', '=', e164)]),
      eb('verified_phone_number', '=', e164),
    ]))
    .executeTakeFirst();
  return row !== undefined;
}

export async function countPhoneNumbersCreatedSince(db: Db, userId: string, since: number): Promise<number> {
  const row = await db.selectFrom('phone_numbers').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId).where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface NewVerification {
  verificationId: string;
  codeDigest: string;
  expireAt: number;
  now: number;
}

/** Starts (or replaces) the phone_code verification; the old code stops working at once. */
export async function startVerification(db: Db, userId: string, id: string, v: NewVerification): Promise<void> {
  await db.updateTable('phone_numbers').set({
    verification_id: v.verificationId,
    verification_status: 'unverified',
    verification_strategy: 'phone_code',
    verification_attempts: 0,
    verification_expire_at: v.expireAt,
    code_digest: v.codeDigest,
    updated_at: v.now,
  }).where('id', '=', id).where('user_id', '=', userId).where('verified_phone_number', 'is', null).execute();
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
export async function countAttempt(db: Db, userId: string, id: string, now: number, maxAttempts: number): Promise<CountedAttempt | undefined> {
  const row = await db.updateTable('phone_numbers')
    .set((eb) => ({ verification_attempts: eb('verification_attempts', '+', 1), updated_at: now }))
    .where('id', '=', id).where('user_id', '=', userId)
    .where('verification_status', '=', 'unverified')
    .where('verification_attempts', '<', maxAttempts)
    .where('verification_expire_at', '>', now)
    .where('code_digest', 'is not', null)
    .returning(['verification_id', 'code_digest', 'verification_attempts'])
    .executeTakeFirst();
  return row as CountedAttempt | undefined;
}

/** Single use: only the verification that was counted can complete, and only once. */
export async function completeVerification(db: Db, id: string, verificationId: string, now: number): Promise<boolean> {
  const result = await db.updateTable('phone_numbers')
    .set((eb) => ({ verification_status: 'verified', verified_phone_number: eb.ref('phone_number'), code_digest: null, updated_at: now }))
    .where('id', '=', id).where('verification_id', '=', verificationId).where('verification_status', '=', 'unverified')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function failVerification(db: Db, id: string, verificationId: string, now: number): Promise<void> {
  await db.updateTable('phone_numbers')
    .set({ verification_status: 'failed', code_digest: null, updated_at: now })
    .where('id', '=', id).where('verification_id', '=', verificationId).where('verification_status', '=', 'unverified')
    .execute();
}

export async function setSecondFactor(db: Db, id: string, reserved: boolean, isDefault: boolean, now: number): Promise<void> {
  await db.updateTable('phone_numbers')
    .set({ reserved_for_second_factor: reserved ? 1 : 0, default_second_factor: isDefault ? 1 : 0, updated_at: now })
    .where('id', '=', id).execute();
}

export async function clearDefaultSecondFactor(db: Db, ids: string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('phone_numbers').set({ default_second_factor: 0, updated_at: now }).where('id', 'in', ids).execute();
}

export async function deletePhoneNumber(db: Db, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('phone_numbers').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
