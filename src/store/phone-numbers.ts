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

/** The last step of a number's verification, in the same transaction as the code's completion: the unique index decides races. */
export async function markNumberVerified(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('phone_numbers').set((eb) => ({ verified_phone_number: eb.ref('phone_number'), updated_at: now })).where('id', '=', id).execute();
}

/** The verified number a sign-in names, and whose it is. */
export async function findVerifiedNumber(db: Db, e164: string): Promise<PhoneNumberRow | undefined> {
  return db.selectFrom('phone_numbers').selectAll().where('verified_phone_number', '=', e164).executeTakeFirst();
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
