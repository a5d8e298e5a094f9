// The one small interface every SMS provider implements.

export interface OutgoingSms {
  /** Our message id: providers that support it use it to make retries idempotent. */
  id: string;
  to: string;
  body: string;
}

export type SendResult =
  | { ok: true; providerMessageId: string | null }
  | { ok: false; permanent: boolean; error: string };

export interface SmsProvider {
  readonly name: string;
  send(message: OutgoingSms): Promise<SendResult>;
}
