// The settings the server writes into each page (a JSON data block, so the CSP needs no inline script).

export interface Boot {
  appName: string;
  development: boolean;
  /** How long the server makes a number wait between two codes (SMS_RESEND_COOLDOWN_SECONDS). */
  resendCooldownSeconds: number;
  otpMaxAttempts: number;
  /** How long a code lives: with expire_at it tells when a pending code was sent. */
  otpTtlSeconds: number;
  accountPath: string;
  signInPath: string;
  /** Null in production, where the inbox does not exist. */
  inboxPath: string | null;
}

export function readBoot(): Boot {
  const text = document.getElementById('boot')?.textContent ?? '{}';
  return JSON.parse(text) as Boot;
}
