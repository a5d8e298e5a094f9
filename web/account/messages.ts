import { ClerkApiError } from '../../src/client/index.js';

// Clerk error codes in plain language, worded for what the person was doing at the time.

export type Action = 'load' | 'add' | 'send' | 'verify' | 'reserve' | 'unreserve' | 'default' | 'remove' | 'sign-in' | 'sign-out';

export function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

export function isSignedOut(error: unknown): boolean {
  return error instanceof ClerkApiError && (error.code === 'signed_out' || error.code === 'authentication_invalid');
}

export function plainError(error: unknown, action: Action): string {
  if (!(error instanceof ClerkApiError)) {
    return navigator.onLine === false
      ? 'You appear to be offline. Check your connection and try again.'
      : 'We could not reach the server. Check your connection and try again.';
  }
  const first = error.errors[0];
  switch (error.code) {
    case 'form_param_format_invalid':
      return action === 'add'
        ? 'That does not look like a valid phone number. Check the country and the digits, then try again.'
        : 'Something in that request was not in the right format.';
    case 'form_param_missing':
      return action === 'verify' ? 'Enter the 6-digit code from the text message.' : 'Enter a phone number.';
    case 'form_identifier_exists':
      return 'This phone number is already in use. Enter a different number.';
    case 'form_param_value_invalid':
      if (action === 'reserve') return 'Verify this number before using it for two-step verification.';
      if (action === 'default') return 'Use this number for two-step verification before making it the default.';
      // The server's own wording here is already plain ("Phone numbers from this country are not supported.").
      return first?.longMessage || 'That value is not allowed.';
    case 'form_code_incorrect':
      return 'That code is not right. Check the newest text message and try again.';
    case 'verification_expired':
      return 'This code has expired. Send a new code, then enter it here.';
    case 'verification_failed':
      return 'Too many incorrect codes. Send a new code to try again.';
    case 'verification_already_verified':
      return 'This number is already verified.';
    case 'verification_missing':
      return 'No code has been sent to this number yet. Send a code first.';
    case 'too_many_requests': {
      const wait = error.retryAfterSeconds;
      if (action === 'send') {
        return wait ? `A code was sent recently. Use that code, or send a new one in ${waitText(wait)}.` : 'Too many codes were sent. Try again later.';
      }
      return wait ? `Too many attempts. Try again in ${waitText(wait)}.` : 'Too many attempts. Try again later.';
    }
    case 'resource_not_found':
      return 'This phone number is no longer on your account.';
    case 'signed_out':
    case 'authentication_invalid':
      return 'You have been signed out. Sign in again to continue.';
    case 'origin_invalid':
      return 'This page is not allowed to make that request from here.';
    case 'ticket_invalid':
      return 'The sign-in link was already used or has expired. Try again.';
    default:
      if (error.status >= 500) return 'Something went wrong on our side. Try again in a moment.';
      return first?.longMessage || first?.message || 'That did not work. Try again.';
  }
}
