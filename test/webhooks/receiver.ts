import { randomBytes } from 'node:crypto';
import type { WebhookEvent } from '@clerk/backend';
import { verifyWebhook } from '@clerk/backend/webhooks';
import { Webhook } from 'svix';
import { expect } from 'vitest';
import { startProviderServer, type ProviderServer, type RecordedRequest, type Responder } from '../sms/provider-server.js';

// An application's webhook endpoint, played by a local HTTP server on a free port: it records every
// delivery as it arrived and answers what the test scripted. Every delivery is checked with the
// unmodified `svix` package and with @clerk/backend's verifyWebhook, as a real receiver would.

export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

export interface Receiver extends ProviderServer {
  secret: string;
}

export async function startReceiver(respond: Responder = () => ({ status: 200 }), secret = newWebhookSecret()): Promise<Receiver> {
  return Object.assign(await startProviderServer(respond), { secret });
}

function header(request: RecordedRequest, name: string): string {
  const value = request.headers[name];
  expect(typeof value, `${name} header`).toBe('string');
  return value as string;
}

/** Verifies one delivery both ways and answers its event; fails the test if either check refuses it. */
export async function verified(request: RecordedRequest, secret: string): Promise<WebhookEvent> {
  expect(request.method).toBe('POST');
  expect(request.headers['content-type']).toBe('application/json');
  const svixHeaders = { 'svix-id': header(request, 'svix-id'), 'svix-timestamp': header(request, 'svix-timestamp'), 'svix-signature': header(request, 'svix-signature') };
  // The Standard Webhooks spelling carries the same values.
  expect(header(request, 'webhook-id')).toBe(svixHeaders['svix-id']);
  expect(header(request, 'webhook-timestamp')).toBe(svixHeaders['svix-timestamp']);
  expect(header(request, 'webhook-signature')).toBe(svixHeaders['svix-signature']);
  const bySvix = new Webhook(secret).verify(request.body, svixHeaders) as WebhookEvent;
  const byClerk = await verifyWebhook(new Request('http://receiver.test/webhooks', { method: 'POST', headers: svixHeaders, body: request.body }), { signingSecret: secret });
  expect(byClerk).toEqual(bySvix);
  return byClerk;
}

/** Every delivery so far, verified, with its svix-id. */
export async function verifiedAll(receiver: Receiver): Promise<{ id: string; event: WebhookEvent }[]> {
  const out = [];
  for (const request of receiver.requests) out.push({ id: request.headers['svix-id'] as string, event: await verified(request, receiver.secret) });
  return out;
}
