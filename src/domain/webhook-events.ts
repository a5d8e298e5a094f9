// The events this service sends its application's backend, named and shaped as Clerk's webhooks.

export const WEBHOOK_EVENT_TYPES = [
  'user.created', 'user.updated', 'user.deleted',
  'session.created', 'session.ended', 'session.removed', 'session.revoked',
  'sms.created',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** A Standard Webhooks / Svix signing secret: `whsec_` and base64 of at least 16 bytes (Svix issues 24). */
export function webhookSecretBytes(secret: string): Buffer | null {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!match) return null;
  const bytes = Buffer.from(match[1]!, 'base64');
  return bytes.length >= 16 ? bytes : null;
}
