import { afterEach, describe, expect, it } from 'vitest';
import { addNumber, fapi, newSignedInUser } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startReceiver, verified, type Receiver } from './receiver.js';

// SMS_WEBHOOK_FORMAT=clerk: the webhook SMS provider sends each message as Clerk's sms.created
// event, Svix-signed, so an app that delivers Clerk's SMS itself keeps its handler.

let t: TestServer | undefined;
let gateway: Receiver | undefined;
afterEach(async () => {
  await t?.close();
  await gateway?.close();
  t = undefined;
  gateway = undefined;
});

describe('the webhook SMS provider in Clerk\'s format', () => {
  it('sends sms.created that svix and verifyWebhook accept, and its otp_code verifies the number', async () => {
    gateway = await startReceiver(() => ({ status: 200 }));
    t = await startTestServer({ SMS_PROVIDER: 'webhook', SMS_WEBHOOK_FORMAT: 'clerk', SMS_WEBHOOK_URL: `${gateway.url}/sms`, SMS_WEBHOOK_SECRET: gateway.secret });
    const { userId, token } = await newSignedInUser(t);
    const phone = '+12025558303';
    const id = await addNumber(t, token, phone);
    expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } })).status).toBe(200);
    const [request] = await gateway.waitForRequests(1);
    const event = await verified(request!, gateway.secret);
    expect(event).toEqual({
      object: 'event', type: 'sms.created', timestamp: expect.any(Number), instance_id: expect.stringMatching(/^ins_/),
      event_attributes: { http_request: { client_ip: '', user_agent: '' } },
      data: {
        object: 'sms_message', id: request!.headers['svix-id'], from_phone_number: '', to_phone_number: phone, phone_number_id: id, user_id: userId,
        message: expect.stringMatching(/#\d{6}$/), status: 'queued', slug: 'verification_code',
        data: { otp_code: expect.stringMatching(/^\d{6}$/), app: { name: 'Phone Numbers', domain_name: expect.any(String) } }, delivered_by_clerk: false,
      },
    });
    const code = (event.data as { data: { otp_code: string } }).data.otp_code;
    expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } })).status).toBe(200);
  });
});
