import { createHmac } from 'node:crypto';
import type { AppContext } from '../context.js';
import { errors } from '../domain/errors.js';
import { idFromDigest, newId } from '../domain/ids.js';
import { lockoutRefusal } from '../domain/lockout.js';
import type { NormalisedPhone } from '../domain/phone.js';
import type { Db } from '../store/db.js';
import { setClientAttempt } from '../store/clients.js';
import { findVerifiedNumber, listPhoneNumbers } from '../store/phone-numbers.js';
import type { ClientRow, PhoneNumberRow, SignInRow, UserRow, VerificationRow } from '../store/schema.js';
import { advanceSignIn, insertSignIn } from '../store/sign-ins.js';
import { findUser } from '../store/users.js';
import { flowSlot, startVerification, verificationsOf } from '../store/verifications.js';
import { lockoutState } from './lockout.js';
import type { Events } from './events.js';
import { ensureClient, startSession } from './sessions.js';
import type { CodeRecipient } from './verification.js';

// Signing in with a phone number: identify the account by a verified number, prove it with an
// SMS code (first factor), then, when the user has two-step verification on, with a second code
// or a backup code (second factor). The codes themselves go through operations/verification.ts.

export type SignInStatus = 'needs_identifier' | 'needs_first_factor' | 'needs_second_factor' | 'complete';

/** A sign-in with what its answer and its next step need: the account, its numbers, its codes. */
export interface SignInAttempt {
  signIn: SignInRow;
  user: UserRow | null;
  /** The account's numbers, oldest first (empty for an unknown number). */
  numbers: PhoneNumberRow[];
  verifications: VerificationRow[];
  /** Under enumeration protection, the stand-in id for a number nobody has. */
  phantomNumberId: string | null;
}

const SIGN_IN_LIFETIME_MS = 24 * 3_600_000;

/** The stable stand-in id of a number nobody has: the same number always gets the same one. */
function phantomNumberId(ctx: AppContext, e164: string): string {
  return idFromDigest('idn', createHmac('sha256', ctx.keys.derived.phantomIds).update(e164).digest(), ctx.now());
}

export async function loadSignInAttempt(ctx: AppContext, db: Db, signIn: SignInRow): Promise<SignInAttempt> {
  const [user, numbers, verifications] = await Promise.all([
    signIn.user_id ? findUser(db, signIn.user_id) : Promise.resolve(undefined),
    signIn.user_id ? listPhoneNumbers(db, [signIn.user_id]) : Promise.resolve([]),
    verificationsOf(db, signIn.id),
  ]);
  const phantom = signIn.user_id === null && signIn.identifier !== null && signIn.status !== 'needs_identifier';
  return { signIn, user: user ?? null, numbers, verifications, phantomNumberId: phantom ? phantomNumberId(ctx, signIn.identifier!) : null };
}

export interface StartedSignIn {
  client: ClientRow;
  /** Set when the sign-in made a new client: the only time its token exists outside a digest. */
  clientToken: string | null;
  signIn: SignInRow;
}

/**
 * A new sign-in on this client, replacing any earlier one. A number nobody has verified is
 * form_identifier_not_found, unless enumeration protection is on: then the sign-in goes on as if
 * it were known, and its codes can never match.
 */
export async function createSignIn(ctx: AppContext, existing: ClientRow | null, identifier: NormalisedPhone | null): Promise<StartedSignIn> {
  const db = ctx.database.db;
  const owner = identifier ? await findVerifiedNumber(db, identifier.e164) : undefined;
  if (identifier && !owner && !ctx.config.enumerationProtection) throw errors.identifierNotFound();
  const now = ctx.now();
  return db.transaction().execute(async (tx) => {
    const { client, clientToken } = await ensureClient(tx, existing, now);
    const signIn: SignInRow = {
      id: newId('sia', now), client_id: client.id, user_id: owner?.user_id ?? null, identifier: identifier?.e164 ?? null,
      status: identifier ? 'needs_first_factor' : 'needs_identifier', created_session_id: null,
      abandon_at: now + SIGN_IN_LIFETIME_MS, created_at: now, updated_at: now,
    };
    await insertSignIn(tx, signIn);
    await setClientAttempt(tx, client.id, { sign_in_id: signIn.id }, now);
    return { client: { ...client, sign_in_id: signIn.id, updated_at: now }, clientToken, signIn };
  });
}

/** A sign-in that is past its abandon time reads as gone, as Clerk answers for it. */
export function isAbandoned(signIn: { abandon_at: number }, now: number): boolean {
  return signIn.abandon_at <= now;
}

export function requireStatus(attempt: SignInAttempt, status: SignInStatus): void {
  if (attempt.signIn.status !== status) throw errors.signInNotReady(attempt.signIn.status);
}

/** A locked user can't even be sent a code: it would only be refused. */
export function refuseLockedUser(attempt: SignInAttempt, now: number): void {
  const refusal = attempt.user ? lockoutRefusal(lockoutState(attempt.user), now) : null;
  if (refusal) throw refusal;
}

export function verifiedNumbers(attempt: SignInAttempt): PhoneNumberRow[] {
  return attempt.numbers.filter((n) => n.verified_phone_number !== null);
}

export function secondFactorNumbers(attempt: SignInAttempt): PhoneNumberRow[] {
  return attempt.numbers.filter((n) => n.verified_phone_number !== null && n.reserved_for_second_factor === 1);
}

function recipient(attempt: SignInAttempt, flow: CodeRecipient['flow'], number: PhoneNumberRow): CodeRecipient {
  const purpose = flow === 'sign_in_first_factor' ? 'first_factor' : 'second_factor';
  return {
    flow, slot: flowSlot(attempt.signIn.id, purpose), phoneNumber: number.phone_number, phoneNumberId: number.id,
    userId: number.user_id, limitSubject: number.user_id, deliverable: true,
  };
}

/** Where the first-factor code goes: the named verified number, else the one the user typed. */
export function firstFactorRecipient(attempt: SignInAttempt, phoneNumberId: string | undefined): CodeRecipient {
  const { signIn } = attempt;
  if (attempt.phantomNumberId !== null) {
    if (phoneNumberId !== undefined && phoneNumberId !== attempt.phantomNumberId) throw errors.strategyForUserInvalid();
    return {
      flow: 'sign_in_first_factor', slot: flowSlot(signIn.id, 'first_factor'), phoneNumber: signIn.identifier!,
      phoneNumberId: attempt.phantomNumberId, userId: null, limitSubject: `client:${signIn.client_id}`, deliverable: false,
    };
  }
  const numbers = verifiedNumbers(attempt);
  const number = phoneNumberId === undefined
    ? numbers.find((n) => n.phone_number === signIn.identifier)
    : numbers.find((n) => n.id === phoneNumberId);
  if (!number) throw errors.strategyForUserInvalid();
  return recipient(attempt, 'sign_in_first_factor', number);
}

/** Where the second-factor code goes: the named reserved number, else the default one. */
export function secondFactorRecipient(attempt: SignInAttempt, phoneNumberId: string | undefined): CodeRecipient {
  const numbers = secondFactorNumbers(attempt);
  const number = phoneNumberId === undefined
    ? numbers.find((n) => n.default_second_factor === 1) ?? numbers[0]
    : numbers.find((n) => n.id === phoneNumberId);
  if (!number) throw errors.strategyForUserInvalid();
  return recipient(attempt, 'sign_in_second_factor', number);
}

/** Ends a sign-in with a new session; the client no longer shows it as in progress. */
async function finish(ctx: AppContext, tx: Db, events: Events, attempt: SignInAttempt, client: ClientRow, now: number): Promise<void> {
  const { session } = await startSession(tx, events, client, attempt.user!.id, ctx.config.sessionLifetimeSeconds, now);
  if (!(await advanceSignIn(tx, attempt.signIn.id, attempt.signIn.status, { status: 'complete', created_session_id: session.id, updated_at: now }))) {
    throw errors.signInNotReady('complete');
  }
  await setClientAttempt(tx, client.id, { sign_in_id: null }, now);
}

/** After a right first factor: two-step verification next when the user has it on, else a session. */
export async function passFirstFactor(ctx: AppContext, tx: Db, events: Events, attempt: SignInAttempt, client: ClientRow, now: number): Promise<void> {
  if (secondFactorNumbers(attempt).length > 0) {
    if (!(await advanceSignIn(tx, attempt.signIn.id, 'needs_first_factor', { status: 'needs_second_factor', updated_at: now }))) {
      throw errors.signInNotReady(attempt.signIn.status);
    }
    return;
  }
  await finish(ctx, tx, events, attempt, client, now);
}

/** After a right second factor; a backup code leaves its mark as the sign-in's second-factor verification. */
export async function passSecondFactor(ctx: AppContext, tx: Db, events: Events, attempt: SignInAttempt, client: ClientRow, strategy: 'phone_code' | 'backup_code', now: number): Promise<void> {
  if (strategy === 'backup_code') {
    await startVerification(tx, flowSlot(attempt.signIn.id, 'second_factor'), {
      verificationId: newId('ver', now), strategy: 'backup_code', status: 'verified', codeDigest: null, expireAt: null, now,
    });
  }
  await finish(ctx, tx, events, attempt, client, now);
}
