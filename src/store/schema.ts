import type { Generated } from 'kysely';

// Table shapes, shared by both dialects. Booleans are 0/1 integers and times are integer
// milliseconds in both SQLite and PostgreSQL, so rows read the same whichever database is behind.

export interface InstanceSettingsTable {
  key: string;
  value: string;
}

export interface UsersTable {
  id: string;
  external_id: string | null;
  first_name: string | null;
  last_name: string | null;
  username: string | null;
  primary_phone_number_id: string | null;
  /** JSON array of keyed, salted records (domain/backup-codes.ts); the codes themselves are shown once and never stored. */
  backup_code_digests: string | null;
  mfa_enabled_at: number | null;
  mfa_disabled_at: number | null;
  last_sign_in_at: number | null;
  /** Failed codes of this user (every flow) since failure_window_started_at: Clerk's user_lockout count. */
  failed_attempts_in_window: number;
  failure_window_started_at: number | null;
  /** Failed codes since the last success, however far apart (NIST SP 800-63B's lifetime cap). */
  consecutive_failed_attempts: number;
  locked_until: number | null;
  /** 1 after the lifetime cap: only the Backend API's unlock lifts it. */
  locked_indefinitely: number;
  created_at: number;
  updated_at: number;
}

/** The state of one one-time code, the same columns wherever it is kept (a number's row or `verifications`). */
export interface VerificationColumns {
  verification_id: string | null;
  verification_status: string | null;
  verification_strategy: string | null;
  verification_attempts: number;
  verification_expire_at: number | null;
  code_digest: string | null;
}

/** A sign-in's or sign-up's code: one row per owner and purpose. */
export interface VerificationsTable extends VerificationColumns {
  owner_id: string;
  purpose: string;
  phone_number_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface SignInsTable {
  id: string;
  client_id: string;
  /** Null for an identifier nobody has, kept only under enumeration protection. */
  user_id: string | null;
  identifier: string | null;
  status: string;
  created_session_id: string | null;
  abandon_at: number;
  created_at: number;
  updated_at: number;
}

export interface SignUpsTable {
  id: string;
  client_id: string;
  phone_number: string | null;
  status: string;
  created_user_id: string | null;
  created_session_id: string | null;
  abandon_at: number;
  created_at: number;
  updated_at: number;
}

export interface PhoneNumbersTable extends VerificationColumns {
  id: string;
  user_id: string;
  phone_number: string;
  /** Equals phone_number once verified, else null: its unique index lets one user at a time own a number. */
  verified_phone_number: string | null;
  reserved_for_second_factor: number;
  default_second_factor: number;
  created_at: number;
  updated_at: number;
}

export interface ClientsTable {
  id: string;
  token_digest: string;
  last_active_session_id: string | null;
  /** The sign-in and sign-up in progress on this client, shown in its Client object. */
  sign_in_id: string | null;
  sign_up_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id: string;
  client_id: string;
  user_id: string;
  status: string;
  expire_at: number;
  abandon_at: number;
  last_active_at: number;
  created_at: number;
  updated_at: number;
}

export interface SignInTokensTable {
  id: string;
  user_id: string;
  token_digest: string;
  status: string;
  expires_at: number;
  created_at: number;
  updated_at: number;
}

/** The columns of a delivery queue (src/delivery/queue.ts): every table that is one has them. */
export interface DeliveryColumns {
  id: string;
  status: string;
  tries: number;
  next_attempt_at: number;
  claimed_by: string | null;
  claimed_until: number | null;
  last_error: string | null;
  updated_at: number;
}

export interface SmsMessagesTable extends DeliveryColumns {
  user_id: string | null;
  phone_number_id: string | null;
  verification_id: string | null;
  to_phone: string;
  /** The message text sealed with AES-256-GCM: the database never holds a code in clear. */
  body_sealed: string;
  provider: string;
  provider_message_id: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface WebhookEventsTable {
  seq: Generated<number>;
  /** The svix-id of the event (msg_...): the same on every try and every endpoint. */
  id: string;
  type: string;
  user_id: string | null;
  /** The JSON body, sealed with AES-256-GCM (an sms.created event carries the code). */
  payload_sealed: string;
  created_at: number;
}

export interface WebhookDeliveriesTable extends DeliveryColumns {
  event_seq: number;
  event_id: string;
  event_type: string;
  endpoint: string;
  order_key: string;
  response_status: number | null;
  created_at: number;
  sent_at: number | null;
}

export interface WebhookEndpointsTable {
  url: string;
  disabled_at: number | null;
}

export interface Database {
  instance_settings: InstanceSettingsTable;
  users: UsersTable;
  phone_numbers: PhoneNumbersTable;
  clients: ClientsTable;
  sessions: SessionsTable;
  sign_in_tokens: SignInTokensTable;
  sms_messages: SmsMessagesTable;
  verifications: VerificationsTable;
  sign_ins: SignInsTable;
  sign_ups: SignUpsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_endpoints: WebhookEndpointsTable;
}

export type UserRow = UsersTable;
export type PhoneNumberRow = PhoneNumbersTable;
export type ClientRow = ClientsTable;
export type SessionRow = SessionsTable;
export type SignInTokenRow = SignInTokensTable;
export type SmsMessageRow = SmsMessagesTable;
export type VerificationRow = VerificationsTable;
export type SignInRow = SignInsTable;
export type SignUpRow = SignUpsTable;
export type WebhookDeliveryRow = WebhookDeliveriesTable;
// Generated is re-exported for migrations that add defaulted columns later.
export type { Generated };
