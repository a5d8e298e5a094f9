import { afterEach, describe, expect, it } from 'vitest';
import { addNumber, createUser, expectClerkError, fapi, newSignedInUser, signIn } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// Two defects the adversarial test reproduced (issue 12 items 7 and 8), over real HTTP: un-reserving
// the default second factor left two-factor on with no default, and adds refused as taken spent
// the daily new-number allowance.

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface NumberView { id: string; phone_number: string; reserved_for_second_factor: boolean; default_second_factor: boolean }

async function numbersAndTwoFactor(server: TestServer, token: string): Promise<{ numbers: NumberView[]; twoFactor: boolean }> {
  const list = await fapi(server, 'GET', '/v1/me/phone_numbers', { token });
  expect(list.status).toBe(200);
  const client = await fapi(server, 'GET', '/v1/client', { token });
  const session = client.body.response.sessions[0];
  return { numbers: list.body as NumberView[], twoFactor: session.user.two_factor_enabled as boolean };
}

const reserve = (server: TestServer, token: string, id: string, on: boolean) =>
  fapi(server, 'PATCH', `/v1/me/phone_numbers/${id}`, { token, form: { reserved_for_second_factor: String(on) } });

describe('two-step verification keeps a default while it is on', () => {
  it('reserve A, reserve B, un-reserve A: B becomes the default and two-step stays on; un-reserving B too turns it off', async () => {
    t = await startTestServer();
    const userId = await createUser(t, ['+12025553101', '+12025553102']);
    const { token } = await signIn(t, userId);
    const before = await numbersAndTwoFactor(t, token);
    const a = before.numbers.find((n) => n.phone_number === '+12025553101')!;
    const b = before.numbers.find((n) => n.phone_number === '+12025553102')!;

    expect((await reserve(t, token, a.id, true)).status).toBe(200);
    expect((await reserve(t, token, b.id, true)).status).toBe(200);
    const unreserved = await reserve(t, token, a.id, false);
    expect(unreserved.status).toBe(200);
    expect(unreserved.body.response).toMatchObject({ id: a.id, reserved_for_second_factor: false, default_second_factor: false });

    const after = await numbersAndTwoFactor(t, token);
    expect(after.twoFactor).toBe(true);
    expect(after.numbers.filter((n) => n.default_second_factor).map((n) => n.id)).toEqual([b.id]);

    expect((await reserve(t, token, b.id, false)).status).toBe(200);
    const off = await numbersAndTwoFactor(t, token);
    expect(off.twoFactor).toBe(false);
    expect(off.numbers.some((n) => n.default_second_factor || n.reserved_for_second_factor)).toBe(false);
  });
});

describe('the daily new-number allowance', () => {
  it('ten adds refused as form_identifier_exists spend nothing: the allowance still takes its two numbers, then 429', async () => {
    t = await startTestServer({ NEW_NUMBERS_MAX_PER_USER_PER_DAY: '2' });
    // Someone else's verified number: adding it is refused as taken.
    await createUser(t, ['+12025553110']);
    const { token } = await newSignedInUser(t);
    for (let i = 0; i < 10; i++) {
      expectClerkError(await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: '+12025553110' } }), 422, 'form_identifier_exists');
    }
    // Also refused, for its own reason, and free: a number that cannot exist.
    expectClerkError(await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: '+1202555' } }), 422, 'form_param_format_invalid', 'phone_number');
    await addNumber(t, token, '+12025553111');
    await addNumber(t, token, '+12025553112');
    const third = await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: '+12025553113' } });
    expectClerkError(third, 429, 'too_many_requests');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
