import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { backupCodeRecord, matchingBackupCode, normaliseBackupCode } from '../../src/domain/backup-codes.js';

// Backup codes at rest (issue 12 item 11, ASVS 6.5.2): keyed and salted, never in clear nor a bare hash.

const key = randomBytes(32);

describe('backup-code records', () => {
  it('hold neither the code nor its SHA-256, and differ for the same code (salted) and for another user (bound)', () => {
    const code = 'abcd2345';
    const a = backupCodeRecord(key, 'user_a', code);
    const b = backupCodeRecord(key, 'user_a', code);
    expect(a).not.toContain(code);
    for (const encoding of ['hex', 'base64', 'base64url'] as const) expect(a).not.toContain(createHash('sha256').update(code).digest(encoding));
    expect(a).not.toBe(b);
    expect(matchingBackupCode(key, 'user_a', code, [a])).toBe(0);
    expect(matchingBackupCode(key, 'user_b', code, [a])).toBe(-1);
  });

  it('need the server key: the same record under another key matches nothing', () => {
    const record = backupCodeRecord(key, 'user_a', 'abcd2345');
    expect(matchingBackupCode(randomBytes(32), 'user_a', 'abcd2345', [record])).toBe(-1);
  });

  it('match what a user types, in any case and with spaces or dashes, and say which record', () => {
    const records = ['wxyz2345', 'abcd2345'].map((c) => backupCodeRecord(key, 'user_a', c));
    expect(matchingBackupCode(key, 'user_a', ' ABCD-2345 ', records)).toBe(1);
    expect(matchingBackupCode(key, 'user_a', 'abcd2346', records)).toBe(-1);
    expect(normaliseBackupCode('Ab Cd-23')).toBe('abcd23');
  });

  it('ignore records of another shape (the old unsalted digests)', () => {
    const legacy = createHash('sha256').update('abcd2345').digest('base64url');
    expect(matchingBackupCode(key, 'user_a', 'abcd2345', [legacy])).toBe(-1);
  });
});
