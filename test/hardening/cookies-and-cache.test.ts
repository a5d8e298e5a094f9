import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { bapi, expectClerkError, fapi, newSignedInUser } from '../helpers/fapi.js';

// Issue 12, items 1 and 10: a malformed cookie is no cookie (never a 500 and a stack in the log),
// and no answer that may carry a token, a JWT, a backup code or a code can be kept by a cache.

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

describe('malformed cookies', () => {
  for (const cookie of ['__client=%', '__client=%E0%A4%A', '__clerk_db_jwt=%', '__client=%; __clerk_db_jwt=%zz']) {
    it(`${cookie} reads as no cookie`, async () => {
      const reply = await fapi(t, 'GET', '/v1/client', { headers: { cookie } });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ response: null, client: null });
      expectClerkError(await fapi(t, 'GET', '/v1/me', { headers: { cookie } }), 401, 'signed_out');
    });
  }

  it('a malformed cookie beside a valid token does not hide the token', async () => {
    const { token } = await newSignedInUser(t);
    const reply = await fapi(t, 'GET', '/v1/me/phone_numbers', { token, headers: { cookie: '__client=%' } });
    expect(reply.status).toBe(200);
  });
});

describe('caching', () => {
  it('every API answer, success or error, on both APIs, says no-store and nosniff', async () => {
    const { token, userId } = await newSignedInUser(t);
    const answers = [
      await fapi(t, 'GET', '/v1/client', { token }),
      await fapi(t, 'POST', `/v1/client/sessions/${(await fapi(t, 'GET', '/v1/client', { token })).body.response.last_active_session_id}/tokens`, { token, validate: false }),
      await fapi(t, 'GET', '/v1/me/phone_numbers/idn_nope', { token }),
      await fapi(t, 'GET', '/v1/environment'),
      await fapi(t, 'GET', '/v1/no/such/route', { validate: false }),
      await bapi(t, 'POST', '/v1/sign_in_tokens', { user_id: userId }),
      await bapi(t, 'GET', '/v1/users/user_nope'),
      await bapi(t, 'GET', '/v1/dev/sms_messages?phone_number=%2B12025550100'),
    ];
    for (const answer of answers) {
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('the pages keep their own caching, and nosniff', async () => {
    const page = await fetch(`${t.fapiUrl}/account`);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).not.toBeNull();
  });
});
