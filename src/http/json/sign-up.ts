import type { SignUpAttempt } from '../../operations/sign-ups.js';
import { verificationJson, type VerificationJson } from './verification.js';

// A sign-up in progress -> Clerk's SignUp JSON: the phone number is the one required field, and
// it stays in unverified_fields until its code is right.

type SignUpVerificationJson = VerificationJson & { next_action: 'needs_prepare' | 'needs_attempt' | ''; supported_strategies: string[] };

export interface SignUpJson {
  object: 'sign_up_attempt';
  id: string;
  status: 'missing_requirements' | 'complete' | 'abandoned';
  required_fields: string[];
  optional_fields: string[];
  missing_fields: string[];
  unverified_fields: string[];
  verifications: { email_address: null; phone_number: SignUpVerificationJson | null; web3_wallet: null; external_account: null };
  username: null;
  email_address: null;
  phone_number: string | null;
  web3_wallet: null;
  password_enabled: false;
  first_name: null;
  last_name: null;
  unsafe_metadata: Record<string, never>;
  public_metadata: Record<string, never>;
  custom_action: false;
  external_id: null;
  created_session_id: string | null;
  created_user_id: string | null;
  abandon_at: number;
  legal_accepted_at: null;
}

function phoneVerification(attempt: SignUpAttempt, now: number): SignUpVerificationJson | null {
  const v = attempt.verification ? verificationJson(attempt.verification, now) : null;
  if (!v) return null;
  const nextAction = v.status === 'verified' ? '' : v.status === 'unverified' ? 'needs_attempt' : 'needs_prepare';
  return { ...v, next_action: nextAction, supported_strategies: ['phone_code'] };
}

export function signUpJson(attempt: SignUpAttempt, now: number): SignUpJson {
  const { signUp } = attempt;
  const complete = signUp.status === 'complete';
  return {
    object: 'sign_up_attempt',
    id: signUp.id,
    status: signUp.status as SignUpJson['status'],
    required_fields: ['phone_number'],
    optional_fields: [],
    missing_fields: signUp.phone_number ? [] : ['phone_number'],
    unverified_fields: signUp.phone_number && !complete ? ['phone_number'] : [],
    verifications: { email_address: null, phone_number: phoneVerification(attempt, now), web3_wallet: null, external_account: null },
    username: null,
    email_address: null,
    phone_number: signUp.phone_number,
    web3_wallet: null,
    password_enabled: false,
    first_name: null,
    last_name: null,
    unsafe_metadata: {},
    public_metadata: {},
    custom_action: false,
    external_id: null,
    created_session_id: signUp.created_session_id,
    created_user_id: signUp.created_user_id,
    abandon_at: signUp.abandon_at,
    legal_accepted_at: null,
  };
}
