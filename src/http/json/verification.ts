import type { VerificationJSON } from '@clerk/types';
import { effectiveStatus, type VerificationStatus } from '../../domain/verification.js';
import type { VerificationColumns } from '../../store/schema.js';

// A code's stored state -> Clerk's Verification JSON, the same for a number, a sign-in and a sign-up.

/** The fields of Clerk's verification we send; the compiler holds them to Clerk's own type. */
export type VerificationJson = Pick<VerificationJSON, 'status' | 'strategy'> & {
  object: 'verification_otp' | 'verification_admin' | 'verification_backup_code';
  attempts: VerificationJSON['attempts'] | null;
  expire_at: VerificationJSON['expire_at'] | null;
};

export function verificationJson(row: VerificationColumns, now: number): VerificationJson | null {
  const status = effectiveStatus(
    { status: row.verification_status as VerificationStatus | null, attempts: row.verification_attempts, expireAt: row.verification_expire_at },
    now,
  );
  if (status === null) return null;
  if (row.verification_strategy === 'admin') return { object: 'verification_admin', status, strategy: 'admin', attempts: null, expire_at: null };
  if (row.verification_strategy === 'backup_code') {
    return { object: 'verification_backup_code', status, strategy: 'backup_code', attempts: null, expire_at: null };
  }
  return { object: 'verification_otp', status, strategy: 'phone_code', attempts: row.verification_attempts, expire_at: row.verification_expire_at };
}
