import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { webhookKey, webhookProvider, webhookSignature } from '../../src/sms/providers/webhook.js';
import { codeInMessage } from '../../src/sms/message.js';
import { listSms } from '../../src/store/sms-messages.js';
import { addNumber, expectClerkError, fapi, newSignedInUser } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventually, receiverAccepts, startProviderServer, type ProviderServer } from './provider-server.js';

// The webhook provider: a JSON POST signed the Standard Webhooks way, checked here by a verifier
// written from the specification (not our signing code), plus the outbox paths it takes.

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let receiver: ProviderServer | undefined;
let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  await receiver?.close();
  t = undefined;
  receiver = undefined;
});

describe('Standard Webhooks signature', () => {
  it('reproduces the published Standard Webhooks test vector', () => {
    const signature = webhookSignature(webhookKey(SECRET), 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('the provider POSTs signed JSON that an independent receiver accepts, and rejects when tampered', async () => {
    receiver = await startProviderServer(() => ({ status: 202, json: { id: 'gw_42' } }));
    const provider = webhookProvider({ url: `${receiver.url}/sms`, secret: SECRET, timeoutMs: 5_000 });
    const result = await provider.send({ id: 'sms_abc', to: '+12025552201', body: 'Acme: code 314159\n\n@example.com #314159' });
    expect(result).toEqual({ ok: true, providerMessageId: 'gw_42' });
    const [request] = receiver.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/sms');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['webhook-id']).toBe('sms_abc');
    expect(JSON.parse(request!.body)).toEqual({
      type: 'sms.send', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { id: 'sms_abc', to: '+12025552201', body: 'Acme: code 314159\n\n@example.com #314159' },
    });
    expect(receiverAccepts(SECRET, request!)).toBe(true);
    // The same check fails for a changed body, another secret, or a stale timestamp: it can say no.
    expect(receiverAccepts(SECRET, { ...request!, body: request!.body.replace('314159', '314158') })).toBe(false);
    expect(receiverAccepts('whsec_' + Buffer.alloc(24, 7).toString('base64'), request!)).toBe(false);
    expect(receiverAccepts(SECRET, request!, Math.floor(Date.now() / 1000) + 3_600)).toBe(false);
  });

  it('a secret without the whsec_ prefix is used as raw bytes', async () => {
    receiver = await startProviderServer(() => ({ status: 204 }));
    const secret = 'a-plain-shared-secret-of-enough-length';
    await webhookProvider({ url: receiver.url, secret, timeoutMs: 5_000 }).send({ id: 'sms_raw', to: '+12025552202', body: 'x' });
    expect(receiverAccepts(secret, receiver.requests[0]!)).toBe(true);
  });

  it('refuses unusable secrets at start-up, naming the variable', async () => {
    expect(() => webhookKey('whsec_not base64!')).toThrow(ConfigError);
    expect(() => webhookKey('short')).toThrow(/SMS_WEBHOOK_SECRET: must be at least 16 bytes/);
    await expect(startTestServer({ SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: 'http://127.0.0.1:9/sms', SMS_WEBHOOK_SECRET: 'whsec_AAAA' }))
      .rejects.toThrow(/SMS_WEBHOOK_SECRET/);
  });

  it('a 4xx refusal is final; a 5xx or timeout is worth retrying', async () => {
    receiver = await startProviderServer((_r, i) => (i === 0 ? { status: 410 } : i === 1 ? { status: 502 } : 'hold'));
    const provider = webhookProvider({ url: receiver.url, secret: SECRET, timeoutMs: 300 });
    expect(await provider.send({ id: 'sms_1', to: '+12025552203', body: 'x' })).toEqual({ ok: false, permanent: true, error: 'webhook HTTP 410' });
    expect(await provider.send({ id: 'sms_2', to: '+12025552203', body: 'x' })).toEqual({ ok: false, permanent: false, error: 'webhook HTTP 502' });
    await expect(provider.send({ id: 'sms_3', to: '+12025552203', body: 'x' })).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});

describe('webhook through the outbox', () => {
  const webhookEnv = (url: string) => ({ SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: url, SMS_WEBHOOK_SECRET: SECRET, OUTBOX_BACKOFF_BASE_MS: '20' });

  it('a retry keeps the webhook-id (receivers deduplicate) and signs afresh', async () => {
    receiver = await startProviderServer((_r, i) => (i === 0 ? { status: 500 } : { status: 200 }));
    t = await startTestServer(webhookEnv(receiver.url));
    const { token } = await newSignedInUser(t);
    const id = await addNumber(t, token, '+12025552204');
    await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    const [first, second] = await receiver.waitForRequests(2);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(receiverAccepts(SECRET, first!)).toBe(true);
    expect(receiverAccepts(SECRET, second!)).toBe(true);
    const sent = await eventually('the message to be sent', async () => {
      const [row] = await listSms(t!.server.ctx.database.db, { to: '+12025552204' });
      return row?.status === 'sent' ? row : undefined;
    });
    expect(sent).toMatchObject({ id: first!.headers['webhook-id'], tries: 2 });
  });

  it('a message whose code was replaced before sending is not sent; only the newest code goes out', async () => {
    receiver = await startProviderServer(() => ({ status: 200 }));
    t = await startTestServer({ ...webhookEnv(receiver.url), OUTBOX_WORKER: 'false' });
    const { token } = await newSignedInUser(t);
    const phone = '+12025552205';
    const id = await addNumber(t, token, phone);
    for (let i = 0; i < 2; i++) {
      expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } })).status).toBe(200);
    }
    const queued = await listSms(t.server.ctx.database.db, { to: phone });
    expect(queued.map((r) => r.status)).toEqual(['queued', 'queued']);
    const [newest, oldest] = queued;

    t.server.ctx.outbox.start();
    const final = await eventually('both messages to be handled', async () => {
      const rows = await listSms(t!.server.ctx.database.db, { to: phone });
      return rows.every((r) => r.status === 'sent' || r.status === 'superseded') ? rows : undefined;
    });
    expect(final.find((r) => r.id === oldest!.id)!.status).toBe('superseded');
    expect(final.find((r) => r.id === newest!.id)!.status).toBe('sent');
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.headers['webhook-id']).toBe(newest!.id);
    const code = codeInMessage(JSON.parse(receiver.requests[0]!.body).data.body)!;
    expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } })).status).toBe(200);
  });

  it('a code that expired while waiting in the outbox is not sent', async () => {
    receiver = await startProviderServer(() => ({ status: 200 }));
    t = await startTestServer({ ...webhookEnv(receiver.url), OUTBOX_WORKER: 'false', OTP_TTL_SECONDS: '1' });
    const { token } = await newSignedInUser(t);
    const phone = '+12025552206';
    const id = await addNumber(t, token, phone);
    await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    await eventually('the code to expire', async () => {
      const read = await fapi(t!, 'GET', `/v1/me/phone_numbers/${id}`, { token });
      return read.body.response.verification.status === 'expired' ? true : undefined;
    });
    t.server.ctx.outbox.start();
    const row = await eventually('the message to be given up', async () => {
      const [r] = await listSms(t!.server.ctx.database.db, { to: phone });
      return r?.status === 'dead' ? r : undefined;
    });
    expect(row.last_error).toBe('the code expired before it could be sent');
    expect(receiver.requests).toHaveLength(0);
    expectClerkError(await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code: '123456' } }), 422, 'verification_expired');
  });
});
