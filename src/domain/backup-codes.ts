import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Backup codes at rest, as ASVS 6.5.2 asks for secrets of their size (40 bits each): each kept only
// as an HMAC under a server key, over the user's id, a salt of its own and the code. A copy of the
// users table then lets nobody test guesses offline, and one code's record says nothing of another's.

/** What a user types, as it was made: lower case, no spaces or dashes. */
export function normaliseBackupCode(typed: string): string {
  return typed.toLowerCase().replace(/[\s-]/g, '');
}

function digest(key: Buffer, userId: string, salt: string, code: string): Buffer {
  return createHmac('sha256', key).update(userId).update('\0').update(salt).update('\0').update(normaliseBackupCode(code)).digest();
}

/** One code's stored record: `<salt>.<digest>`, both base64url. */
export function backupCodeRecord(key: Buffer, userId: string, code: string): string {
  const salt = randomBytes(16).toString('base64url');
  return `${salt}.${digest(key, userId, salt, code).toString('base64url')}`;
}

/** Which record the typed code matches, or -1; every record is compared, in constant time each. */
export function matchingBackupCode(key: Buffer, userId: string, typed: string, records: string[]): number {
  let found = -1;
  records.forEach((record, i) => {
    const [salt, stored] = record.split('.');
    if (!salt || !stored) return;
    const given = digest(key, userId, salt, typed);
    const expected = Buffer.from(stored, 'base64url');
    if (given.length === expected.length && timingSafeEqual(given, expected) && found === -1) found = i;
  });
  return found;
}
