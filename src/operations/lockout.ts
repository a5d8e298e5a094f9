import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import { afterFailure, afterSuccess, LIFETIME_FAILURE_CAP, unlocked, type LockoutPolicy, type LockoutState } from '../domain/lockout.js';
import type { Db } from '../store/db.js';
import type { Database, UserRow } from '../store/schema.js';
import { lockUser, updateUser } from '../store/users.js';
import type { Events } from './events.js';

// The user's lockout counts, read and written under the user's row lock so parallel failures on
// any instance each count once.

export function lockoutPolicy(config: Config): LockoutPolicy {
  return { maxAttempts: config.userLockoutMaxAttempts, windowMs: config.userLockoutMinutes * 60_000, lifetimeCap: LIFETIME_FAILURE_CAP };
}

export function lockoutState(user: UserRow): LockoutState {
  return {
    failedInWindow: user.failed_attempts_in_window,
    windowStartedAt: user.failure_window_started_at,
    consecutiveFailures: user.consecutive_failed_attempts,
    lockedUntil: user.locked_until,
    lockedIndefinitely: user.locked_indefinitely === 1,
  };
}

function columns(state: Partial<LockoutState>): Partial<UserRow> {
  const out: Partial<UserRow> = {};
  if (state.failedInWindow !== undefined) out.failed_attempts_in_window = state.failedInWindow;
  if (state.windowStartedAt !== undefined) out.failure_window_started_at = state.windowStartedAt;
  if (state.consecutiveFailures !== undefined) out.consecutive_failed_attempts = state.consecutiveFailures;
  if (state.lockedUntil !== undefined) out.locked_until = state.lockedUntil;
  if (state.lockedIndefinitely !== undefined) out.locked_indefinitely = state.lockedIndefinitely ? 1 : 0;
  return out;
}

/** Counts one failed code of the user; answers the state after it (locked or not). */
export async function recordFailedCode(db: Db, userId: string, policy: LockoutPolicy, now: number): Promise<LockoutState | undefined> {
  const count = async (tx: Db) => {
    const user = await lockUser(tx, userId);
    if (!user) return undefined;
    const next = afterFailure(lockoutState(user), now, policy);
    await updateUser(tx, userId, columns(next));
    return next;
  };
  return db.isTransaction ? count(db) : (db as Kysely<Database>).transaction().execute(count);
}

/** A right code: both counts start again (a lock in force stays). */
export async function clearFailedCodes(tx: Db, userId: string): Promise<void> {
  await updateUser(tx, userId, columns(afterSuccess()));
}

/** The Backend API's unlock: no lock and no counts, whatever locked the user. */
export async function unlockAccount(db: Kysely<Database>, events: Events, userId: string, now: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await updateUser(tx, userId, { ...columns(unlocked()), updated_at: now });
    await events.user(tx, 'user.updated', userId, now);
  });
}

/** The Backend API's lock: as if the user had reached the limit now. */
export async function lockAccount(db: Kysely<Database>, events: Events, userId: string, policy: LockoutPolicy, now: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await updateUser(tx, userId, { locked_until: now + policy.windowMs, updated_at: now });
    await events.user(tx, 'user.updated', userId, now);
  });
}
