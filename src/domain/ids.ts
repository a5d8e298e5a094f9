import { randomBytes } from 'node:crypto';

// Prefixed, sortable ids as Clerk makes them: `idn_` + base62(timestamp ms, 8 chars) + 19 random base62 chars.
// The time part keeps ids roughly in creation order, which makes primary-key indexes append-only.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type IdPrefix = 'user' | 'client' | 'sess' | 'idn' | 'sia' | 'sit' | 'sms' | 'ver';

function base62(value: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[value % 62]! + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/**
 * Random bytes from the system CSPRNG, drawn 4 KiB at a time: one call per ~100 ids instead of
 * one per id (each small randomBytes call costs a synchronous trip into the crypto library).
 * Every byte is handed out once.
 */
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomByte(): number {
  if (poolOffset >= pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

export function randomBase62(length: number): string {
  // 62 * 4 = 248 < 256: reject bytes >= 248 so every character is equally likely.
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

export function newId(prefix: IdPrefix, now = Date.now()): string {
  return `${prefix}_${base62(now, 8)}${randomBase62(19)}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(`${prefix}_`) && /^[A-Za-z0-9]{27}$/.test(id.slice(prefix.length + 1));
}
