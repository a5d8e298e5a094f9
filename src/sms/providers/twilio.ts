import type { SmsProvider } from '../provider.js';
import { failure, isTransientStatus, postWithDeadline, requestWithDeadline } from './http.js';

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

const accountUrl = (options: Pick<TwilioOptions, 'apiUrl' | 'accountSid'>) =>
  `${options.apiUrl}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}`;
const basicAuth = (options: Pick<TwilioOptions, 'accountSid' | 'authToken'>) =>
  `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;

export function twilioProvider(options: TwilioOptions): SmsProvider {
  const url = `${accountUrl(options)}/Messages.json`;
  const authorization = basicAuth(options);
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

/**
 * Settings Twilio would refuse, by their shape alone (nothing is sent): an account SID is AC and 32
 * hex digits, an auth token 32 hex digits, a messaging service SID MG and 32 hex digits, and the sender
 * an E.164 number or an alphanumeric sender ID (up to 11 letters, digits and spaces, one letter at least).
 * The values are never repeated: the token is a credential.
 */
export function twilioSettingProblems(options: Pick<TwilioOptions, 'accountSid' | 'authToken' | 'from' | 'messagingServiceSid'>): { variable: string; problem: string }[] {
  const problems: { variable: string; problem: string }[] = [];
  if (!/^AC[0-9a-f]{32}$/i.test(options.accountSid)) problems.push({ variable: 'TWILIO_ACCOUNT_SID', problem: 'expected AC followed by 32 hex digits' });
  if (!/^[0-9a-f]{32}$/i.test(options.authToken)) problems.push({ variable: 'TWILIO_AUTH_TOKEN', problem: 'expected 32 hex digits' });
  if (options.messagingServiceSid !== undefined && !/^MG[0-9a-f]{32}$/i.test(options.messagingServiceSid)) {
    problems.push({ variable: 'TWILIO_MESSAGING_SERVICE_SID', problem: 'expected MG followed by 32 hex digits' });
  }
  if (options.from !== undefined && !/^\+[1-9]\d{6,14}$/.test(options.from) && !/^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/.test(options.from)) {
    problems.push({ variable: 'TWILIO_FROM', problem: 'expected an E.164 number (+15005550006) or an alphanumeric sender ID of up to 11 characters' });
  }
  return problems;
}

export type TwilioAccountCheck =
  | { ok: true; status: string }
  | { ok: false; variable: string; problem: string };

/** GET on the account resource (nothing is sent): are the credentials accepted, and is the account active? */
export async function checkTwilioAccount(options: Omit<TwilioOptions, 'from' | 'messagingServiceSid'>): Promise<TwilioAccountCheck> {
  let answer;
  try {
    answer = await requestWithDeadline(`${accountUrl(options)}.json`, {
      method: 'GET', headers: { authorization: basicAuth(options), accept: 'application/json' },
    }, options.timeoutMs);
  } catch (error) {
    return { ok: false, variable: 'TWILIO_API_URL', problem: `cannot reach ${new URL(options.apiUrl).host} (${(error as Error).message})` };
  }
  if (answer.status === 401 || answer.status === 403 || answer.status === 404) {
    return { ok: false, variable: 'TWILIO_AUTH_TOKEN', problem: `Twilio refused TWILIO_ACCOUNT_SID with this token (HTTP ${answer.status})` };
  }
  if (answer.status !== 200) return { ok: false, variable: 'TWILIO_API_URL', problem: `the account resource answered HTTP ${answer.status}` };
  const status = parse(answer.text) as { status?: unknown };
  if (status.status !== 'active') {
    return { ok: false, variable: 'TWILIO_ACCOUNT_SID', problem: `the account is ${typeof status.status === 'string' ? status.status : 'in an unknown state'}, not active` };
  }
  return { ok: true, status: 'active' };
}
