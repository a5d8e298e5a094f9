import type { PhoneNumberJSON } from '@clerk/types';
import type { PhoneNumberRow } from '../../store/schema.js';
import { verificationJson, type VerificationJson } from './verification.js';

// phone_numbers row -> Clerk's PhoneNumber JSON.

export type PhoneNumberJson = Omit<PhoneNumberJSON, 'verification' | 'backup_codes'> & {
  reserved: boolean;
  verification: VerificationJson | null;
  backup_codes: string[] | null;
  created_at: number;
  updated_at: number;
};

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
