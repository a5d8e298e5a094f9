import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { errors } from '../domain/errors.js';
import { nextDefault, nextPrimary, planSecondFactorChange, type NumberFacts, type SecondFactorChange } from '../domain/second-factor.js';
import type { Db } from '../store/db.js';
import { isUniqueViolation } from '../store/db.js';
import { clearDefaultSecondFactor, deletePhoneNumber, findPhoneNumber, insertPhoneNumber, listPhoneNumbers, markNumberVerified, setSecondFactor } from '../store/phone-numbers.js';
import type { PhoneNumberRow } from '../store/schema.js';
import { lockUser, updateUser } from '../store/users.js';
import { issueBackupCodes } from './backup-codes.js';
import type { Events } from './events.js';

// Changes to a user's numbers that touch several rows: each runs in one transaction, so primary,
// default and two-factor state never disagree with the numbers themselves.

function facts(row: PhoneNumberRow): NumberFacts {
  return { id: row.id, verified: row.verified_phone_number !== null, reserved: row.reserved_for_second_factor === 1, isDefault: row.default_second_factor === 1 };
}

export interface SecondFactorResult {
  row: PhoneNumberRow;
  /** Only on the change that turned two-factor on: shown to the user once, kept only as digests. */
  backupCodes: string[] | null;
}

export async function applySecondFactorChange(db: Kysely<Database>, events: Events, backupCodeKey: Buffer, userId: string, id: string, change: SecondFactorChange, now: number): Promise<SecondFactorResult> {
  return db.transaction().execute(async (tx) => {
    // Parallel changes (other pool connections, other instances) take turns, each reading the last one's result.
    const user = await lockUser(tx, userId);
    const numbers = await listPhoneNumbers(tx, [userId]);
    const target = numbers.find((n) => n.id === id);
    if (!target) throw errors.resourceNotFound();
    const others = numbers.filter((n) => n.id !== id);
    const plan = planSecondFactorChange(facts(target), others.map(facts), change);
    await setSecondFactor(tx, id, plan.reserved, plan.isDefault, now);
    await clearDefaultSecondFactor(tx, plan.clearDefaultOn, now);
    // Un-reserving the default hands the default on, as deleting it does: two-factor on always has one.
    if (target.default_second_factor === 1 && !plan.isDefault) {
      const next = nextDefault(others.map(facts));
      if (next) await setSecondFactor(tx, next, true, true, now);
    }

    const wasOn = numbers.some((n) => n.reserved_for_second_factor === 1);
    const isOn = plan.reserved || others.some((n) => n.reserved_for_second_factor === 1);
    let backupCodes: string[] | null = null;
    if (!wasOn && isOn) {
      if (user && user.backup_code_digests === null) {
        backupCodes = await issueBackupCodes(tx, backupCodeKey, userId, now);
        await updateUser(tx, userId, { mfa_enabled_at: now, updated_at: now });
      } else {
        await updateUser(tx, userId, { mfa_enabled_at: now, updated_at: now });
      }
    } else if (wasOn && !isOn) {
      await updateUser(tx, userId, { backup_code_digests: null, mfa_disabled_at: now, updated_at: now });
    }
    await events.user(tx, 'user.updated', userId, now);
    return { row: (await findPhoneNumber(tx, userId, id))!, backupCodes };
  });
}

/** Deletes a number; primary moves to another verified number, default to another reserved one. */
export async function removePhoneNumber(db: Kysely<Database>, events: Events, userId: string, id: string, now: number): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const user = await lockUser(tx, userId);
    const numbers = await listPhoneNumbers(tx, [userId]);
    const target = numbers.find((n) => n.id === id);
    if (!target || !(await deletePhoneNumber(tx, userId, id))) return false;
    const remaining = numbers.filter((n) => n.id !== id).map(facts);
    const changes: Parameters<typeof updateUser>[2] = {};
    if (user?.primary_phone_number_id === id) changes.primary_phone_number_id = nextPrimary(remaining);
    if (target.default_second_factor === 1) {
      const next = nextDefault(remaining);
      if (next) await setSecondFactor(tx, next, true, true, now);
    }
    if (target.reserved_for_second_factor === 1 && !remaining.some((n) => n.reserved)) {
      changes.backup_code_digests = null;
      changes.mfa_disabled_at = now;
    }
    if (Object.keys(changes).length > 0) await updateUser(tx, userId, { ...changes, updated_at: now });
    await events.user(tx, 'user.updated', userId, now);
    return true;
  });
}

/** A new, unverified number of the user; form_identifier_exists when they already have it (a unique index decides races). */
export async function addPhoneNumber(db: Kysely<Database>, events: Events, row: PhoneNumberRow): Promise<void> {
  try {
    await db.transaction().execute(async (tx) => {
      await insertPhoneNumber(tx, row);
      await events.user(tx, 'user.updated', row.user_id, row.created_at);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw errors.identifierExists();
    throw error;
  }
}

/** The user's first verified number becomes their primary. */
async function setPrimaryIfNone(db: Db, userId: string, id: string, now: number): Promise<void> {
  await db.updateTable('users').set({ primary_phone_number_id: id, updated_at: now })
    .where('id', '=', userId).where('primary_phone_number_id', 'is', null).execute();
}

/** What a right code for a number does, in the transaction that spends it: verified, primary if first, reported. */
export function numberVerified(events: Events, userId: string, id: string) {
  return async (tx: Db, now: number): Promise<void> => {
    await markNumberVerified(tx, id, now);
    await setPrimaryIfNone(tx, userId, id, now);
    await events.user(tx, 'user.updated', userId, now);
  };
}
