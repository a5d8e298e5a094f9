import { afterEach, describe, expect, it } from 'vitest';
import { listSms } from '../../src/store/sms-messages.js';
import { addNumber, expectClerkError, fapi, newSignedInUser } from '../helpers/fapi.js';
import { freshDatabaseUrl, startTestServer, type TestServer } from '../helpers/server.js';

// SMS-pumping defences that need no counter: which countries and which kinds of number we text,
// at create and again at prepare (a policy tightened after a number was added still holds).

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const create = (server: TestServer, token: string, phone: string) =>
  fapi(server, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: phone } });

describe('countries', () => {
  it('SMS_ALLOWED_COUNTRIES: only those countries can be added (422 form_param_value_invalid)', async () => {
    t = await startTestServer({ SMS_ALLOWED_COUNTRIES: 'US,CA' });
    const { token } = await newSignedInUser(t);
    expect((await create(t, token, '+12025554001')).status).toBe(200);
    const refused = await create(t, token, '+447400123456');
    expectClerkError(refused, 422, 'form_param_value_invalid', 'phone_number');
    expect(refused.body.errors[0].long_message).toBe('Phone numbers from this country are not supported.');
    expectClerkError(await create(t, token, '+33612345678'), 422, 'form_param_value_invalid', 'phone_number');
  });

  it('SMS_BLOCKED_COUNTRIES: those countries are refused, others pass', async () => {
    t = await startTestServer({ SMS_BLOCKED_COUNTRIES: 'FR, gb' });
    const { token } = await newSignedInUser(t);
    expectClerkError(await create(t, token, '+33612345678'), 422, 'form_param_value_invalid', 'phone_number');
    expectClerkError(await create(t, token, '+447400123456'), 422, 'form_param_value_invalid', 'phone_number');
    expect((await create(t, token, '+4915012345678')).status).toBe(200);
  });

  it('a country blocked after the number was added is refused at prepare, and nothing is queued', async () => {
    const database = freshDatabaseUrl();
    try {
      const before = await startTestServer({ DATABASE_URL: database.url });
      const { token } = await newSignedInUser(before);
      const id = await addNumber(before, token, '+33612345678');
      await before.close();

      t = await startTestServer({ DATABASE_URL: database.url, SMS_BLOCKED_COUNTRIES: 'FR' });
      const refused = await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
      expectClerkError(refused, 422, 'form_param_value_invalid', 'phone_number');
      expect(await listSms(t.server.ctx.database.db, {})).toEqual([]);
      const read = await fapi(t, 'GET', `/v1/me/phone_numbers/${id}`, { token });
      expect(read.body.response.verification).toBeNull();
    } finally {
      await t?.close();
      t = undefined;
      await database.cleanup();
    }
  });
});

describe('number types', () => {
  const refusedTypes: Array<[string, string]> = [
    ['a US premium-rate (900) number', '+19002345678'],
    ['a UK premium-rate (09) number', '+449098765432'],
    ['a French shared-cost (081) number', '+33810123456'],
    ['a Spanish shared-cost (901) number', '+34901123456'],
    ['a US toll-free number', '+18005550199'],
    ['an international VoIP number', '+883510012345678'],
  ];
  for (const [what, phone] of refusedTypes) {
    it(`refuses ${what} at create`, async () => {
      t = await startTestServer();
      const { token } = await newSignedInUser(t);
      const refused = await create(t, token, phone);
      expectClerkError(refused, 422, 'form_param_value_invalid', 'phone_number');
      expect(refused.body.errors[0].long_message).toBe('This kind of phone number cannot receive verification codes.');
    });
  }

  it('accepts mobiles, and numbers that may be mobile or fixed (the North American plan)', async () => {
    t = await startTestServer();
    const { token } = await newSignedInUser(t);
    for (const phone of ['+447400123456', '+33612345678', '+4915012345678', '+12025554002']) {
      expect((await create(t, token, phone)).status, phone).toBe(200);
    }
  });
});
