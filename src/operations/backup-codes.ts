import { backupCodeRecord, matchingBackupCode } from '../domain/backup-codes.js';
import { generateBackupCodes } from '../domain/second-factor.js';
import type { Db } from '../store/db.js';
import { findUser, updateUser } from '../store/users.js';

// A user's backup codes: issued (shown once, kept as keyed records), and spent one at a time.

/** New codes for the user, replacing any earlier ones; answers them, the only time they exist in clear. */
export async function issueBackupCodes(tx: Db, key: Buffer, userId: string, now: number): Promise<string[]> {
  const codes = generateBackupCodes();
  await updateUser(tx, userId, { backup_code_digests: JSON.stringify(codes.map((c) => backupCodeRecord(key, userId, c))), updated_at: now });
  return codes;
}

/**
 * Spends one backup code: true once for each code, however many requests (on however many
 * instances) send it at the same time, because the list is replaced only if it is still the one read.
 * A lost race means another code or this one was just spent: read again until this code is spent or gone.
 */
export async function consumeBackupCode(db: Db, key: Buffer, userId: string, typed: string, now: number): Promise<boolean> {
  for (;;) {
    const stored = (await findUser(db, userId))?.backup_code_digests;
    if (!stored) return false;
    const records = JSON.parse(stored) as string[];
    const index = matchingBackupCode(key, userId, typed, records);
    if (index === -1) return false;
    const result = await db.updateTable('users')
      .set({ backup_code_digests: JSON.stringify(records.filter((_, i) => i !== index)), updated_at: now })
      .where('id', '=', userId).where('backup_code_digests', '=', stored).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return true;
  }
}
