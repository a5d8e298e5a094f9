import type { SessionWebhookEvent, SMSWebhookEvent, UserJSON, UserWebhookEvent } from '@clerk/backend';
import type { WebhookEventType } from '../../domain/webhook-events.js';
import type { LockoutPolicy } from '../../domain/lockout.js';
import type { PhoneNumberRow, SessionRow, UserRow } from '../../store/schema.js';
import { backendSessionJson, backendUserJson } from './backend.js';
import { deletedObjectJson } from './client.js';

// Webhook payloads: Clerk's event envelope around the Backend API JSON of the resource, the
// shapes @clerk/backend's WebhookEvent types describe.

/** Who made the change: Clerk's event_attributes.http_request (empty for the CLI). */
export interface RequestOrigin {
  client_ip: string;
  user_agent: string;
}

export interface EnvelopeFacts {
  instanceId: string;
  origin: RequestOrigin;
  now: number;
}

/**
 * The lists this service always leaves empty are typed from @clerk/types, whose element types
 * @clerk/backend spells differently; every other field is held to @clerk/backend's shapes.
 */
type EmptyLists = 'email_addresses' | 'phone_numbers' | 'web3_wallets' | 'external_accounts' | 'saml_accounts' | 'enterprise_accounts' | 'passkeys' | 'organization_memberships';
type Checked<E extends { data: unknown }, D> = Omit<E, 'data'> & { data: D };
type CheckedUser = Omit<UserJSON, EmptyLists>;

function envelope<T extends WebhookEventType, D>(type: T, data: D, facts: EnvelopeFacts) {
  return {
    data,
    object: 'event' as const,
    type,
    timestamp: facts.now,
    instance_id: facts.instanceId,
    event_attributes: { http_request: { client_ip: facts.origin.client_ip, user_agent: facts.origin.user_agent } },
  };
}

export function userEventJson(type: 'user.created' | 'user.updated', user: UserRow, numbers: PhoneNumberRow[], policy: LockoutPolicy, facts: EnvelopeFacts) {
  const event = envelope(type, backendUserJson(user, numbers, facts.now, policy), facts);
  return event satisfies Checked<Exclude<UserWebhookEvent, { type: 'user.deleted' }>, CheckedUser>;
}

export function userDeletedEventJson(user: UserRow, facts: EnvelopeFacts) {
  const data = { ...deletedObjectJson('user', user.id), ...(user.external_id ? { external_id: user.external_id } : {}) };
  return envelope('user.deleted', data, facts) satisfies UserWebhookEvent;
}

export type SessionEventType = 'session.created' | 'session.ended' | 'session.removed' | 'session.revoked';

/**
 * A session event carries the session and its user, as Clerk's SessionWebhookEventJSON does
 * (last_active_organization_id is null, as the Backend API answers it, where the type says optional).
 */
export function sessionEventJson(type: SessionEventType, session: SessionRow, user: { row: UserRow; numbers: PhoneNumberRow[] } | null, policy: LockoutPolicy, facts: EnvelopeFacts) {
  const data = { ...backendSessionJson(session), user: user ? backendUserJson(user.row, user.numbers, facts.now, policy) : null };
  return envelope(type, data, facts) satisfies Checked<SessionWebhookEvent, Omit<SessionWebhookEvent['data'], 'user' | 'last_active_organization_id'> & { user: CheckedUser | null; last_active_organization_id: string | null }>;
}

export interface SmsFacts {
  id: string;
  from: string;
  to: string;
  phoneNumberId: string | null;
  userId: string | null;
  message: string;
  code: string;
  appName: string;
  appDomain: string;
}

/**
 * Clerk's sms.created: what an application that delivers its own SMS needs to send this one.
 * `delivered_by_clerk` is false: this service hands the message to its own SMS provider too.
 */
export function smsEventJson(sms: SmsFacts, facts: EnvelopeFacts) {
  const data = {
    object: 'sms_message' as const,
    id: sms.id,
    from_phone_number: sms.from,
    to_phone_number: sms.to,
    phone_number_id: sms.phoneNumberId,
    ...(sms.userId ? { user_id: sms.userId } : {}),
    message: sms.message,
    status: 'queued',
    slug: 'verification_code',
    data: { otp_code: sms.code, app: { name: sms.appName, domain_name: sms.appDomain } },
    delivered_by_clerk: false,
  };
  return envelope('sms.created', data, facts) satisfies SMSWebhookEvent;
}
