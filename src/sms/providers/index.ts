import type { Config } from '../../config.js';
import type { SmsProvider } from '../provider.js';
import { devProvider } from './dev.js';
import { twilioProvider } from './twilio.js';
import { webhookProvider } from './webhook.js';

// Picks the provider SMS_PROVIDER names (config.ts has checked that its settings are present).
export function createSmsProvider(config: Config): SmsProvider {
  switch (config.smsProvider) {
    case 'dev':
      return devProvider();
    case 'twilio':
      return twilioProvider({
        accountSid: config.twilio.accountSid!,
        authToken: config.twilio.authToken!,
        from: config.twilio.from,
        messagingServiceSid: config.twilio.messagingServiceSid,
        apiUrl: config.twilio.apiUrl,
        timeoutMs: config.smsSendTimeoutMs,
      });
    case 'webhook':
      return webhookProvider({ url: config.webhook.url!, secret: config.webhook.secret!, timeoutMs: config.smsSendTimeoutMs });
  }
}
