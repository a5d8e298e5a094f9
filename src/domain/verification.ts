import { errors, type ClerkError } from './errors.js';

// The phone_code verification state machine, without I/O: what a stored verification means now.

export type VerificationStatus = 'unverified' | 'verified' | 'failed' | 'expired';

export interface VerificationState {
  status: VerificationStatus | null;
  attempts: number;
  expireAt: number | null;
}

/** The status a client should see, given the clock (an unverified code past expiry is `expired`). */
export function effectiveStatus(v: VerificationState, now: number): VerificationStatus | null {
  if (v.status === 'unverified' && v.expireAt !== null && v.expireAt <= now) return 'expired';
  return v.status;
}

/** Why an attempt cannot be made at all, or null when one may be counted. */
export function attemptRefusal(v: VerificationState, now: number, maxAttempts: number): ClerkError | null {
  const status = effectiveStatus(v, now);
  if (status === null) return errors.verificationMissing();
  if (status === 'verified') return errors.alreadyVerified();
  if (status === 'expired') return errors.verificationExpired();
  if (status === 'failed' || v.attempts >= maxAttempts) return errors.verificationFailed();
  return null;
}

/** After a wrong code was counted: the attempt that used up the last try fails the verification. */
export function statusAfterWrongCode(attemptsNow: number, maxAttempts: number): VerificationStatus {
  return attemptsNow >= maxAttempts ? 'failed' : 'unverified';
}
