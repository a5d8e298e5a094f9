import type { Config } from '../../config.js';
import type { SmsProvider } from '../provider.js';
import { devProvider } from './dev.js';
import { twilioProvider } from './twilio.js';
import { webhookProvider } from './webhook.js';

/** What the webhook provider's Clerk format puts in each event besides the message. */
export interface InstanceFacts {
  instanceId: string;
  appDomain: string;
}

// Picks the provider SMS_PROVIDER names (config.ts has checked that its settings are present).
export function createSmsProvider(config: Config, instance: InstanceFacts = { instanceId: '', appDomain: '' }): SmsProvider {
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
      return webhookProvider({
        url: config.webhook.url!, secret: config.webhook.secret!, timeoutMs: config.smsSendTimeoutMs,
        clerk: config.webhook.format === 'clerk' ? { ...instance, appName: config.appName, from: config.twilio.from ?? '' } : undefined,
      });
  }
}
