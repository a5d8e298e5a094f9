import { createHmac } from 'node:crypto';

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

/** A Standard Webhooks / Svix signing secret: `whsec_` and base64 of at least `minBytes` bytes (Svix issues 24). */
export function webhookSecretBytes(secret: string, minBytes = 16): Buffer | null {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!match) return null;
  const bytes = Buffer.from(match[1]!, 'base64');
  return bytes.length >= minBytes ? bytes : null;
}

/**
 * The Standard Webhooks (Svix) signature of one delivery attempt: base64 HMAC-SHA256 of
 * `id.timestamp.body` under the secret's bytes, as `v1,<signature>`.
 */
export function webhookSignature(secret: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', secret).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** An endpoint as logs and the CLI show it: scheme, host and path, never a credential or query. */
export function endpointLabel(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
