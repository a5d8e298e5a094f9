import type { PhoneNumberJSON, VerificationJSON } from '@clerk/types';
import { effectiveStatus, type VerificationStatus } from '../../domain/verification.js';
import type { PhoneNumberRow } from '../../store/schema.js';

// phone_numbers row -> Clerk's PhoneNumber JSON.

/** The fields of Clerk's verification we send; the compiler holds them to Clerk's own type. */
export type PhoneVerificationJson = Pick<VerificationJSON, 'status' | 'strategy'> & {
  object: 'verification_otp' | 'verification_admin';
  attempts: VerificationJSON['attempts'] | null;
  expire_at: VerificationJSON['expire_at'] | null;
};

export type PhoneNumberJson = Omit<PhoneNumberJSON, 'verification' | 'backup_codes'> & {
  reserved: boolean;
  verification: PhoneVerificationJson | null;
  backup_codes: string[] | null;
  created_at: number;
  updated_at: number;
};

function verificationJson(row: PhoneNumberRow, now: number): PhoneVerificationJson | null {
  const status = effectiveStatus(
    { status: row.verification_status as VerificationStatus | null, attempts: row.verification_attempts, expireAt: row.verification_expire_at },
    now,
  );
  if (status === null) return null;
  if (row.verification_strategy === 'admin') {
    return { object: 'verification_admin', status, strategy: 'admin', attempts: null, expire_at: null };
  }
  return {
    object: 'verification_otp',
    status,
    strategy: 'phone_code',
    attempts: row.verification_attempts,
    expire_at: row.verification_expire_at,
  };
}

export function phoneNumberJson(row: PhoneNumberRow, now: number, backupCodes: string[] | null = null): PhoneNumberJson {
  return {
    object: 'phone_number',
    id: row.id,
    phone_number: row.phone_number,
    reserved_for_second_factor: row.reserved_for_second_factor === 1,
    default_second_factor: row.default_second_factor === 1,
    reserved: false,
    verification: verificationJson(row, now),
    linked_to: [],
    backup_codes: backupCodes,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
