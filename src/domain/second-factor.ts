import { randomInt } from 'node:crypto';
import { errors } from './errors.js';

// Second-factor and primary-number rules, as pure decisions over a user's numbers.

export interface NumberFacts {
  id: string;
  verified: boolean;
  reserved: boolean;
  isDefault: boolean;
}

export interface SecondFactorChange {
  reserved?: boolean | undefined;
  isDefault?: boolean | undefined;
}

export interface SecondFactorPlan {
  reserved: boolean;
  isDefault: boolean;
  /** Other numbers of the user that must stop being the default. */
  clearDefaultOn: string[];
}

export function planSecondFactorChange(target: NumberFacts, others: NumberFacts[], change: SecondFactorChange): SecondFactorPlan {
  const reserved = change.reserved ?? target.reserved;
  let isDefault = change.isDefault ?? target.isDefault;
  if (reserved && !target.verified) {
    throw errors.paramValueInvalid('reserved_for_second_factor',
      'Only a verified phone number can be reserved for second factor authentication.');
  }
  if (change.isDefault === true && !reserved) {
    throw errors.paramValueInvalid('default_second_factor',
      'Only a phone number reserved for second factor authentication can be the default second factor.');
  }
  if (!reserved) isDefault = false;
  // The first reserved number becomes the default, as Clerk does, so a user with two-factor on always has one.
  if (reserved && !isDefault && !others.some((o) => o.reserved && o.isDefault)) isDefault = true;
  const clearDefaultOn = isDefault ? others.filter((o) => o.isDefault).map((o) => o.id) : [];
  return { reserved, isDefault, clearDefaultOn };
}

/** When the default second factor goes away, the oldest other reserved number takes over. */
export function nextDefault(remaining: NumberFacts[]): string | null {
  return remaining.find((n) => n.reserved)?.id ?? null;
}

/** When the primary number goes away, the oldest other verified number takes over. */
export function nextPrimary(remaining: NumberFacts[]): string | null {
  return remaining.find((n) => n.verified)?.id ?? null;
}

export const BACKUP_CODE_COUNT = 10;
const BACKUP_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

export function generateBackupCodes(): string[] {
  return Array.from({ length: BACKUP_CODE_COUNT }, () =>
    Array.from({ length: 8 }, () => BACKUP_ALPHABET[randomInt(BACKUP_ALPHABET.length)]).join(''));
}
