import type { Db } from '../store/db.js';
import { backupCodeDigest } from './phone-numbers.js';

// INTERIM (the lead's placeholder until the backup-code module lands): spends one backup code by
// compare-and-swap on the stored digest list, so parallel uses of one code succeed once.

export async function consumeBackupCode(db: Db, userId: string, code: string, now: number): Promise<boolean> {
  const digest = backupCodeDigest(code.trim().toLowerCase());
  for (let tries = 0; tries < 5; tries++) {
    const user = await db.selectFrom('users').select('backup_code_digests').where('id', '=', userId).executeTakeFirst();
    if (!user?.backup_code_digests) return false;
    const digests = JSON.parse(user.backup_code_digests) as string[];
    if (!digests.includes(digest)) return false;
    const result = await db.updateTable('users')
      .set({ backup_code_digests: JSON.stringify(digests.filter((d) => d !== digest)), updated_at: now })
      .where('id', '=', userId).where('backup_code_digests', '=', user.backup_code_digests).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return true;
  }
  return false;
}
