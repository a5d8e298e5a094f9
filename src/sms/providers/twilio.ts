import type { SmsProvider } from '../provider.js';
import { failure, isTransientStatus, postWithDeadline } from './http.js';

// Twilio's Programmable Messaging API: one form POST per message to .../Messages.json.

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  /** https://api.twilio.com, or a local server in tests. */
  apiUrl: string;
  timeoutMs: number;
}

/**
 * Twilio error codes that mean "this message will never go out as it is": a bad or unreachable
 * destination, a region not enabled, an opted-out recipient, a sender that cannot send.
 */
export const TWILIO_PERMANENT_ERRORS: ReadonlySet<number> = new Set([
  21211, // 'To' is not a valid phone number
  21212, // 'From' is not a valid phone number
  21265, // 'To' cannot be a short code
  21408, // permission to send to this region is not enabled
  21606, // 'From' is not a message-capable number of this account
  21610, // recipient replied STOP (unsubscribed)
  21612, // 'To' is not reachable by SMS (e.g. a landline) from this sender
  21614, // 'To' is not a mobile number
  21617, // body too long
  21635, // 'To' cannot be reached: landline
  21660, // 'From' does not belong to this account
  21703, // messaging service has no senders
  21705, // messaging service is invalid
]);

interface TwilioAnswer {
  sid?: unknown;
  code?: unknown;
  message?: unknown;
}

function parse(text: string): TwilioAnswer {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as TwilioAnswer) : {};
  } catch {
    return {};
  }
}

export function twilioProvider(options: TwilioOptions): SmsProvider {
  const url = `${options.apiUrl}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  return {
    name: 'twilio',
    async send(message) {
      const form = new URLSearchParams({ To: message.to, Body: message.body });
      // A messaging service picks the sender itself (geo-matching, sticky sender); else the one number.
      if (options.messagingServiceSid) form.set('MessagingServiceSid', options.messagingServiceSid);
      else if (options.from) form.set('From', options.from);
      const answer = await postWithDeadline(url, {
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
      }, options.timeoutMs);
      const json = parse(answer.text);
      if (answer.status >= 200 && answer.status < 300) {
        return { ok: true, providerMessageId: typeof json.sid === 'string' ? json.sid : null };
      }
      const code = typeof json.code === 'number' ? json.code : undefined;
      const permanent = (code !== undefined && TWILIO_PERMANENT_ERRORS.has(code)) || !isTransientStatus(answer.status);
      const summary = `twilio HTTP ${answer.status}${code === undefined ? '' : `, error ${code}`}`;
      return failure(permanent, summary, typeof json.message === 'string' ? json.message : undefined);
    },
  };
}
