import { parsePhoneNumberFromString, type CountryCode, type NumberType } from 'libphonenumber-js/max';
import { errors } from './errors.js';

// Phone numbers in, E.164 out; plus the facts about a number that the abuse rules need.

export interface NormalisedPhone {
  e164: string;
  country: CountryCode | undefined;
  type: NumberType;
}

const MAX_INPUT_LENGTH = 64;

export function normalisePhone(input: string, paramName = 'phone_number'): NormalisedPhone {
  const invalid = () =>
    errors.paramFormatInvalid(paramName,
      `${paramName} must be a valid phone number according to E.164 international standard.`);
  if (input.length === 0 || input.length > MAX_INPUT_LENGTH) throw invalid();
  // Clerk accepts numbers without a leading + as international ones.
  const candidate = /^\s*\+/.test(input) ? input : `+${input}`;
  const parsed = parsePhoneNumberFromString(candidate);
  if (!parsed || !parsed.isValid()) throw invalid();
  return { e164: parsed.number, country: parsed.country, type: parsed.getType() };
}

/** Clerk's test numbers: +1 XXX 555-0100 to 555-0199 (fictional in the North American plan). */
export function isTestPhoneNumber(e164: string): boolean {
  return /^\+1\d{3}55501\d{2}$/.test(e164);
}

export const TEST_MODE_CODE = '424242';

/**
 * Clerk's safe_identifier for a number: the country calling code and the last four digits
 * (`+12025550143` -> `+1******0143`), so a sign-in can name the number without showing it.
 */
export function safeIdentifier(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  const prefix = parsed ? `+${parsed.countryCallingCode}` : e164.slice(0, 2);
  const national = e164.slice(prefix.length);
  const shown = Math.min(4, national.length);
  return `${prefix}${'*'.repeat(national.length - shown)}${national.slice(national.length - shown)}`;
}

/** The last digits only, for logs and messages that must not carry a full number. */
export function maskPhone(e164: string): string {
  return `${e164.slice(0, 2)}******${e164.slice(-2)}`;
}
