import type { Kysely } from 'kysely';
import { errors } from '../domain/errors.js';
import type { Database } from '../store/schema.js';
import { listPhoneNumbers } from '../store/phone-numbers.js';
import { lockUser, updateUser } from '../store/users.js';
import { issueBackupCodes } from './backup-codes.js';
import type { Events } from './events.js';

// Changes a signed-in user makes to their own account that read before they write, under the user's row lock.

/** Makes one of the user's verified numbers their primary (the number shown for them and signed in with first). */
export async function setPrimaryPhoneNumber(db: Kysely<Database>, events: Events, userId: string, phoneNumberId: string, now: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await lockUser(tx, userId);
    const number = (await listPhoneNumbers(tx, [userId])).find((n) => n.id === phoneNumberId);
    if (!number) throw errors.resourceNotFound();
    if (number.verified_phone_number === null) {
      throw errors.paramValueInvalid('primary_phone_number_id', 'Only a verified phone number can be the primary one.');
    }
    await updateUser(tx, userId, { primary_phone_number_id: phoneNumberId, updated_at: now });
    await events.user(tx, 'user.updated', userId, now);
  });
}

/** New backup codes, the old ones no longer working; only while two-step verification is on. */
export async function regenerateBackupCodes(db: Kysely<Database>, key: Buffer, userId: string, now: number): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    await lockUser(tx, userId);
    const numbers = await listPhoneNumbers(tx, [userId]);
    if (!numbers.some((n) => n.reserved_for_second_factor === 1)) throw errors.secondFactorRequired();
    return issueBackupCodes(tx, key, userId, now);
  });
}
