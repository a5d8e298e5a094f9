import { timingSafeEqual } from 'node:crypto';

/** An Authorization header (`Bearer <token>`, or the bare token) holds exactly `expected`; compared in constant time. */
export function bearerMatches(given: string | undefined, expected: string): boolean {
  const token = given?.replace(/^Bearer\s+/i, '') ?? '';
  const a = Buffer.from(token);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
