import type { SmsProvider } from '../provider.js';

// Development inbox: "sending" only marks the outbox row sent; the dev inbox reads those rows.
export function devProvider(): SmsProvider {
  return { name: 'dev', send: async () => ({ ok: true, providerMessageId: null }) };
}
