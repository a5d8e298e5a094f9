import type { AppContext } from '../context.js';
import { errors } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { NormalisedPhone } from '../domain/phone.js';
import type { Db } from '../store/db.js';
import { setClientAttempt } from '../store/clients.js';
import { findVerifiedNumber, insertPhoneNumber } from '../store/phone-numbers.js';
import type { ClientRow, PhoneNumberRow, SignUpRow, VerificationRow } from '../store/schema.js';
import { advanceSignUp, insertSignUp } from '../store/sign-ups.js';
import { insertUser, newUserRow, updateUser } from '../store/users.js';
import { flowSlot, verificationsOf } from '../store/verifications.js';
import type { Events } from './events.js';
import { ensureClient, startSession } from './sessions.js';
import type { CodeRecipient } from './verification.js';

// Signing up with a phone number: the number is given, proven by an SMS code, and then becomes the
// new user's verified primary number, with a session, in one transaction.

export interface SignUpAttempt {
  signUp: SignUpRow;
  verification: VerificationRow | null;
}

const SIGN_UP_LIFETIME_MS = 24 * 3_600_000;

export async function loadSignUpAttempt(db: Db, signUp: SignUpRow): Promise<SignUpAttempt> {
  const verification = (await verificationsOf(db, signUp.id)).find((v) => v.purpose === 'sign_up') ?? null;
  return { signUp, verification };
}

/** Someone already proved this number is theirs: it can't start another account. */
async function refuseTakenNumber(db: Db, phone: NormalisedPhone | null): Promise<void> {
  if (phone && (await findVerifiedNumber(db, phone.e164))) throw errors.identifierExists();
}

export interface StartedSignUp {
  client: ClientRow;
  clientToken: string | null;
  signUp: SignUpRow;
}

export async function createSignUp(ctx: AppContext, existing: ClientRow | null, phone: NormalisedPhone | null): Promise<StartedSignUp> {
  const db = ctx.database.db;
  await refuseTakenNumber(db, phone);
  const now = ctx.now();
  return db.transaction().execute(async (tx) => {
    const { client, clientToken } = await ensureClient(tx, existing, now);
    const signUp: SignUpRow = {
      id: newId('sua', now), client_id: client.id, phone_number: phone?.e164 ?? null, status: 'missing_requirements',
      created_user_id: null, created_session_id: null, abandon_at: now + SIGN_UP_LIFETIME_MS, created_at: now, updated_at: now,
    };
    await insertSignUp(tx, signUp);
    await setClientAttempt(tx, client.id, { sign_up_id: signUp.id }, now);
    return { client: { ...client, sign_up_id: signUp.id, updated_at: now }, clientToken, signUp };
  });
}

/** A new number for a sign-up in progress: any code sent to the old one stops counting. */
export async function changeSignUpNumber(ctx: AppContext, signUp: SignUpRow, phone: NormalisedPhone): Promise<void> {
  const db = ctx.database.db;
  await refuseTakenNumber(db, phone);
  const now = ctx.now();
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('verifications').where('owner_id', '=', signUp.id).execute();
    if (!(await advanceSignUp(tx, signUp.id, 'missing_requirements', { phone_number: phone.e164, updated_at: now }))) {
      throw errors.signUpNotReady('This sign-up is already complete.');
    }
  });
}

export function signUpRecipient(signUp: SignUpRow): CodeRecipient {
  if (signUp.status !== 'missing_requirements') throw errors.signUpNotReady('This sign-up is already complete.');
  if (!signUp.phone_number) throw errors.paramMissing('phone_number');
  return {
    flow: 'sign_up', slot: flowSlot(signUp.id, 'sign_up'), phoneNumber: signUp.phone_number, phoneNumberId: null,
    userId: null, limitSubject: `client:${signUp.client_id}`, deliverable: true,
  };
}

/**
 * The code was right: the user, their verified primary number and a session, all at once. If
 * someone verified the number meanwhile, the unique index refuses it and nothing is kept.
 */
export async function completeSignUp(ctx: AppContext, tx: Db, events: Events, signUp: SignUpRow, client: ClientRow, now: number): Promise<void> {
  const user = newUserRow(newId('user', now), { external_id: null, first_name: null, last_name: null, username: null }, now);
  await insertUser(tx, user);
  const e164 = signUp.phone_number!;
  const number: PhoneNumberRow = {
    id: newId('idn', now), user_id: user.id, phone_number: e164, verified_phone_number: e164,
    reserved_for_second_factor: 0, default_second_factor: 0, verification_id: newId('ver', now), verification_status: 'verified',
    verification_strategy: 'phone_code', verification_attempts: 1, verification_expire_at: now, code_digest: null,
    created_at: now, updated_at: now,
  };
  await insertPhoneNumber(tx, number);
  await updateUser(tx, user.id, { primary_phone_number_id: number.id, updated_at: now });
  await events.user(tx, 'user.created', user.id, now);
  const { session } = await startSession(tx, events, client, user.id, ctx.config.sessionLifetimeSeconds, now);
  if (!(await advanceSignUp(tx, signUp.id, 'missing_requirements', { status: 'complete', created_user_id: user.id, created_session_id: session.id, updated_at: now }))) {
    throw errors.signUpNotReady('This sign-up is already complete.');
  }
  await setClientAttempt(tx, client.id, { sign_up_id: null }, now);
}
