import { afterEach, describe, expect, it } from 'vitest';
import { twilioProvider, TWILIO_PERMANENT_ERRORS } from '../../src/sms/providers/twilio.js';
import { listSms } from '../../src/store/sms-messages.js';
import { codeInMessage } from '../../src/sms/message.js';
import { addNumber, fapi, newSignedInUser } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventually, startProviderServer, type ProviderServer, type Responder } from './provider-server.js';

// The Twilio provider against a local server playing Twilio's Messages API: the exact request, and
// which answers are retried. Then the whole path: prepare -> outbox -> Twilio, with retries and dead letters.

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'twilio-auth-token-for-tests';
const FROM = '+15005550006';
const SERVICE = 'MG0123456789abcdef0123456789abcdef';

let twilio: ProviderServer | undefined;
let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  await twilio?.close();
  t = undefined;
  twilio = undefined;
});

const created = (index = 0) => ({ status: 201, json: { sid: `SM${String(index).padStart(32, '0')}`, status: 'queued' } });
const twilioError = (status: number, code: number, message: string) => ({ status, json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } });

function expectTwilioRequest(request: { method: string; path: string; headers: Record<string, unknown>; body: string }, fields: Record<string, string>) {
  expect(request.method).toBe('POST');
  expect(request.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
  expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
  expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
  // Every field, and nothing else.
  expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual(fields);
}

describe('twilio provider: the request', () => {
  it('POSTs To, From and Body as a form to Messages.json with Basic auth, and keeps the message sid', async () => {
    twilio = await startProviderServer((_r, i) => created(i));
    const provider = twilioProvider({ accountSid: SID, authToken: TOKEN, from: FROM, messagingServiceSid: undefined, apiUrl: twilio.url, timeoutMs: 5_000 });
    const body = 'Acme: your verification code is 123456.\n\n@example.com #123456';
    const result = await provider.send({ id: 'sms_1', to: '+12025552001', body });
    expect(result).toEqual({ ok: true, providerMessageId: `SM${'0'.repeat(32)}` });
    expect(twilio.requests).toHaveLength(1);
    expectTwilioRequest(twilio.requests[0]!, { To: '+12025552001', From: FROM, Body: body });
  });

  it('sends MessagingServiceSid instead of From when a messaging service is configured', async () => {
    twilio = await startProviderServer((_r, i) => created(i));
    const provider = twilioProvider({ accountSid: SID, authToken: TOKEN, from: undefined, messagingServiceSid: SERVICE, apiUrl: twilio.url, timeoutMs: 5_000 });
    expect((await provider.send({ id: 'sms_2', to: '+447911123456', body: 'hello #654321' })).ok).toBe(true);
    expectTwilioRequest(twilio.requests[0]!, { To: '+447911123456', MessagingServiceSid: SERVICE, Body: 'hello #654321' });
  });
});

describe('twilio provider: which failures are retried', () => {
  const cases: Array<[string, { status: number; json?: unknown }, boolean]> = [
    ['21211 invalid To', twilioError(400, 21211, "The 'To' number +12025552001 is not a valid phone number."), true],
    ['21610 unsubscribed', twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'), true],
    ['21614 not a mobile number', twilioError(400, 21614, "'To' number is not a valid mobile number"), true],
    ['21408 region not enabled', twilioError(400, 21408, 'Permission to send an SMS has not been enabled for the region indicated by the To number: +12025552001'), true],
    ['another 400', twilioError(400, 21602, 'Message body is required.'), true],
    ['500', { status: 500, json: { message: 'internal' } }, false],
    ['503 without a body', { status: 503 }, false],
    ['429 too many requests', twilioError(429, 20429, 'Too Many Requests'), false],
    ['401 bad credentials (an operator can fix them while messages wait)', twilioError(401, 20003, 'Authenticate'), false],
  ];
  for (const [name, answer, permanent] of cases) {
    it(`${name}: ${permanent ? 'permanent' : 'retried'}`, async () => {
      twilio = await startProviderServer(() => answer);
      const provider = twilioProvider({ accountSid: SID, authToken: TOKEN, from: FROM, messagingServiceSid: undefined, apiUrl: twilio.url, timeoutMs: 5_000 });
      const result = await provider.send({ id: 'sms_3', to: '+12025552001', body: 'code #111111' });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.permanent).toBe(permanent);
      expect(result.error).toContain(`twilio HTTP ${answer.status}`);
      // Twilio quotes the number back; it must not reach our logs or database.
      expect(result.error).not.toContain('2025552001');
      expect(result.error).not.toContain('111111');
    });
  }

  it('every listed permanent code is a Twilio 2xxxx API error code', () => {
    for (const code of TWILIO_PERMANENT_ERRORS) expect(code).toBeGreaterThanOrEqual(20000);
  });

  it('an unreachable Twilio throws (the outbox counts that as a try worth repeating)', async () => {
    const closed = await startProviderServer(() => created());
    const url = closed.url;
    await closed.close();
    const provider = twilioProvider({ accountSid: SID, authToken: TOKEN, from: FROM, messagingServiceSid: undefined, apiUrl: url, timeoutMs: 2_000 });
    await expect(provider.send({ id: 'sms_4', to: '+12025552001', body: 'x' })).rejects.toThrow();
  });
});

describe('twilio through the outbox', () => {
  async function serverWithTwilio(respond: Responder, env: Record<string, string> = {}) {
    twilio = await startProviderServer(respond);
    t = await startTestServer({
      SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: FROM, TWILIO_API_URL: twilio.url,
      OUTBOX_BACKOFF_BASE_MS: '20', APP_NAME: 'Acme', ...env,
    });
    const { token } = await newSignedInUser(t);
    const phone = '+12025552101';
    const id = await addNumber(t, token, phone);
    const prepared = await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    expect(prepared.status).toBe(200);
    return { server: t, token, phone, id };
  }

  const finalRow = (server: TestServer, phone: string) => eventually('the message to reach a final status', async () => {
    const [row] = await listSms(server.server.ctx.database.db, { to: phone });
    return row && ['sent', 'dead'].includes(row.status) ? row : undefined;
  });

  it('a provider 500 is retried with backoff; the same message then goes out and its code verifies', async () => {
    const { server, token, phone, id } = await serverWithTwilio((_r, i) => (i === 0 ? { status: 500, json: { message: 'boom' } } : created(i)));
    const row = await finalRow(server, phone);
    expect(row).toMatchObject({ status: 'sent', tries: 2, provider: 'twilio', provider_message_id: `SM${'1'.padStart(32, '0')}` });
    expect(twilio!.requests).toHaveLength(2);
    const [first, second] = twilio!.requests;
    const fields = Object.fromEntries(new URLSearchParams(second!.body));
    expectTwilioRequest(second!, { To: phone, From: FROM, Body: fields.Body! });
    expect(second!.body).toBe(first!.body);
    expect(fields.Body).toMatch(/^Acme: /);
    const code = codeInMessage(fields.Body!)!;
    const verified = await fapi(server, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } });
    expect(verified.status).toBe(200);
  });

  it('a permanent Twilio error (21211) makes the message dead at once: no second request', async () => {
    const { server, phone } = await serverWithTwilio(() => twilioError(400, 21211, `The 'To' number ${'+12025552101'} is not a valid phone number.`));
    const row = await finalRow(server, phone);
    expect(row).toMatchObject({ status: 'dead', tries: 1 });
    expect(row.last_error).toContain('error 21211');
    expect(row.last_error).not.toContain('2025552101');
    // Dead is final: the outbox claims only queued messages, so this count cannot grow.
    expect(twilio!.requests).toHaveLength(1);
  });

  it('a message that keeps failing is dead after SMS_MAX_SEND_TRIES tries', async () => {
    const { server, phone } = await serverWithTwilio(() => ({ status: 503 }), { SMS_MAX_SEND_TRIES: '3' });
    const row = await finalRow(server, phone);
    expect(row).toMatchObject({ status: 'dead', tries: 3 });
    expect(row.last_error).toBe('twilio HTTP 503');
    expect(twilio!.requests).toHaveLength(3);
  });
});
