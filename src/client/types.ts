// The Frontend API's JSON as it travels (snake_case): what the typed client's methods resolve to.
// Declared here rather than imported so the client ships with no dependencies, types included.

export type VerificationStatus = 'unverified' | 'verified' | 'transferable' | 'failed' | 'expired';

export interface VerificationResource {
  object: 'verification_otp' | 'verification_admin' | string;
  status: VerificationStatus;
  strategy: 'phone_code' | 'admin' | string;
  attempts: number | null;
  expire_at: number | null;
}

export interface PhoneNumberResource {
  object: 'phone_number';
  id: string;
  /** E.164, e.g. +12025550123. */
  phone_number: string;
  reserved_for_second_factor: boolean;
  default_second_factor: boolean;
  reserved: boolean;
  verification: VerificationResource | null;
  linked_to: { type: string; id: string }[];
  /** Present once, on the update that first turns on a second factor. */
  backup_codes: string[] | null;
  created_at: number;
  updated_at: number;
}

export interface DeletedObjectResource {
  object: string;
  id: string;
  deleted: true;
}

export interface UserResource {
  object: 'user';
  id: string;
  external_id: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  image_url: string;
  has_image: boolean;
  primary_email_address_id: string | null;
  primary_phone_number_id: string | null;
  primary_web3_wallet_id: string | null;
  password_enabled: boolean;
  two_factor_enabled: boolean;
  totp_enabled: boolean;
  backup_code_enabled: boolean;
  email_addresses: unknown[];
  phone_numbers: PhoneNumberResource[];
  web3_wallets: unknown[];
  passkeys: unknown[];
  external_accounts: unknown[];
  public_metadata: Record<string, unknown>;
  unsafe_metadata: Record<string, unknown>;
  last_sign_in_at: number | null;
  created_at: number;
  updated_at: number;
  [field: string]: unknown;
}

export interface SessionResource {
  object: 'session';
  id: string;
  status: 'active' | 'ended' | 'expired' | 'removed' | 'replaced' | 'revoked' | 'abandoned' | 'pending' | string;
  expire_at: number;
  abandon_at: number;
  last_active_at: number;
  last_active_token: { object: 'token'; jwt: string } | null;
  user: UserResource;
  public_user_data: {
    first_name: string | null;
    last_name: string | null;
    image_url: string;
    has_image: boolean;
    identifier: string;
    user_id?: string;
  };
  created_at: number;
  updated_at: number;
  [field: string]: unknown;
}

export interface ClientResource {
  object: 'client';
  id: string;
  sessions: SessionResource[];
  last_active_session_id: string | null;
  sign_in: SignInResource | null;
  sign_up: SignUpResource | null;
  created_at: number;
  updated_at: number;
  [field: string]: unknown;
}

export interface SignInFactorResource {
  strategy: 'phone_code' | 'backup_code' | string;
  /** The number, masked: +1******0143. */
  safe_identifier?: string;
  phone_number_id?: string;
  primary?: boolean;
  default?: boolean;
}

export interface SignInResource {
  object: 'sign_in_attempt';
  id: string;
  status: 'needs_identifier' | 'needs_first_factor' | 'needs_second_factor' | 'complete' | 'abandoned' | string;
  identifier: string | null;
  supported_identifiers: string[];
  supported_first_factors: SignInFactorResource[] | null;
  supported_second_factors: SignInFactorResource[] | null;
  first_factor_verification: VerificationResource | null;
  second_factor_verification: VerificationResource | null;
  created_session_id: string | null;
  abandon_at: number;
  [field: string]: unknown;
}

export interface SignUpResource {
  object: 'sign_up_attempt';
  id: string;
  status: 'missing_requirements' | 'complete' | 'abandoned' | string;
  phone_number: string | null;
  missing_fields: string[];
  unverified_fields: string[];
  verifications: { phone_number: (VerificationResource & { next_action: string; supported_strategies: string[] }) | null; [field: string]: unknown };
  created_user_id: string | null;
  created_session_id: string | null;
  abandon_at: number;
  [field: string]: unknown;
}

/** How every FAPI resource answers except the bare list: the resource plus the caller's client. */
export interface ClientWrapped<T> {
  response: T;
  client: ClientResource | null;
}

/** The wire shape of an error answer. */
export interface ClerkErrorsBody {
  errors: { message: string; long_message: string; code: string; meta?: { param_name?: string; [key: string]: unknown } }[];
  clerk_trace_id?: string;
}
