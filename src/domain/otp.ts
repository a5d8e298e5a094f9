import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

// One-time codes: made uniformly at random, kept only as an HMAC bound to the verification they belong to.

export const CODE_LENGTH = 6;

export function generateCode(): string {
  return randomInt(0, 10 ** CODE_LENGTH).toString().padStart(CODE_LENGTH, '0');
}

/**
 * Binding the verification id into the MAC means a code's digest is useless for any other
 * verification, and the same code on two numbers yields two unrelated digests.
 */
export function codeDigest(key: Buffer, verificationId: string, code: string): string {
  return createHmac('sha256', key).update(verificationId).update('\0').update(code).digest('base64url');
}

export function codeMatches(key: Buffer, verificationId: string, code: string, storedDigest: string): boolean {
  const given = Buffer.from(codeDigest(key, verificationId, code));
  const stored = Buffer.from(storedDigest);
  return given.length === stored.length && timingSafeEqual(given, stored);
}
