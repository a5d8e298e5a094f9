import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { errors } from './errors.js';
import type { NormalisedPhone } from './phone.js';

// Which numbers we will text at all: the SMS-pumping defences that need no counters.

export interface CountryPolicy {
  allowed: string[];
  blocked: string[];
}

/**
 * Never texted, by libphonenumber's type (full metadata): premium-rate and shared-cost numbers earn
 * their owner money per message (the heart of SMS pumping); pagers, voicemail, UAN and personal
 * (follow-me) numbers cannot receive a code; toll-free and VoIP ranges are not personal phones and
 * are the stock of fake-account farms. Mobile, fixed and "fixed or mobile" numbers pass.
 */
const REFUSED_TYPES = new Set(['PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE', 'VOIP', 'UAN', 'PAGER', 'VOICEMAIL', 'PERSONAL_NUMBER']);

export function checkSmsDestination(phone: NormalisedPhone, policy: CountryPolicy, paramName = 'phone_number'): void {
  const country = phone.country ?? parsePhoneNumberFromString(phone.e164)?.country;
  if (policy.allowed.length > 0 && (!country || !policy.allowed.includes(country))) {
    throw errors.paramValueInvalid(paramName, 'Phone numbers from this country are not supported.');
  }
  if (country && policy.blocked.includes(country)) {
    throw errors.paramValueInvalid(paramName, 'Phone numbers from this country are not supported.');
  }
  if (phone.type && REFUSED_TYPES.has(phone.type)) {
    throw errors.paramValueInvalid(paramName, 'This kind of phone number cannot receive verification codes.');
  }
}
