import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { bapi, expectClerkError, fapi, signIn } from '../helpers/fapi.js';

// The Backend API with Clerk's paths and JSON, behind the secret key; plus the ticket sign-in it feeds.

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

describe('Backend API', () => {
  it('refuses requests without the secret key', async () => {
    const none = await fetch(new URL('/v1/users/user_x', t.bapiUrl));
    expect(none.status).toBe(401);
    expect((await none.json()).errors[0].code).toBe('authentication_invalid');
    const wrong = await bapi(t, 'GET', '/v1/users/user_x', undefined, 'sk_test_wrongwrongwrongwrongwrong');
    expect(wrong.status).toBe(401);
  });

  it('creates a user whose phone numbers are verified, the first one primary', async () => {
    const created = await bapi(t, 'POST', '/v1/users', { phone_number: ['+1 202 555 0177', '+442079460958'], first_name: 'Ada' });
    expect(created.status).toBe(200);
    const user = created.body;
    expect(user.id).toMatch(/^user_/);
    expect(user.first_name).toBe('Ada');
    expect(user.phone_numbers.map((n: { phone_number: string }) => n.phone_number)).toEqual(['+12025550177', '+442079460958']);
    expect(user.phone_numbers[0].verification).toMatchObject({ status: 'verified', strategy: 'admin' });
    expect(user.primary_phone_number_id).toBe(user.phone_numbers[0].id);
    const read = await bapi(t, 'GET', `/v1/users/${user.id}`);
    expect(read.body.phone_numbers).toHaveLength(2);
  });

  it('refuses a number another user already verified, and bad input, with Clerk errors', async () => {
    await bapi(t, 'POST', '/v1/users', { phone_number: ['+12025550178'] });
    const dup = await bapi(t, 'POST', '/v1/users', { phone_number: ['+12025550178'] });
    expectClerkError(dup, 422, 'form_identifier_exists');
    expectClerkError(await bapi(t, 'POST', '/v1/users', { phone_number: ['nope'] }), 422, 'form_param_format_invalid');
    expectClerkError(await bapi(t, 'POST', '/v1/users', { phone_number: [42] }), 422, 'form_param_format_invalid');
    expectClerkError(await bapi(t, 'POST', '/v1/users', { email_address: ['a@b.c'] }), 422, 'form_param_unknown');
    expectClerkError(await bapi(t, 'GET', '/v1/users/user_missing'), 404, 'resource_not_found');
  });

  it('deleting a user signs their sessions out', async () => {
    const user = (await bapi(t, 'POST', '/v1/users', {})).body;
    const { token } = await signIn(t, user.id);
    expect((await fapi(t, 'GET', '/v1/me', { token })).status).toBe(200);
    const deleted = await bapi(t, 'DELETE', `/v1/users/${user.id}`);
    expect(deleted.body).toEqual({ object: 'user', id: user.id, deleted: true });
    expectClerkError(await fapi(t, 'GET', '/v1/me/phone_numbers', { token }), 401, 'signed_out');
    expectClerkError(await bapi(t, 'DELETE', `/v1/users/${user.id}`), 404, 'resource_not_found');
  });

  it('sign-in tokens: one use each, expiring, for existing users only', async () => {
    const user = (await bapi(t, 'POST', '/v1/users', {})).body;
    const ticket = await bapi(t, 'POST', '/v1/sign_in_tokens', { user_id: user.id, expires_in_seconds: 60 });
    expect(ticket.body).toMatchObject({ object: 'sign_in_token', user_id: user.id, status: 'pending' });
    const form = { strategy: 'ticket', ticket: ticket.body.token };
    expect((await fapi(t, 'POST', '/v1/client/sign_ins', { query: { _is_native: '1' }, form })).status).toBe(200);
    expectClerkError(await fapi(t, 'POST', '/v1/client/sign_ins', { query: { _is_native: '1' }, form }), 422, 'ticket_invalid');
    expectClerkError(await fapi(t, 'POST', '/v1/client/sign_ins', { form: { strategy: 'ticket', ticket: 'forged' } }), 422, 'ticket_invalid');
    expectClerkError(await fapi(t, 'POST', '/v1/client/sign_ins', { form: { strategy: 'password' } }), 422, 'form_param_value_invalid');
    expectClerkError(await bapi(t, 'POST', '/v1/sign_in_tokens', { user_id: 'user_missing' }), 404, 'resource_not_found');
    expectClerkError(await bapi(t, 'POST', '/v1/sign_in_tokens', {}), 422, 'form_param_missing');
    expectClerkError(await bapi(t, 'POST', '/v1/sign_in_tokens', { user_id: user.id, expires_in_seconds: -5 }), 422, 'form_param_value_invalid');
  });

  it('an expired sign-in token is refused', async () => {
    const user = (await bapi(t, 'POST', '/v1/users', {})).body;
    const ticket = await bapi(t, 'POST', '/v1/sign_in_tokens', { user_id: user.id, expires_in_seconds: 1 });
    await new Promise((r) => setTimeout(r, 1_100));
    expectClerkError(await fapi(t, 'POST', '/v1/client/sign_ins', { form: { strategy: 'ticket', ticket: ticket.body.token } }), 422, 'ticket_invalid');
  });
});

describe('client authentication', () => {
  it('a browser sign-in sets an HttpOnly __client cookie that authenticates later requests', async () => {
    const user = (await bapi(t, 'POST', '/v1/users', {})).body;
    const ticket = await bapi(t, 'POST', '/v1/sign_in_tokens', { user_id: user.id });
    const reply = await fapi(t, 'POST', '/v1/client/sign_ins', { form: { strategy: 'ticket', ticket: ticket.body.token } });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('authorization')).toBeNull();
    const cookie = reply.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^__client=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    const value = cookie.split(';')[0]!;
    const me = await fapi(t, 'GET', '/v1/me', { headers: { cookie: value } });
    expect(me.status).toBe(200);
    expect(me.body.response.id).toBe(user.id);
    const client = await fapi(t, 'GET', '/v1/client', { headers: { cookie: value } });
    expect(client.body.response.sessions).toHaveLength(1);
    expect(client.body.response.last_active_session_id).toBe(reply.body.response.created_session_id);
  });

  it('GET /v1/client answers response: null without a client', async () => {
    const reply = await fapi(t, 'GET', '/v1/client');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ response: null, client: null });
  });

  it('the native sign-in returns the client token only in the Authorization header', async () => {
    const user = (await bapi(t, 'POST', '/v1/users', {})).body;
    const { token } = await signIn(t, user.id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expectClerkError(await fapi(t, 'GET', '/v1/me', { token: forged }), 401, 'signed_out');
  });
});

describe('development inbox', () => {
  it('lists messages newest first with to, body and created_at', async () => {
    const user = (await bapi(t, 'POST', '/v1/users', {})).body;
    const { token } = await signIn(t, user.id);
    const phone = '+12025550199'.replace('0199', '3199');
    const add = await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: phone } });
    const id = add.body.response.id;
    await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    let messages: { to: string; body: string; created_at: number; status: string }[] = [];
    for (let i = 0; i < 50 && !(messages.length === 2 && messages.every((m) => m.status !== 'queued' && m.status !== 'sending')); i++) {
      messages = (await bapi(t, 'GET', `/v1/dev/sms_messages?phone_number=${encodeURIComponent(phone)}`)).body;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(messages).toHaveLength(2);
    expect(messages[0]!.created_at).toBeGreaterThanOrEqual(messages[1]!.created_at);
    for (const m of messages) {
      expect(m.to).toBe(phone);
      expect(m.body).toMatch(/#\d{6}$/);
    }
    const unencoded = await bapi(t, 'GET', `/v1/dev/sms_messages?phone_number=${phone}`);
    expect(unencoded.body).toHaveLength(2);
  });

  it('is absent in production', async () => {
    const prod = await startTestServer({
      INSTANCE_TYPE: 'production', CLERK_SECRET_KEY: 'sk_live_abcdefghijklmnopqrstuvwxyz0123456789',
      SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: 'http://127.0.0.1:9/', SMS_WEBHOOK_SECRET: `whsec_${Buffer.from('a webhook secret of 32 bytes!!!!').toString('base64')}`,
    });
    try {
      expect(prod.server.ctx.keys.publishableKey.startsWith('pk_live_')).toBe(true);
      const reply = await bapi(prod, 'GET', '/v1/dev/sms_messages');
      expectClerkError(reply, 404, 'resource_not_found');
    } finally {
      await prod.close();
    }
  });
});
