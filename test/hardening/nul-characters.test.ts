import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { bapi, expectClerkError, fapi, newSignedInUser } from '../helpers/fapi.js';

// Issue 12, found by the fuzz test on PostgreSQL: a NUL character in an id or a field reached a
// query, and PostgreSQL's text cannot hold one ("invalid byte sequence"), so the answer was a 500.
// SQLite stored it. Now a path parameter with a NUL names nothing (404) and a field with one is
// invalid (422), on both databases, before any query sees it.

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer();
  ({ token } = await newSignedInUser(t));
});
afterAll(async () => { await t.close(); });

describe('a NUL character in a path parameter is a 404', () => {
  for (const [method, path] of [
    ['GET', '/v1/users/a%00b'], ['DELETE', '/v1/users/user_%00'], ['POST', '/v1/users/%00/lock'], ['POST', '/v1/users/%00/unlock'],
    ['POST', '/v1/sessions/sess_%00/revoke'],
  ] as const) {
    it(`Backend API ${method} ${path}`, async () => {
      expectClerkError(await bapi(t, method, path, method === 'POST' ? {} : undefined), 404, 'resource_not_found');
    });
  }

  for (const [method, path] of [
    ['GET', '/v1/me/phone_numbers/idn_%00'], ['PATCH', '/v1/me/phone_numbers/idn_%00'], ['DELETE', '/v1/me/phone_numbers/%00'],
    ['POST', '/v1/me/phone_numbers/idn_%00/prepare_verification'], ['POST', '/v1/me/sessions/sess_%00/revoke'],
    ['POST', '/v1/client/sessions/sess_%00/end'], ['POST', '/v1/client/sessions/sess_%00/remove'],
    ['GET', '/v1/client/sign_ins/sia_%00'], ['GET', '/v1/client/sign_ups/sua_%00'],
  ] as const) {
    it(`Frontend API ${method} ${path}, signed in`, async () => {
      const form = path.endsWith('prepare_verification') ? { strategy: 'phone_code' } : undefined;
      expectClerkError(await fapi(t, method, path, { token, form, validate: false }), 404, 'resource_not_found');
    });
  }
});

describe('a NUL character in a field is form_param_format_invalid', () => {
  it('Backend API: a user\'s name, external id, and a sign-in token\'s user id', async () => {
    expectClerkError(await bapi(t, 'POST', '/v1/users', { first_name: 'a\u0000b' }), 422, 'form_param_format_invalid', 'first_name');
    expectClerkError(await bapi(t, 'POST', '/v1/users', { external_id: '\u0000' }), 422, 'form_param_format_invalid', 'external_id');
    expectClerkError(await bapi(t, 'POST', '/v1/sign_in_tokens', { user_id: 'user_\u0000' }), 422, 'form_param_format_invalid', 'user_id');
  });

  it('Frontend API: the primary number\'s id, as a form field and in JSON', async () => {
    expectClerkError(await fapi(t, 'PATCH', '/v1/me', { token, form: { primary_phone_number_id: 'idn_\u0000' } }), 422, 'form_param_format_invalid', 'primary_phone_number_id');
    expectClerkError(await fapi(t, 'PATCH', '/v1/me', { token, json: { primary_phone_number_id: 'idn_\u0000' } }), 422, 'form_param_format_invalid', 'primary_phone_number_id');
  });
});
