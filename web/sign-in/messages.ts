import { ClerkApiError } from '../../src/client/index.js';
import { plainError, waitText } from '../account/messages.js';

// Clerk's error codes in plain words, for what the person was doing on the sign-in page.

export type SignInAction = 'start' | 'start-sign-up' | 'send' | 'code' | 'backup-code';

export function signInError(error: unknown, action: SignInAction): string {
  if (!(error instanceof ClerkApiError)) return plainError(error, 'load');
  switch (error.code) {
    case 'form_identifier_not_found':
      return 'No account uses this phone number. Check the number, or create an account.';
    case 'form_identifier_exists':
      return 'An account already uses this phone number. Sign in with it instead.';
    case 'form_param_format_invalid':
      return action === 'start' || action === 'start-sign-up'
        ? 'That does not look like a valid phone number. Check the country and the digits, then try again.'
        : plainError(error, 'verify');
    case 'form_code_incorrect':
      return action === 'backup-code'
        ? 'That backup code is not right. Each backup code works only once.'
        : 'That code is not right. Check the newest text message and try again.';
    case 'user_locked': {
      const seconds = error.errors[0]?.meta?.lockoutExpiresInSeconds;
      return typeof seconds === 'number'
        ? `Your account is locked after too many incorrect codes. Try again in ${waitText(Math.max(1, seconds))}.`
        : 'Your account is locked after too many incorrect codes. Contact support to unlock it.';
    }
    case 'strategy_for_user_invalid':
      return 'This account cannot sign in that way. Go back and try another way.';
    case 'resource_not_found':
    case 'sign_in_status_invalid':
    case 'sign_up_status_invalid':
      return 'This sign-in has expired. Start again.';
    case 'form_param_missing':
      return action === 'backup-code' ? 'Enter one of your backup codes.' : action === 'code' ? 'Enter the 6-digit code from the text message.' : 'Enter a phone number.';
    default:
      return plainError(error, action === 'send' ? 'send' : action === 'code' || action === 'backup-code' ? 'verify' : 'add');
  }
}

/** Errors after which this sign-in or sign-up cannot go on: the page starts again from the number. */
export function isDeadEnd(error: unknown): boolean {
  return error instanceof ClerkApiError && ['resource_not_found', 'sign_in_status_invalid', 'sign_up_status_invalid'].includes(error.code);
}
