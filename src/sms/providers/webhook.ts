import { ConfigError } from '../../config.js';
import { webhookSecretBytes, webhookSignature } from '../../domain/webhook-events.js';
import { smsEventJson } from '../../http/json/events.js';
import { codeInMessage } from '../message.js';
import type { OutgoingSms, SmsProvider } from '../provider.js';
import { failure, isTransientStatus, postWithDeadline } from './http.js';

// Any SMS gateway: one JSON POST per message to SMS_WEBHOOK_URL, signed the Standard Webhooks way
// (webhook-id, webhook-timestamp, webhook-signature), so receivers can use any Standard Webhooks library.

export interface WebhookOptions {
  url: string;
  secret: string;
  timeoutMs: number;
  clock?: () => number;
  /** Set: each message goes as Clerk's sms.created event, so an app that delivers Clerk's SMS itself keeps its handler. */
  clerk?: { instanceId: string; appName: string; appDomain: string; from: string } | undefined;
}

const MIN_KEY_BYTES = 16;

/** `whsec_<base64>` is the Standard Webhooks form (the key is the decoded bytes); any other text is used as it is. */
export function webhookKey(secret: string): Buffer {
  let key: Buffer;
  if (secret.startsWith('whsec_')) {
    const decoded = webhookSecretBytes(secret, 0);
    if (!decoded) throw new ConfigError('SMS_WEBHOOK_SECRET', 'the part after whsec_ must be base64');
    key = decoded;
  } else {
    key = Buffer.from(secret, 'utf8');
  }
  if (key.length < MIN_KEY_BYTES) throw new ConfigError('SMS_WEBHOOK_SECRET', `must be at least ${MIN_KEY_BYTES} bytes of key`);
  return key;
}

// The application webhooks sign the same way: one signature function for both.
export { webhookSignature };

export function webhookProvider(options: WebhookOptions): SmsProvider {
  const key = webhookKey(options.secret);
  const clock = options.clock ?? Date.now;
  return {
    name: 'webhook',
    async send(message) {
      const now = clock();
      const timestamp = Math.floor(now / 1000);
      const body = JSON.stringify(options.clerk ? clerkEvent(options.clerk, message, now) : {
        type: 'sms.send',
        timestamp: new Date(now).toISOString(),
        data: { id: message.id, to: message.to, body: message.body },
      });
      const signature = webhookSignature(key, message.id, timestamp, body);
      // Clerk's receivers (svix, verifyWebhook) read the svix-* spelling of the same headers.
      const svix: Record<string, string> = options.clerk ? { 'svix-id': message.id, 'svix-timestamp': String(timestamp), 'svix-signature': signature } : {};
      // The message id is the webhook id on every try, so a receiver can drop a repeat it already handled.
      const answer = await postWithDeadline(options.url, {
        headers: {
          'content-type': 'application/json',
          'webhook-id': message.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
          ...svix,
        },
        body,
      }, options.timeoutMs);
      if (answer.status >= 200 && answer.status < 300) return { ok: true, providerMessageId: gatewayId(answer.text) };
      return failure(!isTransientStatus(answer.status), `webhook HTTP ${answer.status}`);
    },
  };
}

/** Clerk's sms.created for one message; made by the SMS provider, it has no HTTP request behind it. */
function clerkEvent(clerk: NonNullable<WebhookOptions['clerk']>, message: OutgoingSms, now: number) {
  return smsEventJson({
    id: message.id, from: clerk.from, to: message.to, phoneNumberId: message.phoneNumberId ?? null, userId: message.userId ?? null,
    message: message.body, code: codeInMessage(message.body) ?? '', appName: clerk.appName, appDomain: clerk.appDomain,
  }, { instanceId: clerk.instanceId, origin: { client_ip: '', user_agent: '' }, now });
}

/** A gateway may answer `{"id": "..."}`; we keep it to match delivery reports later. */
function gatewayId(text: string): string | null {
  try {
    const value = JSON.parse(text) as { id?: unknown };
    return typeof value?.id === 'string' && value.id.length <= 200 ? value.id : null;
  } catch {
    return null;
  }
}
