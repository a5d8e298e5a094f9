import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  addNumber, addVerifiedNumber, bapi, createUser, expectClerkError, fapi, newSignedInUser, readCode, signIn,
} from '../helpers/fapi.js';

// The seven operations over real HTTP, each happy path and each error row of the DESIGN table.
// Every response is checked against Clerk's FAPI OpenAPI file by the fapi() helper.

let t: TestServer;
beforeAll(async () => { t = await startTestServer({ OTP_MAX_ATTEMPTS: '5' }); });
afterAll(async () => { await t.close(); });

let phoneCounter = 100;
/** A real-looking, valid US number that is not a test-mode number. */
const freshPhone = () => `+1202555${String(2000 + phoneCounter++).padStart(4, '0')}`;

describe('getPhoneNumbers', () => {
  it('answers the bare array of the signed-in user\'s numbers', async () => {
    const { token } = await newSignedInUser(t);
    const empty = await fapi(t, 'GET', '/v1/me/phone_numbers', { token });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual([]);
    const phone = freshPhone();
    await addNumber(t, token, phone);
    const list = await fapi(t, 'GET', '/v1/me/phone_numbers', { token });
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({ object: 'phone_number', phone_number: phone, verification: null, reserved_for_second_factor: false });
  });

  it('is 401 signed_out without a client, with a bad token, or with an unknown _clerk_session_id', async () => {
    expectClerkError(await fapi(t, 'GET', '/v1/me/phone_numbers'), 401, 'signed_out');
    expectClerkError(await fapi(t, 'GET', '/v1/me/phone_numbers', { token: 'not-a-token' }), 401, 'signed_out');
    const { token } = await newSignedInUser(t);
    expectClerkError(await fapi(t, 'GET', '/v1/me/phone_numbers', { token, query: { _clerk_session_id: 'sess_nope' } }), 401, 'signed_out');
  });

  it('ignores unknown query parameters such as _clerk_js_version', async () => {
    const { token, sessionId } = await newSignedInUser(t);
    const reply = await fapi(t, 'GET', '/v1/me/phone_numbers', { token, query: { _clerk_js_version: '5.0.0', __clerk_db_jwt: 'x', _clerk_session_id: sessionId } });
    expect(reply.status).toBe(200);
  });

  it('accepts the raw token without "Bearer " and a trailing slash on the path', async () => {
    const { token } = await newSignedInUser(t);
    const reply = await fapi(t, 'GET', '/v1/me/phone_numbers/', { headers: { authorization: token } });
    expect(reply.status).toBe(200);
  });
});

describe('postPhoneNumbers', () => {
  it('normalises to E.164, returns {response, client} with the full client', async () => {
    const { token, userId, sessionId } = await newSignedInUser(t);
    const reply = await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: '+1 (202) 555-0143' } });
    expect(reply.status).toBe(200);
    const number = reply.body.response;
    expect(number.phone_number).toBe('+12025550143');
    expect(number.id).toMatch(/^idn_[A-Za-z0-9]{27}$/);
    expect(number.verification).toBeNull();
    expect(Number.isInteger(number.created_at) && number.created_at > 1_700_000_000_000).toBe(true);
    const client = reply.body.client;
    expect(client.object).toBe('client');
    expect(client.id).toMatch(/^client_/);
    expect(client.last_active_session_id).toBe(sessionId);
    const session = client.sessions.find((s: { id: string }) => s.id === sessionId);
    expect(session.user.id).toBe(userId);
    expect(session.user.phone_numbers.map((n: { id: string }) => n.id)).toContain(number.id);
  });

  it('accepts a JSON body too', async () => {
    const { token } = await newSignedInUser(t);
    const reply = await fapi(t, 'POST', '/v1/me/phone_numbers', { token, json: { phone_number: freshPhone() } });
    expect(reply.status).toBe(200);
  });

  it('rejects a missing, malformed or duplicate number with Clerk\'s codes', async () => {
    const { token } = await newSignedInUser(t);
    expectClerkError(await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: {} }), 422, 'form_param_missing', 'phone_number');
    expectClerkError(await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: '12' } }), 422, 'form_param_format_invalid', 'phone_number');
    expectClerkError(await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: 'call me maybe' } }), 422, 'form_param_format_invalid');
    const phone = freshPhone();
    await addNumber(t, token, phone);
    expectClerkError(await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: phone } }), 422, 'form_identifier_exists');
  });

  it('refuses a number another user has verified, but lets two users hold the same unverified one', async () => {
    const a = await newSignedInUser(t);
    const b = await newSignedInUser(t);
    const shared = freshPhone();
    await addNumber(t, a.token, shared);
    await addNumber(t, b.token, shared);
    const taken = freshPhone();
    await addVerifiedNumber(t, a.token, taken);
    expectClerkError(await fapi(t, 'POST', '/v1/me/phone_numbers', { token: b.token, form: { phone_number: taken } }), 422, 'form_identifier_exists');
  });

  it('refuses reserved_for_second_factor on an unverified new number', async () => {
    const { token } = await newSignedInUser(t);
    expectClerkError(await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: freshPhone(), reserved_for_second_factor: 'true' } }),
      422, 'form_param_value_invalid', 'reserved_for_second_factor');
  });
});

describe('ReadPhoneNumber', () => {
  it('returns the number wrapped with the client', async () => {
    const { token } = await newSignedInUser(t);
    const id = await addNumber(t, token, freshPhone());
    const reply = await fapi(t, 'GET', `/v1/me/phone_numbers/${id}`, { token });
    expect(reply.status).toBe(200);
    expect(reply.body.response.id).toBe(id);
    expect(reply.body.client.object).toBe('client');
  });

  it('is 404 for an unknown id and for another user\'s id, on every operation', async () => {
    const a = await newSignedInUser(t);
    const b = await newSignedInUser(t);
    const id = await addNumber(t, a.token, freshPhone());
    expectClerkError(await fapi(t, 'GET', '/v1/me/phone_numbers/idn_unknown', { token: a.token }), 404, 'resource_not_found');
    expectClerkError(await fapi(t, 'GET', `/v1/me/phone_numbers/${id}`, { token: b.token }), 404, 'resource_not_found');
    expectClerkError(await fapi(t, 'PATCH', `/v1/me/phone_numbers/${id}`, { token: b.token, form: { reserved_for_second_factor: 'false' } }), 404, 'resource_not_found');
    expectClerkError(await fapi(t, 'DELETE', `/v1/me/phone_numbers/${id}`, { token: b.token }), 404, 'resource_not_found');
    expectClerkError(await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token: b.token, form: { strategy: 'phone_code' } }), 404, 'resource_not_found');
    expectClerkError(await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token: b.token, form: { code: '123456' } }), 404, 'resource_not_found');
    const still = await fapi(t, 'GET', `/v1/me/phone_numbers/${id}`, { token: a.token });
    expect(still.status).toBe(200);
  });
});

describe('sendVerificationSMS and verifyPhoneNumber', () => {
  it('prepares a phone_code verification, sends one SMS, and verifies with the code', async () => {
    const { token, userId } = await newSignedInUser(t);
    const phone = freshPhone();
    const id = await addNumber(t, token, phone);
    const before = Date.now();
    const prepared = await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    expect(prepared.status).toBe(200);
    const v = prepared.body.response.verification;
    expect(v).toMatchObject({ object: 'verification_otp', status: 'unverified', strategy: 'phone_code', attempts: 0 });
    expect(v.expire_at).toBeGreaterThanOrEqual(before + 600_000 - 5_000);
    expect(v.expire_at).toBeLessThanOrEqual(Date.now() + 600_000);

    const code = await readCode(t, phone);
    const inbox = await bapi(t, 'GET', `/v1/dev/sms_messages?phone_number=${encodeURIComponent(phone)}`);
    expect(inbox.body).toHaveLength(1);
    expect(inbox.body[0].to).toBe(phone);
    expect(inbox.body[0].body).toContain(code);

    const verified = await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } });
    expect(verified.status).toBe(200);
    expect(verified.body.response.verification).toMatchObject({ status: 'verified', attempts: 1 });
    const user = verified.body.client.sessions[0].user;
    expect(user.id).toBe(userId);
    expect(user.primary_phone_number_id).toBe(id);
  });

  it('answers each error row: missing and wrong strategy, missing code, wrong code, already verified', async () => {
    const { token } = await newSignedInUser(t);
    const id = await addNumber(t, token, freshPhone());
    expectClerkError(await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: {} }), 422, 'form_param_missing', 'strategy');
    expectClerkError(await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'email_code' } }), 422, 'form_param_value_invalid', 'strategy');
    expectClerkError(await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code: '123456' } }), 400, 'verification_missing');
    await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    expectClerkError(await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: {} }), 422, 'form_param_missing', 'code');
    const phone = (await fapi(t, 'GET', `/v1/me/phone_numbers/${id}`, { token })).body.response.phone_number;
    const code = await readCode(t, phone);
    const wrong = code === '000000' ? '000001' : '000000';
    const incorrect = await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code: wrong } });
    expectClerkError(incorrect, 422, 'form_code_incorrect', 'code');
    expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } })).status).toBe(200);
    expectClerkError(await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } }), 400, 'verification_already_verified');
    expectClerkError(await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } }), 400, 'verification_already_verified');
  });

  it('preparing again replaces the code: the old one no longer works', async () => {
    const { token } = await newSignedInUser(t);
    const phone = freshPhone();
    const id = await addNumber(t, token, phone);
    await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    const first = await readCode(t, phone);
    const since = Date.now();
    await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    const second = await readCode(t, phone, since);
    if (first !== second) {
      expectClerkError(await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code: first } }), 422, 'form_code_incorrect');
    }
    expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code: second } })).status).toBe(200);
  });

  it('20 parallel wrong attempts stop at OTP_MAX_ATTEMPTS and leave the code unusable', async () => {
    const { token } = await newSignedInUser(t);
    const phone = freshPhone();
    const id = await addNumber(t, token, phone);
    await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    const code = await readCode(t, phone);
    const wrong = code === '111111' ? '222222' : '111111';
    const replies = await Promise.all(Array.from({ length: 20 }, () =>
      fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code: wrong } })));
    const codes = replies.map((r) => r.body.errors[0].code);
    expect(codes.filter((c) => c === 'form_code_incorrect')).toHaveLength(4);
    expect(codes.filter((c) => c === 'verification_failed')).toHaveLength(16);
    const after = await fapi(t, 'GET', `/v1/me/phone_numbers/${id}`, { token });
    expect(after.body.response.verification).toMatchObject({ status: 'failed', attempts: 5 });
    expectClerkError(await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } }), 422, 'verification_failed');
  });

  it('an expired code answers verification_expired', async () => {
    const short = await startTestServer({ OTP_TTL_SECONDS: '1' });
    try {
      const { token } = await newSignedInUser(short);
      const phone = freshPhone();
      const id = await addNumber(short, token, phone);
      await fapi(short, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
      const code = await readCode(short, phone);
      await new Promise((r) => setTimeout(r, 1_100));
      const read = await fapi(short, 'GET', `/v1/me/phone_numbers/${id}`, { token });
      expect(read.body.response.verification.status).toBe('expired');
      expectClerkError(await fapi(short, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } }), 422, 'verification_expired');
    } finally {
      await short.close();
    }
  });

  it('test-mode numbers accept 424242 and send no SMS', async () => {
    const { token } = await newSignedInUser(t);
    const phone = '+12015550142';
    const id = await addNumber(t, token, phone);
    expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } })).status).toBe(200);
    const verified = await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code: '424242' } });
    expect(verified.status).toBe(200);
    const inbox = await bapi(t, 'GET', `/v1/dev/sms_messages?phone_number=${encodeURIComponent(phone)}`);
    expect(inbox.body).toEqual([]);
  });

  it('two users cannot both verify the same number: the second gets form_identifier_exists', async () => {
    const a = await newSignedInUser(t);
    const b = await newSignedInUser(t);
    const phone = freshPhone();
    const idA = await addNumber(t, a.token, phone);
    const idB = await addNumber(t, b.token, phone);
    await fapi(t, 'POST', `/v1/me/phone_numbers/${idA}/prepare_verification`, { token: a.token, form: { strategy: 'phone_code' } });
    const codeA = await readCode(t, phone);
    const since = Date.now();
    await fapi(t, 'POST', `/v1/me/phone_numbers/${idB}/prepare_verification`, { token: b.token, form: { strategy: 'phone_code' } });
    const codeB = await readCode(t, phone, since);
    expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${idA}/attempt_verification`, { token: a.token, form: { code: codeA } })).status).toBe(200);
    expectClerkError(await fapi(t, 'POST', `/v1/me/phone_numbers/${idB}/attempt_verification`, { token: b.token, form: { code: codeB } }), 422, 'form_identifier_exists');
  });
});

describe('UpdatePhoneNumber: second-factor rules', () => {
  it('reserving needs a verified number; default needs a reserved one', async () => {
    const { token } = await newSignedInUser(t);
    const id = await addNumber(t, token, freshPhone());
    expectClerkError(await fapi(t, 'PATCH', `/v1/me/phone_numbers/${id}`, { token, form: { reserved_for_second_factor: 'true' } }), 422, 'form_param_value_invalid', 'reserved_for_second_factor');
    expectClerkError(await fapi(t, 'PATCH', `/v1/me/phone_numbers/${id}`, { token, form: { default_second_factor: 'true' } }), 422, 'form_param_value_invalid', 'default_second_factor');
    expectClerkError(await fapi(t, 'PATCH', `/v1/me/phone_numbers/${id}`, { token, form: { reserved_for_second_factor: 'maybe' } }), 422, 'form_param_format_invalid');
  });

  it('reserving the first number returns backup codes once and turns two-factor on; default is unique', async () => {
    const { token } = await newSignedInUser(t);
    const first = await addVerifiedNumber(t, token, freshPhone());
    const second = await addVerifiedNumber(t, token, freshPhone());
    const reserved = await fapi(t, 'PATCH', `/v1/me/phone_numbers/${first}`, { token, form: { reserved_for_second_factor: 'true' } });
    expect(reserved.status).toBe(200);
    expect(reserved.body.response.reserved_for_second_factor).toBe(true);
    expect(reserved.body.response.default_second_factor).toBe(true);
    expect(reserved.body.response.backup_codes).toHaveLength(10);
    expect(new Set(reserved.body.response.backup_codes).size).toBe(10);
    const user = reserved.body.client.sessions[0].user;
    expect(user.two_factor_enabled).toBe(true);
    expect(user.backup_code_enabled).toBe(true);

    const again = await fapi(t, 'GET', `/v1/me/phone_numbers/${first}`, { token });
    expect(again.body.response.backup_codes).toBeNull();

    const secondReserved = await fapi(t, 'PATCH', `/v1/me/phone_numbers/${second}`, { token, form: { reserved_for_second_factor: 'true' } });
    expect(secondReserved.body.response.backup_codes).toBeNull();
    expect(secondReserved.body.response.default_second_factor).toBe(false);

    const made = await fapi(t, 'POST', `/v1/me/phone_numbers/${second}`, { token, query: { _method: 'PATCH' }, form: { default_second_factor: 'true' } });
    expect(made.status).toBe(200);
    const numbers = (await fapi(t, 'GET', '/v1/me/phone_numbers', { token })).body;
    expect(numbers.filter((n: { default_second_factor: boolean }) => n.default_second_factor).map((n: { id: string }) => n.id)).toEqual([second]);
  });

  it('deleting the default moves it to another reserved number; deleting the primary moves primary', async () => {
    const { token } = await newSignedInUser(t);
    const first = await addVerifiedNumber(t, token, freshPhone());
    const second = await addVerifiedNumber(t, token, freshPhone());
    await fapi(t, 'PATCH', `/v1/me/phone_numbers/${first}`, { token, form: { reserved_for_second_factor: 'true' } });
    await fapi(t, 'PATCH', `/v1/me/phone_numbers/${second}`, { token, form: { reserved_for_second_factor: 'true' } });
    const deleted = await fapi(t, 'POST', `/v1/me/phone_numbers/${first}`, { token, query: { _method: 'DELETE' } });
    expect(deleted.status).toBe(200);
    expect(deleted.body.response).toEqual({ object: 'phone_number', id: first, deleted: true });
    const user = deleted.body.client.sessions[0].user;
    expect(user.primary_phone_number_id).toBe(second);
    expect(user.phone_numbers).toHaveLength(1);
    expect(user.phone_numbers[0]).toMatchObject({ id: second, default_second_factor: true });

    const last = await fapi(t, 'DELETE', `/v1/me/phone_numbers/${second}`, { token });
    const after = last.body.client.sessions[0].user;
    expect(after.primary_phone_number_id).toBeNull();
    expect(after.two_factor_enabled).toBe(false);
    expect(after.backup_code_enabled).toBe(false);
    expectClerkError(await fapi(t, 'DELETE', `/v1/me/phone_numbers/${second}`, { token }), 404, 'resource_not_found');
  });
});

describe('malformed input never reaches a 5xx and changes nothing', () => {
  it('wrong types, huge values, unknown fields, broken JSON and foreign media types', async () => {
    const { token } = await newSignedInUser(t);
    const id = await addNumber(t, token, freshPhone());
    const cases = [
      await fapi(t, 'POST', '/v1/me/phone_numbers', { token, json: { phone_number: 12025550100 } }),
      await fapi(t, 'POST', '/v1/me/phone_numbers', { token, json: { phone_number: ['+12025550100'] } }),
      await fapi(t, 'POST', '/v1/me/phone_numbers', { token, json: { phone_number: { $gt: '' } } }),
      await fapi(t, 'POST', '/v1/me/phone_numbers', { token, json: ['+12025550100'] }),
      await fapi(t, 'POST', '/v1/me/phone_numbers', { token, json: 'just a string' }),
      await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: '+1'.padEnd(5000, '9') } }),
      await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: freshPhone(), admin: 'true' } }),
      await fapi(t, 'POST', '/v1/me/phone_numbers', { token, rawBody: '{"phone_number":', contentType: 'application/json' }),
      await fapi(t, 'POST', '/v1/me/phone_numbers', { token, rawBody: '<xml/>', contentType: 'application/xml' }),
      await fapi(t, 'POST', '/v1/me/phone_numbers', { token, rawBody: 'x'.repeat(100_000), contentType: 'application/x-www-form-urlencoded' }),
      await fapi(t, 'PATCH', `/v1/me/phone_numbers/${id}`, { token, json: { reserved_for_second_factor: 1 } }),
      await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, json: { code: 424242 } }),
      await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code: '9'.repeat(4000) } }),
      await fapi(t, 'GET', `/v1/me/phone_numbers/${'x'.repeat(300)}`, { token }),
    ];
    for (const reply of cases) {
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
      expect(Array.isArray(reply.body.errors)).toBe(true);
    }
    const list = await fapi(t, 'GET', '/v1/me/phone_numbers', { token });
    expect(list.body).toHaveLength(1);
    expect(list.body[0].id).toBe(id);
  });

  it('unknown routes answer a ClerkErrors 404', async () => {
    const reply = await fapi(t, 'GET', '/v1/nothing-here', { validate: false });
    expectClerkError(reply, 404, 'resource_not_found');
  });
});

describe('sessions', () => {
  it('ending a session signs its client out at once', async () => {
    const { token, sessionId } = await newSignedInUser(t);
    const ended = await fapi(t, 'POST', `/v1/client/sessions/${sessionId}/end`, { token });
    expect(ended.status).toBe(200);
    expect(ended.body.response).toMatchObject({ id: sessionId, status: 'ended' });
    expectClerkError(await fapi(t, 'GET', '/v1/me/phone_numbers', { token }), 401, 'signed_out');
  });

  it('removing a session signs its client out at once', async () => {
    const { token, sessionId } = await newSignedInUser(t);
    const removed = await fapi(t, 'POST', `/v1/client/sessions/${sessionId}/remove`, { token });
    expect(removed.body.response.status).toBe('removed');
    expectClerkError(await fapi(t, 'GET', '/v1/me', { token }), 401, 'signed_out');
  });

  it('a session revoked through the Backend API is refused on the next request', async () => {
    const { token, sessionId } = await newSignedInUser(t);
    expect((await fapi(t, 'GET', '/v1/me/phone_numbers', { token })).status).toBe(200);
    const revoked = await bapi(t, 'POST', `/v1/sessions/${sessionId}/revoke`);
    expect(revoked.body).toMatchObject({ object: 'session', id: sessionId, status: 'revoked' });
    expectClerkError(await fapi(t, 'GET', '/v1/me/phone_numbers', { token }), 401, 'signed_out');
  });

  it('DELETE /v1/client/sessions and DELETE /v1/client sign every account on the client out', async () => {
    for (const path of ['/v1/client/sessions', '/v1/client']) {
      const first = await signIn(t, await createUser(t));
      await signIn(t, await createUser(t), first.token);
      const before = await fapi(t, 'GET', '/v1/client', { token: first.token });
      expect(before.body.response.sessions).toHaveLength(2);
      const out = await fapi(t, 'DELETE', path, { token: first.token });
      expect(out.status).toBe(200);
      expect(out.body.response).toMatchObject({ object: 'client', sessions: [], last_active_session_id: null });
      expectClerkError(await fapi(t, 'GET', '/v1/me/phone_numbers', { token: first.token }), 401, 'signed_out');
      expectClerkError(await fapi(t, 'GET', '/v1/me/phone_numbers', { token: first.token, query: { _clerk_session_id: first.sessionId } }), 401, 'signed_out');
      // The client itself stays: it can sign in again.
      expect((await fapi(t, 'GET', '/v1/client', { token: first.token })).body.response.id).toBe(before.body.response.id);
    }
    expectClerkError(await fapi(t, 'DELETE', '/v1/client/sessions'), 401, 'signed_out');
  });

  it('_clerk_session_id picks one of the client\'s sessions', async () => {
    const a = await createUser(t);
    const b = await createUser(t);
    const first = await signIn(t, a);
    const second = await signIn(t, b, first.token);
    const asA = await fapi(t, 'POST', '/v1/me/phone_numbers', { token: first.token, query: { _clerk_session_id: first.sessionId }, form: { phone_number: freshPhone() } });
    expect(asA.status).toBe(200);
    expect(asA.body.client.sessions).toHaveLength(2);
    const listA = await fapi(t, 'GET', '/v1/me/phone_numbers', { token: first.token, query: { _clerk_session_id: first.sessionId } });
    const listB = await fapi(t, 'GET', '/v1/me/phone_numbers', { token: first.token, query: { _clerk_session_id: second.sessionId } });
    expect(listA.body).toHaveLength(1);
    expect(listB.body).toHaveLength(0);
  });
});
