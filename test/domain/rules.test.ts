import { describe, expect, it } from 'vitest';
import { attemptRefusal, effectiveStatus, statusAfterWrongCode } from '../../src/domain/verification.js';
import { nextDefault, nextPrimary, planSecondFactorChange, generateBackupCodes } from '../../src/domain/second-factor.js';
import { isTestPhoneNumber, maskPhone, normalisePhone } from '../../src/domain/phone.js';
import { codeDigest, codeMatches, generateCode } from '../../src/domain/otp.js';
import { hasPrefix, newId, randomBase62 } from '../../src/domain/ids.js';
import { frontendApiHostFromPublishableKey, publishableKey, deriveKeys, tokenDigest, newOpaqueToken } from '../../src/domain/keys.js';
import { seal, unseal } from '../../src/domain/seal.js';
import { checkSmsDestination } from '../../src/domain/sms-policy.js';
import { ClerkError } from '../../src/domain/errors.js';

// The domain's rules, without a server: each test here would fail if the rule it names broke.

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as ClerkError).code;
  }
  return null;
};

describe('verification state machine', () => {
  const now = 1_000_000;
  it('an unverified code past its expiry reads as expired', () => {
    expect(effectiveStatus({ status: 'unverified', attempts: 0, expireAt: now }, now)).toBe('expired');
    expect(effectiveStatus({ status: 'unverified', attempts: 0, expireAt: now + 1 }, now)).toBe('unverified');
    expect(effectiveStatus({ status: 'verified', attempts: 1, expireAt: now - 10 }, now)).toBe('verified');
  });
  it('refuses attempts with the right Clerk code for each state', () => {
    expect(attemptRefusal({ status: null, attempts: 0, expireAt: null }, now, 5)?.code).toBe('verification_missing');
    expect(attemptRefusal({ status: 'verified', attempts: 1, expireAt: now + 1 }, now, 5)?.code).toBe('verification_already_verified');
    expect(attemptRefusal({ status: 'unverified', attempts: 0, expireAt: now }, now, 5)?.code).toBe('verification_expired');
    expect(attemptRefusal({ status: 'failed', attempts: 5, expireAt: now + 1 }, now, 5)?.code).toBe('verification_failed');
    expect(attemptRefusal({ status: 'unverified', attempts: 5, expireAt: now + 1 }, now, 5)?.code).toBe('verification_failed');
    expect(attemptRefusal({ status: 'unverified', attempts: 4, expireAt: now + 1 }, now, 5)).toBeNull();
  });
  it('the wrong code that uses the last try fails the verification', () => {
    expect(statusAfterWrongCode(4, 5)).toBe('unverified');
    expect(statusAfterWrongCode(5, 5)).toBe('failed');
  });
});

describe('second-factor rules', () => {
  const n = (id: string, verified: boolean, reserved = false, isDefault = false) => ({ id, verified, reserved, isDefault });
  it('reserving needs a verified number', () => {
    expect(codeOf(() => planSecondFactorChange(n('a', false), [], { reserved: true }))).toBe('form_param_value_invalid');
  });
  it('default needs reserved', () => {
    expect(codeOf(() => planSecondFactorChange(n('a', true), [], { isDefault: true }))).toBe('form_param_value_invalid');
  });
  it('the first reserved number becomes the default; making another default clears the old one', () => {
    expect(planSecondFactorChange(n('a', true), [], { reserved: true })).toEqual({ reserved: true, isDefault: true, clearDefaultOn: [] });
    expect(planSecondFactorChange(n('b', true), [n('a', true, true, true)], { reserved: true })).toEqual({ reserved: true, isDefault: false, clearDefaultOn: [] });
    expect(planSecondFactorChange(n('b', true, true), [n('a', true, true, true)], { isDefault: true })).toEqual({ reserved: true, isDefault: true, clearDefaultOn: ['a'] });
  });
  it('un-reserving clears default', () => {
    expect(planSecondFactorChange(n('a', true, true, true), [], { reserved: false })).toEqual({ reserved: false, isDefault: false, clearDefaultOn: [] });
  });
  it('primary and default move to the oldest eligible remaining number', () => {
    expect(nextPrimary([n('a', false), n('b', true), n('c', true)])).toBe('b');
    expect(nextPrimary([n('a', false)])).toBeNull();
    expect(nextDefault([n('a', true), n('b', true, true)])).toBe('b');
    expect(nextDefault([])).toBeNull();
  });
  it('backup codes: ten distinct, unambiguous codes', () => {
    const codes = generateBackupCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-km-np-z2-9]{8}$/);
  });
});

describe('phone numbers', () => {
  it('normalises to E.164 and refuses what is not a number', () => {
    expect(normalisePhone('+1 (202) 555-0123').e164).toBe('+12025550123');
    expect(normalisePhone('12025550123').e164).toBe('+12025550123');
    expect(normalisePhone('+44 20 7946 0958').country).toBe('GB');
    for (const bad of ['', '+1', 'abc', '+999 1234', '+1'.padEnd(100, '5')]) {
      expect(codeOf(() => normalisePhone(bad))).toBe('form_param_format_invalid');
    }
  });
  it('knows the test-mode range +1 XXX 555-0100..0199 and nothing else', () => {
    expect(isTestPhoneNumber('+12015550100')).toBe(true);
    expect(isTestPhoneNumber('+12015550199')).toBe(true);
    expect(isTestPhoneNumber('+12015550200')).toBe(false);
    expect(isTestPhoneNumber('+442015550100')).toBe(false);
  });
  it('masks numbers for logs', () => {
    expect(maskPhone('+12025550123')).toBe('+1******23');
  });
  it('refuses premium-rate numbers and enforces country lists', () => {
    const policy = { allowed: [], blocked: [] };
    expect(codeOf(() => checkSmsDestination(normalisePhone('+19005551234'), policy))).toBe('form_param_value_invalid');
    expect(codeOf(() => checkSmsDestination(normalisePhone('+12025550123'), policy))).toBeNull();
    expect(codeOf(() => checkSmsDestination(normalisePhone('+12025550123'), { allowed: ['GB'], blocked: [] }))).toBe('form_param_value_invalid');
    expect(codeOf(() => checkSmsDestination(normalisePhone('+12025550123'), { allowed: [], blocked: ['US'] }))).toBe('form_param_value_invalid');
  });
});

describe('codes, ids, keys and sealing', () => {
  it('codes are six digits, and the digest binds code and verification', () => {
    const key = Buffer.alloc(32, 7);
    const code = generateCode();
    expect(code).toMatch(/^\d{6}$/);
    const digest = codeDigest(key, 'ver_1', code);
    expect(digest).not.toContain(code);
    expect(codeMatches(key, 'ver_1', code, digest)).toBe(true);
    expect(codeMatches(key, 'ver_2', code, digest)).toBe(false);
    expect(codeMatches(Buffer.alloc(32, 8), 'ver_1', code, digest)).toBe(false);
    expect(codeMatches(key, 'ver_1', code === '000000' ? '000001' : '000000', digest)).toBe(false);
  });
  it('codes are spread over the whole range', () => {
    const firstDigits = new Set(Array.from({ length: 400 }, () => generateCode()[0]));
    expect(firstDigits.size).toBe(10);
  });
  it('ids carry their prefix and sort by creation time', () => {
    const a = newId('idn', 1_700_000_000_000);
    const b = newId('idn', 1_700_000_000_001);
    expect(hasPrefix(a, 'idn')).toBe(true);
    expect(hasPrefix(a, 'user')).toBe(false);
    expect(a < b).toBe(true);
  });
  it('random id characters are uniform over all 62 and ids do not repeat', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) for (const ch of randomBase62(19)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (10_000 * 19) / 62;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.12);
    expect(new Set(Array.from({ length: 20_000 }, () => newId('idn'))).size).toBe(20_000);
  });

  it('publishable keys encode the Frontend API host as Clerk does', () => {
    const key = publishableKey('https://clerk.example.com', false);
    expect(key).toBe(`pk_test_${Buffer.from('clerk.example.com$').toString('base64')}`);
    expect(frontendApiHostFromPublishableKey(key)).toBe('clerk.example.com');
    expect(publishableKey('http://localhost:4000', true).startsWith('pk_live_')).toBe(true);
    expect(frontendApiHostFromPublishableKey('pk_test_bm9kb2xsYXI=')).toBeNull();
  });
  it('derived keys differ by purpose and by secret', () => {
    const a = deriveKeys('sk_test_aaaaaaaaaaaaaaaaaaaa');
    const b = deriveKeys('sk_test_bbbbbbbbbbbbbbbbbbbb');
    expect(a.otp.equals(a.seal)).toBe(false);
    expect(a.signingKeySeal.equals(a.seal) || a.signingKeySeal.equals(a.otp)).toBe(false);
    expect(a.otp.equals(b.otp)).toBe(false);
  });
  it('tokens are random and stored only as digests', () => {
    const token = newOpaqueToken();
    expect(token).not.toBe(newOpaqueToken());
    expect(tokenDigest(token)).not.toContain(token);
    expect(tokenDigest(token)).toBe(tokenDigest(token));
  });
  it('sealed text opens only with its key, and tampering is detected', () => {
    const key = Buffer.alloc(32, 1);
    const sealed = seal(key, 'code 123456');
    expect(sealed).not.toContain('123456');
    expect(unseal(key, sealed)).toBe('code 123456');
    expect(() => unseal(Buffer.alloc(32, 2), sealed)).toThrow();
    const tampered = Buffer.from(sealed, 'base64url');
    tampered[tampered.length - 1] ^= 1;
    expect(() => unseal(key, tampered.toString('base64url'))).toThrow();
  });
});
