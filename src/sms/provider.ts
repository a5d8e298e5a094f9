// The one small interface every SMS provider implements.

export interface OutgoingSms {
  /** Our message id: providers that support it use it to make retries idempotent. */
  id: string;
  to: string;
  body: string;
  /** Whose code it is and for which of their numbers, when known (Clerk's sms.created carries them). */
  userId?: string | null;
  phoneNumberId?: string | null;
}

export type SendResult =
  | { ok: true; providerMessageId: string | null }
  | { ok: false; permanent: boolean; error: string };

export interface SmsProvider {
  readonly name: string;
  send(message: OutgoingSms): Promise<SendResult>;
}
