import { afterEach, describe, expect, it } from 'vitest';
import { addNumber, bapi, createUser, expectClerkError, fapi, newSignedInUser, readCode, signIn, type Reply } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// The rate limits over real HTTP, in the store the server runs on (the SQL database of this test
// project): each limit stops exactly at its number and answers 429 too_many_requests + Retry-After.

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const prepare = (server: TestServer, token: string, id: string, headers?: Record<string, string>) =>
  fapi(server, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' }, headers });
const attempt = (server: TestServer, token: string, id: string, code: string, headers?: Record<string, string>) =>
  fapi(server, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code }, headers });

/** 429 too_many_requests with a whole-seconds Retry-After in [min, max]; returns it. */
function expectLimited(reply: Reply, min: number, max: number): number {
  expectClerkError(reply, 429, 'too_many_requests');
  const retryAfter = reply.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(min);
  expect(Number(retryAfter)).toBeLessThanOrEqual(max);
  return Number(retryAfter);
}

const inbox = async (server: TestServer, phone: string) =>
  (await bapi(server, 'GET', `/v1/dev/sms_messages?phone_number=${encodeURIComponent(phone)}`)).body as unknown[];

describe('sending limits (prepare_verification)', () => {
  it('resend cooldown: a second send to the same number within SMS_RESEND_COOLDOWN_SECONDS is 429 with Retry-After, for any user', async () => {
    t = await startTestServer({ SMS_RESEND_COOLDOWN_SECONDS: '30' });
    const phone = '+12025553001';
    const a = await newSignedInUser(t);
    const b = await newSignedInUser(t);
    const idA = await addNumber(t, a.token, phone);
    const idB = await addNumber(t, b.token, phone);
    expect((await prepare(t, a.token, idA)).status).toBe(200);
    const code = await readCode(t, phone);
    expectLimited(await prepare(t, a.token, idA), 1, 30);
    // The cooldown belongs to the number: another account holding it waits too.
    expectLimited(await prepare(t, b.token, idB), 1, 30);
    // The refused requests sent nothing and replaced nothing: the first code still works.
    expect(await inbox(t, phone)).toHaveLength(1);
    expect((await attempt(t, a.token, idA, code)).status).toBe(200);
  });

  it('hourly cap per number: SMS_MAX_PER_NUMBER_PER_HOUR sends, then 429 until the hour ends', async () => {
    t = await startTestServer({ SMS_MAX_PER_NUMBER_PER_HOUR: '3' });
    const { token } = await newSignedInUser(t);
    const phone = '+12025553002';
    const id = await addNumber(t, token, phone);
    for (let i = 0; i < 3; i++) expect((await prepare(t, token, id)).status).toBe(200);
    expectLimited(await prepare(t, token, id), 3_000, 3_600);
    expect(await inbox(t, phone)).toHaveLength(3);
  });

  it('daily cap per number: SMS_MAX_PER_NUMBER_PER_DAY, across users', async () => {
    t = await startTestServer({ SMS_MAX_PER_NUMBER_PER_DAY: '2' });
    const phone = '+12025553003';
    const a = await newSignedInUser(t);
    const b = await newSignedInUser(t);
    const idA = await addNumber(t, a.token, phone);
    const idB = await addNumber(t, b.token, phone);
    expect((await prepare(t, a.token, idA)).status).toBe(200);
    expect((await prepare(t, b.token, idB)).status).toBe(200);
    expectLimited(await prepare(t, a.token, idA), 3_600, 86_400);
    expectLimited(await prepare(t, b.token, idB), 3_600, 86_400);
  });

  it('parallel sends to one number: exactly the cap goes out, however they race', async () => {
    t = await startTestServer({ SMS_MAX_PER_NUMBER_PER_HOUR: '4' });
    const { token } = await newSignedInUser(t);
    const phone = '+12025553004';
    const id = await addNumber(t, token, phone);
    const replies = await Promise.all(Array.from({ length: 12 }, () => prepare(t!, token, id)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(4);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(8);
    expect(await inbox(t, phone)).toHaveLength(4);
  });

  it('per user: SMS_MAX_PER_USER_PER_HOUR across the user\'s numbers', async () => {
    t = await startTestServer({ SMS_MAX_PER_USER_PER_HOUR: '2' });
    const { token } = await newSignedInUser(t);
    const ids = [];
    for (const phone of ['+12025553005', '+12025553006', '+12025553007']) ids.push(await addNumber(t, token, phone));
    expect((await prepare(t, token, ids[0]!)).status).toBe(200);
    expect((await prepare(t, token, ids[1]!)).status).toBe(200);
    expectLimited(await prepare(t, token, ids[2]!), 3_000, 3_600);
    // Another user is not affected.
    const other = await newSignedInUser(t);
    expect((await prepare(t, other.token, await addNumber(t, other.token, '+12025553008'))).status).toBe(200);
  });

  it('per client IP (TRUST_PROXY=true believes X-Forwarded-For): SMS_MAX_PER_IP_PER_HOUR across users', async () => {
    t = await startTestServer({ SMS_MAX_PER_IP_PER_HOUR: '2', TRUST_PROXY: 'true' });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const ids: Array<{ token: string; id: string }> = [];
    for (const phone of ['+12025553009', '+12025553010', '+12025553011']) {
      const { token } = await newSignedInUser(t);
      ids.push({ token, id: await addNumber(t, token, phone) });
    }
    expect((await prepare(t, ids[0]!.token, ids[0]!.id, from('198.51.100.7'))).status).toBe(200);
    expect((await prepare(t, ids[1]!.token, ids[1]!.id, from('198.51.100.7'))).status).toBe(200);
    expectLimited(await prepare(t, ids[2]!.token, ids[2]!.id, from('198.51.100.7')), 3_000, 3_600);
    expect((await prepare(t, ids[2]!.token, ids[2]!.id, from('198.51.100.8'))).status).toBe(200);
  });

  it('a refused send does not use up the caller\'s other allowances', async () => {
    t = await startTestServer({ SMS_RESEND_COOLDOWN_SECONDS: '60', SMS_MAX_PER_USER_PER_HOUR: '2' });
    const { token } = await newSignedInUser(t);
    const first = await addNumber(t, token, '+12025553012');
    const second = await addNumber(t, token, '+12025553013');
    expect((await prepare(t, token, first)).status).toBe(200);
    // Three refusals by the cooldown of the first number...
    for (let i = 0; i < 3; i++) expectLimited(await prepare(t, token, first), 1, 60);
    // ...leave the user's hourly allowance (2) with one send, which the second number gets.
    expect((await prepare(t, token, second)).status).toBe(200);
  });

  it('test-mode numbers are not counted (they send nothing)', async () => {
    t = await startTestServer({ SMS_MAX_PER_NUMBER_PER_HOUR: '1', SMS_RESEND_COOLDOWN_SECONDS: '30' });
    const { token } = await newSignedInUser(t);
    const id = await addNumber(t, token, '+12015550143');
    for (let i = 0; i < 3; i++) expect((await prepare(t, token, id)).status).toBe(200);
  });
});

describe('new numbers per user per day', () => {
  it('NEW_NUMBERS_MAX_PER_USER_PER_DAY numbers can be added, then 429', async () => {
    t = await startTestServer({ NEW_NUMBERS_MAX_PER_USER_PER_DAY: '2' });
    const { token } = await newSignedInUser(t);
    await addNumber(t, token, '+12025553020');
    await addNumber(t, token, '+12025553021');
    expectLimited(await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: '+12025553022' } }), 3_600, 86_400);
    // Deleting does not give the allowance back: cycling numbers is what the cap is for.
    const list = (await fapi(t, 'GET', '/v1/me/phone_numbers', { token })).body as Array<{ id: string }>;
    await fapi(t, 'DELETE', `/v1/me/phone_numbers/${list[0]!.id}`, { token });
    expectLimited(await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: '+12025553022' } }), 3_600, 86_400);
  });
});

describe('checking codes', () => {
  it('parallel wrong codes from several clients on several IPs stop exactly at OTP_MAX_ATTEMPTS; the right code then fails', async () => {
    t = await startTestServer({ OTP_MAX_ATTEMPTS: '5', TRUST_PROXY: 'true' });
    const userId = await createUser(t);
    const clients = [];
    for (let i = 0; i < 4; i++) clients.push({ ...(await signIn(t, userId)), ip: `203.0.113.${10 + i}` });
    expect(new Set(clients.map((c) => c.token)).size).toBe(4);
    const phone = '+12025553030';
    const id = await addNumber(t, clients[0]!.token, phone);
    expect((await prepare(t, clients[0]!.token, id)).status).toBe(200);
    const code = await readCode(t, phone);
    const wrong = code === '000000' ? '000001' : '000000';
    const replies = await Promise.all(Array.from({ length: 24 }, (_, i) => {
      const client = clients[i % clients.length]!;
      return attempt(t!, client.token, id, wrong, { 'x-forwarded-for': client.ip });
    }));
    const codes = replies.map((r) => r.body.errors[0].code);
    expect(codes.filter((c) => c === 'form_code_incorrect')).toHaveLength(4);
    expect(codes.filter((c) => c === 'verification_failed')).toHaveLength(20);
    expectClerkError(await attempt(t, clients[3]!.token, id, code), 422, 'verification_failed');
    const read = await fapi(t, 'GET', `/v1/me/phone_numbers/${id}`, { token: clients[1]!.token });
    expect(read.body.response.verification).toMatchObject({ status: 'failed', attempts: 5 });
  });

  it('attempts per client IP count across verifications: ATTEMPTS_MAX_PER_IP_PER_HOUR, then 429', async () => {
    t = await startTestServer({ ATTEMPTS_MAX_PER_IP_PER_HOUR: '3', TRUST_PROXY: 'true' });
    const ip = { 'x-forwarded-for': '192.0.2.44' };
    const targets = [];
    for (const phone of ['+12025553031', '+12025553032']) {
      const { token } = await newSignedInUser(t);
      const id = await addNumber(t, token, phone);
      await prepare(t, token, id);
      targets.push({ token, id, code: await readCode(t, phone) });
    }
    const [a, b] = targets;
    const wrong = (code: string) => (code === '999999' ? '999998' : '999999');
    expectClerkError(await attempt(t, a!.token, a!.id, wrong(a!.code), ip), 422, 'form_code_incorrect');
    expectClerkError(await attempt(t, b!.token, b!.id, wrong(b!.code), ip), 422, 'form_code_incorrect');
    expectClerkError(await attempt(t, a!.token, a!.id, wrong(a!.code), ip), 422, 'form_code_incorrect');
    // Even the right code waits once this address has used its attempts.
    expectLimited(await attempt(t, b!.token, b!.id, b!.code, ip), 3_000, 3_600);
    expect((await attempt(t, b!.token, b!.id, b!.code, { 'x-forwarded-for': '192.0.2.45' })).status).toBe(200);
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: a forged header does not buy new attempts', async () => {
    t = await startTestServer({ ATTEMPTS_MAX_PER_IP_PER_HOUR: '2' });
    const { token } = await newSignedInUser(t);
    const phone = '+12025553033';
    const id = await addNumber(t, token, phone);
    await prepare(t, token, id);
    const code = await readCode(t, phone);
    const wrong = code === '999999' ? '999998' : '999999';
    expectClerkError(await attempt(t, token, id, wrong, { 'x-forwarded-for': '192.0.2.1' }), 422, 'form_code_incorrect');
    expectClerkError(await attempt(t, token, id, wrong, { 'x-forwarded-for': '192.0.2.2' }), 422, 'form_code_incorrect');
    expectLimited(await attempt(t, token, id, code, { 'x-forwarded-for': '192.0.2.3' }), 3_000, 3_600);
  });

  it('a code is single use: after success it cannot be used again, and no new code can be asked for', async () => {
    t = await startTestServer();
    const { token } = await newSignedInUser(t);
    const phone = '+12025553034';
    const id = await addNumber(t, token, phone);
    await prepare(t, token, id);
    const code = await readCode(t, phone);
    expect((await attempt(t, token, id, code)).status).toBe(200);
    const again = await Promise.all([attempt(t, token, id, code), attempt(t, token, id, code)]);
    for (const reply of again) expectClerkError(reply, 400, 'verification_already_verified');
    expectClerkError(await prepare(t, token, id), 400, 'verification_already_verified');
  });

  it('two parallel right answers: one verifies, the other is told it is already verified', async () => {
    t = await startTestServer();
    const userId = await createUser(t);
    const one = await signIn(t, userId);
    const two = await signIn(t, userId);
    const phone = '+12025553035';
    const id = await addNumber(t, one.token, phone);
    await prepare(t, one.token, id);
    const code = await readCode(t, phone);
    const replies = await Promise.all([attempt(t, one.token, id, code), attempt(t, two.token, id, code)]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 400]);
  });
});
