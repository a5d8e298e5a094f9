import { errors, type ClerkError } from './errors.js';

// Clerk's attack_protection.user_lockout, as pure decisions: a user's failed codes, in every flow
// and on every number, are counted in a window; reaching the limit locks the user for the window's
// length. Apart from that, NIST SP 800-63B's lifetime cap: so many failures in a row, however slowly
// made, lock the user until an operator unlocks them through the Backend API.

export interface LockoutPolicy {
  maxAttempts: number;
  windowMs: number;
  /** Consecutive failures, at any pace, that lock the user until the Backend API unlocks them. */
  lifetimeCap: number;
}

export const LIFETIME_FAILURE_CAP = 100;

export interface LockoutState {
  failedInWindow: number;
  windowStartedAt: number | null;
  consecutiveFailures: number;
  lockedUntil: number | null;
  lockedIndefinitely: boolean;
}

export function isLocked(state: LockoutState, now: number): boolean {
  return state.lockedIndefinitely || (state.lockedUntil !== null && state.lockedUntil > now);
}

/** Seconds until the lock lifts; null when only the Backend API can lift it, 0 when not locked. */
export function lockoutExpiresInSeconds(state: LockoutState, now: number): number | null {
  if (state.lockedIndefinitely) return null;
  if (state.lockedUntil === null || state.lockedUntil <= now) return 0;
  return Math.ceil((state.lockedUntil - now) / 1000);
}

/** The refusal every sign-in attempt of a locked user gets, the right code included. */
export function lockoutRefusal(state: LockoutState, now: number): ClerkError | null {
  return isLocked(state, now) ? errors.userLocked(lockoutExpiresInSeconds(state, now)) : null;
}

/** One more failed code. The failure that reaches the limit locks the user at once. */
export function afterFailure(state: LockoutState, now: number, policy: LockoutPolicy): LockoutState {
  const windowOpen = state.windowStartedAt !== null && now - state.windowStartedAt < policy.windowMs;
  const failedInWindow = windowOpen ? state.failedInWindow + 1 : 1;
  const consecutiveFailures = state.consecutiveFailures + 1;
  const lockedIndefinitely = state.lockedIndefinitely || consecutiveFailures >= policy.lifetimeCap;
  const lockedUntil = failedInWindow >= policy.maxAttempts ? Math.max(state.lockedUntil ?? 0, now + policy.windowMs) : state.lockedUntil;
  return { failedInWindow, windowStartedAt: windowOpen ? state.windowStartedAt : now, consecutiveFailures, lockedUntil, lockedIndefinitely };
}

/** A right code starts both counts again. */
export function afterSuccess(): Pick<LockoutState, 'failedInWindow' | 'windowStartedAt' | 'consecutiveFailures'> {
  return { failedInWindow: 0, windowStartedAt: null, consecutiveFailures: 0 };
}

/** What the Backend API's unlock leaves: no lock and no counts. */
export function unlocked(): LockoutState {
  return { failedInWindow: 0, windowStartedAt: null, consecutiveFailures: 0, lockedUntil: null, lockedIndefinitely: false };
}

/** Tries left before the window's limit locks the user (Clerk's verification_attempts_remaining). */
export function attemptsRemaining(state: LockoutState, now: number, policy: LockoutPolicy): number {
  if (isLocked(state, now)) return 0;
  const windowOpen = state.windowStartedAt !== null && now - state.windowStartedAt < policy.windowMs;
  return policy.maxAttempts - (windowOpen ? state.failedInWindow : 0);
}
