import type { Kysely } from 'kysely';
import { errors } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { newOpaqueToken, tokenDigest } from '../domain/keys.js';
import { normalisePhone } from '../domain/phone.js';
import { isUniqueViolation } from '../store/db.js';
import type { Database, PhoneNumberRow, UserRow } from '../store/schema.js';
import { insertPhoneNumber } from '../store/phone-numbers.js';
import { deleteUser, findUser, insertUser, newUserRow } from '../store/users.js';
import type { Events } from '../operations/events.js';
import { insertSignInToken } from '../store/sign-in-tokens.js';

// What an operator does to users, shared by the Backend API and the CLI.

export interface NewUser {
  phoneNumbers?: string[];
  firstName?: string | null;
  lastName?: string | null;
  username?: string | null;
  externalId?: string | null;
}

/** Numbers given by an operator are trusted, so they are created verified, as Clerk's Backend API does. */
export async function createUser(db: Kysely<Database>, events: Events, input: NewUser, now: number): Promise<UserRow> {
  const phones = (input.phoneNumbers ?? []).map((p) => normalisePhone(p).e164);
  if (new Set(phones).size !== phones.length) throw errors.identifierExists();
  const user: UserRow = newUserRow(newId('user', now), {
    external_id: input.externalId ?? null, first_name: input.firstName ?? null, last_name: input.lastName ?? null, username: input.username ?? null,
  }, now);
  try {
    await db.transaction().execute(async (tx) => {
      // Ids sort by their time part: stepping it keeps the given order among numbers made in one millisecond.
      const rows: PhoneNumberRow[] = phones.map((e164, i) => ({
        id: newId('idn', now + i), user_id: user.id, phone_number: e164, verified_phone_number: e164,
        reserved_for_second_factor: 0, default_second_factor: 0, verification_id: null,
        verification_status: 'verified', verification_strategy: 'admin', verification_attempts: 0,
        verification_expire_at: null, code_digest: null, created_at: now, updated_at: now,
      }));
      user.primary_phone_number_id = rows[0]?.id ?? null;
      await insertUser(tx, user);
      for (const row of rows) await insertPhoneNumber(tx, row);
      await events.user(tx, 'user.created', user.id, now);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw errors.identifierExists();
    throw error;
  }
  return user;
}

/** Deletes a user (their numbers, clients' sessions and codes go with them); false when there was none. */
export async function removeUser(db: Kysely<Database>, events: Events, userId: string, now: number): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const user = await findUser(tx, userId);
    if (!user || !(await deleteUser(tx, userId))) return false;
    await events.userDeleted(tx, user, now);
    return true;
  });
}

export interface NewSignInToken {
  id: string;
  userId: string;
  token: string;
  status: 'pending';
  expiresAt: number;
  createdAt: number;
}

export const DEFAULT_SIGN_IN_TOKEN_SECONDS = 30 * 24 * 3600;

export async function createSignInToken(db: Kysely<Database>, userId: string, expiresInSeconds: number, now: number): Promise<NewSignInToken> {
  if (!(await findUser(db, userId))) throw errors.resourceNotFound();
  const token = newOpaqueToken();
  const id = newId('sit', now);
  const expiresAt = now + expiresInSeconds * 1000;
  await insertSignInToken(db, { id, user_id: userId, token_digest: tokenDigest(token), status: 'pending', expires_at: expiresAt, created_at: now, updated_at: now });
  return { id, userId, token, status: 'pending', expiresAt, createdAt: now };
}
