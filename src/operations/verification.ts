import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { ClerkError, errors } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { lockoutRefusal } from '../domain/lockout.js';
import { codeDigest, codeMatches, generateCode } from '../domain/otp.js';
import { isTestPhoneNumber, TEST_MODE_CODE } from '../domain/phone.js';
import { seal } from '../domain/seal.js';
import { attemptRefusal, statusAfterWrongCode, type VerificationStatus } from '../domain/verification.js';
import type { VerificationOutcome } from '../metrics.js';
import { verificationMessage } from '../sms/message.js';
import { isUniqueViolation, type Db } from '../store/db.js';
import { enqueueSms } from '../store/sms-messages.js';
import { findUser } from '../store/users.js';
import {
  completeVerification, countAttempt, failVerification, readVerification, startVerification, type CodeSlot, type VerificationPurpose,
} from '../store/verifications.js';
import { consumeBackupCode } from './backup-codes.js';
import type { Events } from './events.js';
import { clearFailedCodes, lockoutPolicy, lockoutState, recordFailedCode } from './lockout.js';

// The one mechanism behind every SMS code: a number's verification, a sign-in's first and second
// factor, a sign-up. It makes the code, keeps only its keyed digest, sends it through the outbox in
// the same transaction, applies the send and check limits, counts attempts atomically, and counts a
// user's failures towards the lockout. Callers say where the code lives and what success means.

export type CodeFlow = 'phone_number' | 'sign_in_first_factor' | 'sign_in_second_factor' | 'sign_up';

export interface CodeRecipient {
  flow: CodeFlow;
  slot: CodeSlot;
  /** E.164: where the SMS goes. */
  phoneNumber: string;
  phoneNumberId: string | null;
  /** The account the code proves, for its limits and lockout; null before one exists (a sign-up). */
  userId: string | null;
  /** Who the per-account send limit counts when there is no account yet (the client). */
  limitSubject: string;
  /**
   * False for a number nobody has, under enumeration protection: the limits are charged and the
   * verification kept exactly as for a real number, but nothing is sent and no code can match.
   */
  deliverable: boolean;
}

export interface CodeSender {
  ip: string;
  /** Reports the SMS as Clerk's sms.created, in the same transaction. */
  events: Events;
}

/** Sends a new code, replacing any earlier one of the same slot. */
export async function sendCode(ctx: AppContext, to: CodeRecipient, from: CodeSender): Promise<void> {
  const testNumber = ctx.config.testMode && isTestPhoneNumber(to.phoneNumber);
  if (!testNumber) await ctx.abuse.checkPrepare({ userId: to.userId ?? to.limitSubject, phoneNumber: to.phoneNumber, ip: from.ip });

  const now = ctx.now();
  const verificationId = newId('ver', now);
  // A phantom code is 32 random bytes, not six digits: nothing a caller types can match it.
  const code = !to.deliverable ? randomBytes(32).toString('base64url') : testNumber ? TEST_MODE_CODE : generateCode();
  const sends = to.deliverable && !testNumber;
  await ctx.database.db.transaction().execute(async (tx) => {
    await startVerification(tx, to.slot, {
      verificationId, strategy: 'phone_code', codeDigest: codeDigest(ctx.keys.derived.otp, verificationId, code),
      expireAt: now + ctx.config.otpTtlSeconds * 1000, phoneNumberId: to.phoneNumberId, now,
    });
    if (!sends) return;
    const domain = new URL(ctx.frontendApiUrl).hostname;
    const text = verificationMessage(ctx.config.appName, code, domain);
    const smsId = newId('sms', now);
    await enqueueSms(tx, {
      id: smsId, user_id: to.userId, phone_number_id: to.phoneNumberId, verification_id: verificationId,
      to_phone: to.phoneNumber, body_sealed: seal(ctx.keys.derived.seal, text), provider: ctx.config.smsProvider,
      status: 'queued', tries: 0, next_attempt_at: now, claimed_by: null, claimed_until: null, last_error: null,
      provider_message_id: null, created_at: now, updated_at: now, sent_at: null,
    });
    await from.events.sms(tx, {
      id: smsId, from: ctx.config.twilio.from ?? '', to: to.phoneNumber, phoneNumberId: to.phoneNumberId, userId: to.userId,
      message: text, code, appName: ctx.config.appName, appDomain: domain,
    }, now);
  });
  if (sends) {
    ctx.metrics.smsQueuedFor(ctx.config.smsProvider);
    ctx.outbox.kick();
  }
}

export interface CodeCheck {
  slot: CodeSlot;
  userId: string | null;
  ip: string;
}

/** What a right code does, in the transaction that spends it; a unique violation there means the number was taken. */
export type OnVerified<T> = (tx: Db, now: number) => Promise<T>;

/** Refuses every code of a locked user, the right one included. */
async function refuseIfLocked(ctx: AppContext, userId: string | null): Promise<void> {
  if (userId === null) return;
  const user = await findUser(ctx.database.db, userId);
  const refusal = user ? lockoutRefusal(lockoutState(user), ctx.now()) : null;
  if (refusal) throw refusal;
}

/** Counts a wrong code against the user; the failure that locks them answers user_locked. */
async function countFailure(ctx: AppContext, userId: string | null): Promise<void> {
  if (userId === null) return;
  const now = ctx.now();
  const state = await recordFailedCode(ctx.database.db, userId, lockoutPolicy(ctx.config), now);
  const refusal = state ? lockoutRefusal(state, now) : null;
  if (refusal) throw refusal;
}

/**
 * Spends the code and does what it proves, in one transaction: a code that another request spent
 * first answers `unavailable`, and a success starts the user's failure counts again.
 */
async function spend<T>(ctx: AppContext, userId: string | null, spendCode: (tx: Db, now: number) => Promise<boolean>, onVerified: OnVerified<T>, unavailable: () => Error): Promise<T> {
  try {
    const result = await ctx.database.db.transaction().execute(async (tx) => {
      const now = ctx.now();
      if (!(await spendCode(tx, now))) return { spent: false as const };
      const value = await onVerified(tx, now);
      if (userId !== null) await clearFailedCodes(tx, userId);
      return { spent: true as const, value };
    });
    if (!result.spent) throw unavailable();
    return result.value;
  } catch (error) {
    if (isUniqueViolation(error)) throw errors.identifierExists();
    throw error;
  }
}

const FLOW_OF_PURPOSE: Record<VerificationPurpose, CodeFlow> = {
  first_factor: 'sign_in_first_factor', second_factor: 'sign_in_second_factor', sign_up: 'sign_up',
};

/** The flow a code slot belongs to. */
function flowOf(slot: CodeSlot): CodeFlow {
  return slot.table === 'phone_numbers' ? 'phone_number' : FLOW_OF_PURPOSE[slot.purpose];
}

/** What a refused check was, as the metrics name it. */
const OUTCOME_OF_ERROR: Record<string, VerificationOutcome> = {
  form_code_incorrect: 'incorrect',
  verification_failed: 'failed',
  verification_expired: 'expired',
  verification_missing: 'no_code',
  verification_already_verified: 'already_verified',
  user_locked: 'locked',
  too_many_requests: 'rate_limited',
  form_identifier_exists: 'identifier_exists',
};

/** Runs one code check and counts its outcome by flow and strategy. */
async function counted<T>(ctx: AppContext, flow: CodeFlow, strategy: 'phone_code' | 'backup_code', check: () => Promise<T>): Promise<T> {
  try {
    const value = await check();
    ctx.metrics.verificationAttempt(flow, strategy, 'verified');
    return value;
  } catch (error) {
    const outcome = error instanceof ClerkError ? OUTCOME_OF_ERROR[error.code] ?? 'error' : 'error';
    ctx.metrics.verificationAttempt(flow, strategy, outcome);
    throw error;
  }
}

/** Checks a phone code: the attempt is counted atomically before the code is compared. */
export async function checkCode<T>(ctx: AppContext, check: CodeCheck, code: string, onVerified: OnVerified<T>): Promise<T> {
  return counted(ctx, flowOf(check.slot), 'phone_code', () => checkPhoneCode(ctx, check, code, onVerified));
}

async function checkPhoneCode<T>(ctx: AppContext, check: CodeCheck, code: string, onVerified: OnVerified<T>): Promise<T> {
  await refuseIfLocked(ctx, check.userId);
  await ctx.abuse.checkAttempt(check.ip);
  const db = ctx.database.db;
  const max = ctx.config.otpMaxAttempts;
  const now = ctx.now();
  const stateOf = (v: Awaited<ReturnType<typeof readVerification>>) =>
    ({ status: (v?.verification_status ?? null) as VerificationStatus | null, attempts: v?.verification_attempts ?? 0, expireAt: v?.verification_expire_at ?? null });

  const refusal = attemptRefusal(stateOf(await readVerification(db, check.slot)), now, max);
  if (refusal) throw refusal;
  const counted = await countAttempt(db, check.slot, now, max);
  // Another request took the last try, or the state changed since we read it.
  if (!counted) throw attemptRefusal(stateOf(await readVerification(db, check.slot)), now, max) ?? errors.verificationFailed();

  if (!codeMatches(ctx.keys.derived.otp, counted.verification_id, code, counted.code_digest)) {
    const failed = statusAfterWrongCode(counted.verification_attempts, max) === 'failed';
    if (failed) await failVerification(db, check.slot, counted.verification_id, ctx.now());
    await countFailure(ctx, check.userId);
    throw failed ? errors.verificationFailed() : errors.codeIncorrect();
  }
  return spend(ctx, check.userId, (tx, at) => completeVerification(tx, check.slot, counted.verification_id, at), onVerified, errors.alreadyVerified);
}

/** Checks a backup code: single use, counted towards the lockout like any wrong code. */
export async function checkBackupCode<T>(ctx: AppContext, userId: string, ip: string, code: string, onVerified: OnVerified<T>): Promise<T> {
  return counted(ctx, 'sign_in_second_factor', 'backup_code', async () => {
    await refuseIfLocked(ctx, userId);
    await ctx.abuse.checkAttempt(ip);
    try {
      return await spend(ctx, userId, (tx, now) => consumeBackupCode(tx, ctx.keys.derived.backupCodes, userId, code, now), onVerified, errors.codeIncorrect);
    } catch (error) {
      if ((error as { code?: string }).code === 'form_code_incorrect') await countFailure(ctx, userId);
      throw error;
    }
  });
}
