import { randomBytes } from 'node:crypto';

// Prefixed, sortable ids as Clerk makes them: `idn_` + base62(timestamp ms, 8 chars) + 19 random base62 chars.
// The time part keeps ids roughly in creation order, which makes primary-key indexes append-only.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type IdPrefix = 'user' | 'client' | 'sess' | 'idn' | 'sia' | 'sua' | 'sit' | 'sms' | 'ver' | 'bcode' | 'sess_activity' | 'msg' | 'whd' | 'ins';

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

/**
 * An id of the usual shape made from a keyed digest instead of the clock and the CSPRNG: the same
 * input always gives the same id, and without the key nobody can tell it from a real one.
 * The time part falls within the two years before `now`'s year began, where real ids' do.
 */
export function idFromDigest(prefix: IdPrefix, digest: Buffer, now: number): string {
  const yearStart = Date.UTC(new Date(now).getUTCFullYear(), 0, 1);
  const twoYears = 2 * 365 * 86_400_000;
  const time = yearStart - twoYears + (digest.readUInt32BE(0) * 1000) % twoYears;
  let random = '';
  for (let i = 4; random.length < 19; i++) random += ALPHABET[digest[i % digest.length]! % 62];
  return `${prefix}_${base62(time, 8)}${random}`;
}
