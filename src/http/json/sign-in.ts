import { safeIdentifier } from '../../domain/phone.js';
import { secondFactorNumbers, verifiedNumbers, type SignInAttempt } from '../../operations/sign-ins.js';
import { IMAGE_URL } from './user.js';
import { verificationJson, type VerificationJson } from './verification.js';
import type { SignInJson } from './client.js';

// A sign-in in progress -> Clerk's SignIn JSON: which factors it offers (each number masked), and
// where each code stands. A number nobody has looks like a known one with a single number.

/** Clerk's SignInFactor, as far as phone codes and backup codes fill it. */
type FactorJson = { strategy: 'phone_code' | 'backup_code'; safe_identifier?: string; phone_number_id?: string; primary?: boolean; default?: boolean };

function firstFactors(attempt: SignInAttempt): FactorJson[] | null {
  const { signIn, user } = attempt;
  if (signIn.status === 'needs_identifier') return [];
  if (attempt.phantomNumberId !== null) {
    return [{ strategy: 'phone_code', safe_identifier: safeIdentifier(signIn.identifier!), phone_number_id: attempt.phantomNumberId, primary: true }];
  }
  // The number the user typed comes first: clerk-js starts with the first factor that matches the identifier.
  const numbers = verifiedNumbers(attempt).sort((a, b) => Number(b.phone_number === signIn.identifier) - Number(a.phone_number === signIn.identifier));
  return numbers.map((n) => ({ strategy: 'phone_code', safe_identifier: safeIdentifier(n.phone_number), phone_number_id: n.id, primary: n.id === user?.primary_phone_number_id }));
}

function secondFactors(attempt: SignInAttempt): FactorJson[] | null {
  if (attempt.signIn.status !== 'needs_second_factor' && attempt.signIn.status !== 'complete') return null;
  const factors: FactorJson[] = secondFactorNumbers(attempt).map((n) => ({
    strategy: 'phone_code', safe_identifier: safeIdentifier(n.phone_number), phone_number_id: n.id, default: n.default_second_factor === 1,
  }));
  if (attempt.user?.backup_code_digests != null) factors.push({ strategy: 'backup_code' });
  return factors;
}

function verificationOf(attempt: SignInAttempt, purpose: 'first_factor' | 'second_factor', now: number): VerificationJson | null {
  const row = attempt.verifications.find((v) => v.purpose === purpose);
  return row ? verificationJson(row, now) : null;
}

export function signInJson(attempt: SignInAttempt, now: number): SignInJson {
  const { signIn, user } = attempt;
  return {
    object: 'sign_in_attempt',
    id: signIn.id,
    status: signIn.status as SignInJson['status'],
    supported_identifiers: ['phone_number'],
    supported_first_factors: firstFactors(attempt) as SignInJson['supported_first_factors'],
    supported_second_factors: secondFactors(attempt) as SignInJson['supported_second_factors'],
    first_factor_verification: verificationOf(attempt, 'first_factor', now) as SignInJson['first_factor_verification'],
    second_factor_verification: verificationOf(attempt, 'second_factor', now) as SignInJson['second_factor_verification'],
    identifier: signIn.identifier,
    user_data: { first_name: user?.first_name ?? null, last_name: user?.last_name ?? null, image_url: IMAGE_URL, has_image: false },
    created_session_id: signIn.created_session_id,
    abandon_at: signIn.abandon_at,
  };
}
