import type { PhoneNumberRow, SessionRow, SmsMessageRow, UserRow } from '../../store/schema.js';
import type { NewSignInToken } from '../../admin/users.js';
import { attemptsRemaining, type LockoutPolicy } from '../../domain/lockout.js';
import { lockoutState } from '../../operations/lockout.js';
import { userJson } from './user.js';

// Backend API JSON: Clerk's BAPI shapes, which @clerk/backend reads.

/** With the lockout policy, the Backend API also tells how many failed codes the user has left. */
export function backendUserJson(user: UserRow, numbers: PhoneNumberRow[], now: number, policy: LockoutPolicy) {
  return {
    ...userJson(user, numbers, now), private_metadata: {}, verification_attempts_remaining: attemptsRemaining(lockoutState(user), now, policy),
    // Backend-only fields of Clerk's UserJSON (@clerk/backend), for features this service does not have.
    password_last_updated_at: null, deprovisioned: false, locale: null, timezone: null,
  };
}

export function backendSessionJson(session: SessionRow) {
  return {
    object: 'session' as const,
    id: session.id,
    client_id: session.client_id,
    user_id: session.user_id,
    status: session.status,
    last_active_at: session.last_active_at,
    last_active_organization_id: null,
    actor: null,
    expire_at: session.expire_at,
    abandon_at: session.abandon_at,
    created_at: session.created_at,
    updated_at: session.updated_at,
  };
}

export function signInTokenJson(token: NewSignInToken, frontendApiUrl: string) {
  return {
    object: 'sign_in_token' as const,
    id: token.id,
    user_id: token.userId,
    token: token.token,
    status: token.status,
    url: `${frontendApiUrl}/v1/tickets/accept?ticket=${encodeURIComponent(token.token)}`,
    created_at: token.createdAt,
    updated_at: token.createdAt,
  };
}

/** One dev-inbox message; `body` is unsealed by the caller (development only). */
export function devSmsJson(row: SmsMessageRow, body: string) {
  return {
    id: row.id,
    to: row.to_phone,
    body,
    status: row.status,
    tries: row.tries,
    created_at: row.created_at,
    sent_at: row.sent_at,
  };
}
