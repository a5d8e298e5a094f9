import { createHmac, hash, randomBytes } from 'node:crypto';
import { randomBase62 } from './ids.js';

// Instance keys: the secret key, what is derived from it, and the publishable key as Clerk encodes it.

export function newSecretKey(live: boolean): string {
  return `sk_${live ? 'live' : 'test'}_${randomBase62(40)}`;
}

/** `pk_test_` + base64("<frontend api host>$"), which Clerk's SDKs decode to find the Frontend API. */
export function publishableKey(frontendApiUrl: string, live: boolean): string {
  const url = new URL(frontendApiUrl);
  // clerk-js refuses a key whose host has no dot: "localhost" is written as the loopback address it means.
  const host = url.hostname === 'localhost' ? `127.0.0.1${url.port ? `:${url.port}` : ''}` : url.host;
  return `pk_${live ? 'live' : 'test'}_${Buffer.from(`${host}$`).toString('base64')}`;
}

export function frontendApiHostFromPublishableKey(key: string): string | null {
  const match = /^pk_(test|live)_([A-Za-z0-9+/=_-]+)$/.exec(key);
  if (!match) return null;
  const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
  return decoded.endsWith('$') && decoded.length > 1 ? decoded.slice(0, -1) : null;
}

export interface DerivedKeys {
  /** HMAC key for one-time code digests. */
  otp: Buffer;
  /** AES-256-GCM key that seals SMS bodies in the outbox. */
  seal: Buffer;
  /** AES-256-GCM key that seals the generated session-signing key at rest. */
  signingKeySeal: Buffer;
  /** HMAC key that turns phone numbers, IPs and user ids into rate-limit keys. */
  rateLimitKeys: Buffer;
  /** HMAC key that gives a number nobody has a stable, unguessable id (enumeration protection). */
  phantomIds: Buffer;
  /** HMAC key for backup-code records. */
  backupCodes: Buffer;
}

/** Separate keys per purpose, so no digest or ciphertext made for one use can be replayed in another. */
export function deriveKeys(secretKey: string): DerivedKeys {
  const derive = (purpose: string) => createHmac('sha256', secretKey).update(`phone-numbers:${purpose}`).digest();
  return { otp: derive('otp'), seal: derive('sms-seal'), signingKeySeal: derive('session-signing-key'), rateLimitKeys: derive('rate-limit-keys'), phantomIds: derive('phantom-ids'), backupCodes: derive('backup-codes') };
}

/** Client and sign-in tokens: 256 random bits, so a fast hash at rest is enough to make a stolen table useless. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenDigest(token: string): string {
  // One-shot: every authenticated request hashes its token, and createHash costs twice as much.
  return hash('sha256', token, 'base64url');
}
