import type { UserJSON } from '@clerk/types';
import { isLocked, lockoutExpiresInSeconds } from '../../domain/lockout.js';
import { lockoutState } from '../../operations/lockout.js';
import type { PhoneNumberRow, UserRow } from '../../store/schema.js';
import { phoneNumberJson, type PhoneNumberJson } from './phone-number.js';

// users row (+ its phone numbers) -> Clerk's User JSON, with Clerk's defaults for features we do not have.

export type UserJson = Omit<UserJSON, 'phone_numbers' | 'create_organizations_limit'> & {
  phone_numbers: PhoneNumberJson[];
  create_organizations_limit: number;
  primary_web3_wallet_id: string | null;
  banned: boolean;
  locked: boolean;
  lockout_expires_in_seconds: number | null;
  verification_attempts_remaining: number | null;
  private_metadata?: Record<string, unknown>;
  last_active_at: number | null;
  mfa_enabled_at: number | null;
  mfa_disabled_at: number | null;
};

/**
 * No image: Clerk's components then draw the user's initials or a placeholder themselves. Clerk's
 * default points at its image host, which would make every page that shows a user call off this server.
 */
export const IMAGE_URL = '';

/** Clerk's lockout_expires_in_seconds: null when not locked, and when only the Backend API can unlock. */
function lockedFor(user: UserRow, now: number): number | null {
  const seconds = lockoutExpiresInSeconds(lockoutState(user), now);
  return seconds === 0 ? null : seconds;
}

export function userJson(user: UserRow, numbers: PhoneNumberRow[], now: number): UserJson {
  const twoFactor = numbers.some((n) => n.reserved_for_second_factor === 1);
  return {
    object: 'user',
    id: user.id,
    external_id: user.external_id,
    username: user.username,
    first_name: user.first_name,
    last_name: user.last_name,
    image_url: IMAGE_URL,
    has_image: false,
    profile_image_id: '',
    primary_email_address_id: null,
    primary_phone_number_id: user.primary_phone_number_id,
    primary_web3_wallet_id: null,
    password_enabled: false,
    two_factor_enabled: twoFactor,
    totp_enabled: false,
    backup_code_enabled: twoFactor && user.backup_code_digests !== null,
    email_addresses: [],
    phone_numbers: numbers.map((n) => phoneNumberJson(n, now)),
    web3_wallets: [],
    passkeys: [],
    organization_memberships: [],
    external_accounts: [],
    saml_accounts: [],
    enterprise_accounts: [],
    public_metadata: {},
    unsafe_metadata: {},
    last_sign_in_at: user.last_sign_in_at,
    banned: false,
    locked: isLocked(lockoutState(user), now),
    lockout_expires_in_seconds: lockedFor(user, now),
    verification_attempts_remaining: null,
    created_at: user.created_at,
    updated_at: user.updated_at,
    delete_self_enabled: false,
    create_organization_enabled: false,
    create_organizations_limit: 0,
    last_active_at: null,
    mfa_enabled_at: user.mfa_enabled_at,
    mfa_disabled_at: user.mfa_disabled_at,
    legal_accepted_at: null,
  };
}
