import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { bapi, expectClerkError, fapi, readCode, type Reply } from '../helpers/fapi.js';

// Signing up and in with a phone number over real HTTP, as a native app (the client token in the
// Authorization header): every status transition and error, the second factor, backup codes,
// lockout and enumeration protection. fapi() checks every answer against Clerk's OpenAPI file.

let t: TestServer;
beforeAll(async () => { t = await startTestServer({ OTP_MAX_ATTEMPTS: '5', USER_LOCKOUT_MAX_ATTEMPTS: '1000' }); });
afterAll(async () => { await t.close(); });

let phoneCounter = 0;
/** A valid US number that is not a test-mode number, unique to this file. */
const freshPhone = () => `+1202555${String(3000 + phoneCounter++).padStart(4, '0')}`;
const native = { _is_native: '1' };
/** Test-mode numbers (+1 XXX 555-0100..0199) take 424242 and send nothing: for steps made at a shifted clock. */
const isTestNumber = (phone: string) => /55501\d\d$/.test(phone);
const codeFor = (server: TestServer, phone: string, since: number) => isTestNumber(phone) ? Promise.resolve('424242') : readCode(server, phone, since);

async function post(server: TestServer, path: string, form: Record<string, string>, token?: string): Promise<Reply> {
  return fapi(server, 'POST', path, { query: native, form, token });
}

/** Signs up through the FAPI with a real code from the dev inbox; answers the new user's client token and ids. */
async function signUp(server: TestServer, phone: string): Promise<{ token: string; userId: string; sessionId: string }> {
  const created = await post(server, '/v1/client/sign_ups', { phone_number: phone });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const token = created.headers.get('authorization')!;
  const id = created.body.response.id;
  const since = Date.now();
  expect((await post(server, `/v1/client/sign_ups/${id}/prepare_verification`, { strategy: 'phone_code' }, token)).status).toBe(200);
  const done = await post(server, `/v1/client/sign_ups/${id}/attempt_verification`, { strategy: 'phone_code', code: await codeFor(server, phone, since) }, token);
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return { token, userId: done.body.response.created_user_id, sessionId: done.body.response.created_session_id };
}

/** A new client's sign-in with this identifier: its id and the new client's token. */
async function startSignIn(server: TestServer, identifier: string, extra: Record<string, string> = {}): Promise<{ id: string; token: string; reply: Reply }> {
  const reply = await post(server, '/v1/client/sign_ins', { identifier, ...extra });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return { id: reply.body.response.id, token: reply.headers.get('authorization')!, reply };
}

async function sendFirstCode(server: TestServer, signIn: { id: string; token: string }, phone: string): Promise<string> {
  const since = Date.now();
  const prepared = await post(server, `/v1/client/sign_ins/${signIn.id}/prepare_first_factor`, { strategy: 'phone_code' }, signIn.token);
  expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
  return codeFor(server, phone, since);
}

/** Turns two-step verification on for the user's number; answers the backup codes shown that once. */
async function turnOnTwoStep(server: TestServer, token: string): Promise<{ numberId: string; backupCodes: string[] }> {
  const numbers = await fapi(server, 'GET', '/v1/me/phone_numbers', { token });
  const numberId = numbers.body[0].id;
  const reply = await fapi(server, 'POST', `/v1/me/phone_numbers/${numberId}`, { token, query: { _method: 'PATCH' }, form: { reserved_for_second_factor: 'true' } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(reply.body.response.backup_codes).toHaveLength(10);
  return { numberId, backupCodes: reply.body.response.backup_codes };
}

/** A sign-in of a two-step user, past the first factor. */
async function toSecondFactor(server: TestServer, phone: string): Promise<{ id: string; token: string; reply: Reply }> {
  const signIn = await startSignIn(server, phone);
  const code = await sendFirstCode(server, signIn, phone);
  const reply = await post(server, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code }, signIn.token);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(reply.body.response.status).toBe('needs_second_factor');
  return { ...signIn, reply };
}

describe('sign-up by phone', () => {
  it('missing_requirements with the number unverified, then prepare, a wrong code, the right code: complete, signed in, the number verified and primary', async () => {
    const phone = freshPhone();
    const created = await post(t, '/v1/client/sign_ups', { phone_number: `+1 (${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}` });
    expect(created.status).toBe(200);
    expect(created.body.response).toMatchObject({
      object: 'sign_up_attempt', status: 'missing_requirements', phone_number: phone, required_fields: ['phone_number'],
      missing_fields: [], unverified_fields: ['phone_number'], created_user_id: null, created_session_id: null,
    });
    expect(created.body.response.verifications.phone_number).toBeNull();
    expect(created.body.client.sign_up.id).toBe(created.body.response.id);
    const token = created.headers.get('authorization')!;
    const id = created.body.response.id;

    const since = Date.now();
    const prepared = await post(t, `/v1/client/sign_ups/${id}/prepare_verification`, { strategy: 'phone_code' }, token);
    expect(prepared.body.response.verifications.phone_number).toMatchObject({ status: 'unverified', strategy: 'phone_code', attempts: 0, next_action: 'needs_attempt', supported_strategies: ['phone_code'] });
    const code = await readCode(t, phone, since);
    const wrong = code === '000000' ? '111111' : '000000';
    expectClerkError(await post(t, `/v1/client/sign_ups/${id}/attempt_verification`, { strategy: 'phone_code', code: wrong }, token), 422, 'form_code_incorrect', 'code');

    const done = await post(t, `/v1/client/sign_ups/${id}/attempt_verification`, { strategy: 'phone_code', code }, token);
    expect(done.status).toBe(200);
    expect(done.body.response).toMatchObject({ status: 'complete', unverified_fields: [] });
    expect(done.body.response.created_user_id).toMatch(/^user_/);
    expect(done.body.client.sign_up).toBeNull();
    expect(done.body.client.last_active_session_id).toBe(done.body.response.created_session_id);

    const me = await fapi(t, 'GET', '/v1/me', { token });
    expect(me.body.response.id).toBe(done.body.response.created_user_id);
    expect(me.body.response.phone_numbers).toHaveLength(1);
    expect(me.body.response.phone_numbers[0]).toMatchObject({ phone_number: phone, verification: { status: 'verified' } });
    expect(me.body.response.primary_phone_number_id).toBe(me.body.response.phone_numbers[0].id);
  });

  it('a number someone verified is form_identifier_exists; of two parallel sign-ups with one number only one completes', async () => {
    const phone = freshPhone();
    await signUp(t, phone);
    expectClerkError(await post(t, '/v1/client/sign_ups', { phone_number: phone }), 422, 'form_identifier_exists', 'phone_number');

    const contested = freshPhone();
    const a = await post(t, '/v1/client/sign_ups', { phone_number: contested });
    const b = await post(t, '/v1/client/sign_ups', { phone_number: contested });
    const since = Date.now();
    const ta = a.headers.get('authorization')!;
    const tb = b.headers.get('authorization')!;
    await post(t, `/v1/client/sign_ups/${a.body.response.id}/prepare_verification`, { strategy: 'phone_code' }, ta);
    const codeA = await readCode(t, contested, since);
    const since2 = Date.now();
    await post(t, `/v1/client/sign_ups/${b.body.response.id}/prepare_verification`, { strategy: 'phone_code' }, tb);
    const codeB = await readCode(t, contested, since2);
    const [ra, rb] = await Promise.all([
      post(t, `/v1/client/sign_ups/${a.body.response.id}/attempt_verification`, { strategy: 'phone_code', code: codeA }, ta),
      post(t, `/v1/client/sign_ups/${b.body.response.id}/attempt_verification`, { strategy: 'phone_code', code: codeB }, tb),
    ]);
    const statuses = [ra.status, rb.status].sort();
    expect(statuses).toEqual([200, 422]);
    expect([ra, rb].find((r) => r.status === 422)!.body.errors[0].code).toBe('form_identifier_exists');
  });

  it('answers missing and bad parameters with Clerk errors, and another client cannot read or use a sign-up', async () => {
    expectClerkError(await post(t, '/v1/client/sign_ups', { phone_number: 'not a number' }), 422, 'form_param_format_invalid', 'phone_number');
    expectClerkError(await post(t, '/v1/client/sign_ups', { email_address: 'a@example.com' }), 422, 'form_param_unknown', 'email_address');
    const empty = await post(t, '/v1/client/sign_ups', {});
    expect(empty.body.response.missing_fields).toEqual(['phone_number']);
    const token = empty.headers.get('authorization')!;
    expectClerkError(await post(t, `/v1/client/sign_ups/${empty.body.response.id}/prepare_verification`, { strategy: 'phone_code' }, token), 422, 'form_param_missing', 'phone_number');
    const phone = freshPhone();
    const patched = await fapi(t, 'POST', `/v1/client/sign_ups/${empty.body.response.id}`, { query: { ...native, _method: 'PATCH' }, form: { phone_number: phone }, token });
    expect(patched.body.response.phone_number).toBe(phone);
    expectClerkError(await post(t, `/v1/client/sign_ups/${empty.body.response.id}/prepare_verification`, { strategy: 'email_code' }, token), 422, 'form_param_value_invalid', 'strategy');

    const other = await post(t, '/v1/client/sign_ups', {});
    const otherToken = other.headers.get('authorization')!;
    expectClerkError(await fapi(t, 'GET', `/v1/client/sign_ups/${empty.body.response.id}`, { token: otherToken }), 404, 'resource_not_found');
    expectClerkError(await post(t, `/v1/client/sign_ups/${empty.body.response.id}/prepare_verification`, { strategy: 'phone_code' }, otherToken), 404, 'resource_not_found');
    expectClerkError(await fapi(t, 'GET', `/v1/client/sign_ups/${empty.body.response.id}`), 404, 'resource_not_found');
  });
});

describe('sign-in by phone code', () => {
  it('needs_first_factor with masked factors and no pending code, then prepare, a wrong code, the right code: complete with a session', async () => {
    const phone = freshPhone();
    const { userId } = await signUp(t, phone);
    const signIn = await startSignIn(t, `+1 ${phone.slice(2, 5)} ${phone.slice(5, 8)} ${phone.slice(8)}`);
    const response = signIn.reply.body.response;
    expect(response).toMatchObject({
      object: 'sign_in_attempt', status: 'needs_first_factor', identifier: phone, supported_identifiers: ['phone_number'],
      first_factor_verification: null, second_factor_verification: null, created_session_id: null, supported_second_factors: null,
    });
    expect(response.supported_first_factors).toEqual([
      { strategy: 'phone_code', safe_identifier: `+1******${phone.slice(-4)}`, phone_number_id: expect.stringMatching(/^idn_/), primary: true },
    ]);
    expect(signIn.reply.body.client.sign_in.id).toBe(signIn.id);

    const code = await sendFirstCode(t, signIn, phone);
    const read = await fapi(t, 'GET', `/v1/client/sign_ins/${signIn.id}`, { token: signIn.token });
    expect(read.body.response.first_factor_verification).toMatchObject({ status: 'unverified', strategy: 'phone_code', attempts: 0 });
    const wrong = code === '000000' ? '111111' : '000000';
    expectClerkError(await post(t, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code: wrong }, signIn.token), 422, 'form_code_incorrect', 'code');

    const done = await post(t, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code }, signIn.token);
    expect(done.body.response).toMatchObject({ status: 'complete', first_factor_verification: { status: 'verified' } });
    expect(done.body.client.sign_in).toBeNull();
    const session = done.body.client.sessions.find((s: { id: string }) => s.id === done.body.response.created_session_id);
    expect(session.user.id).toBe(userId);
    expect((await fapi(t, 'GET', '/v1/me', { token: signIn.token })).body.response.id).toBe(userId);
    // A finished sign-in takes no more steps.
    expectClerkError(await post(t, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code }, signIn.token), 400, 'sign_in_status_invalid');
  });

  it('strategy=phone_code on create sends the code at once', async () => {
    const phone = freshPhone();
    await signUp(t, phone);
    const since = Date.now();
    const signIn = await startSignIn(t, phone, { strategy: 'phone_code' });
    expect(signIn.reply.body.response.first_factor_verification).toMatchObject({ status: 'unverified', strategy: 'phone_code' });
    const code = await readCode(t, phone, since);
    const done = await post(t, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code }, signIn.token);
    expect(done.body.response.status).toBe('complete');
  });

  it('an unknown or unverified number is form_identifier_not_found; a sign-in with no identifier needs one', async () => {
    expectClerkError(await post(t, '/v1/client/sign_ins', { identifier: freshPhone() }), 422, 'form_identifier_not_found', 'identifier');
    const owner = await signUp(t, freshPhone());
    const pending = freshPhone();
    await fapi(t, 'POST', '/v1/me/phone_numbers', { token: owner.token, form: { phone_number: pending } });
    expectClerkError(await post(t, '/v1/client/sign_ins', { identifier: pending }), 422, 'form_identifier_not_found', 'identifier');
    expectClerkError(await post(t, '/v1/client/sign_ins', { identifier: 'nope' }), 422, 'form_param_format_invalid', 'identifier');
    expectClerkError(await post(t, '/v1/client/sign_ins', { strategy: 'phone_code' }), 422, 'form_param_missing', 'identifier');
    const bare = await post(t, '/v1/client/sign_ins', {});
    expect(bare.body.response).toMatchObject({ status: 'needs_identifier', supported_first_factors: [], identifier: null });
  });

  it('wrong strategies are Clerk errors: strategy_for_user_invalid, form_param_value_invalid, sign_in_status_invalid', async () => {
    const phone = freshPhone();
    await signUp(t, phone);
    const signIn = await startSignIn(t, phone);
    const path = `/v1/client/sign_ins/${signIn.id}`;
    expectClerkError(await post(t, `${path}/prepare_first_factor`, { strategy: 'email_code' }, signIn.token), 400, 'strategy_for_user_invalid', 'strategy');
    expectClerkError(await post(t, `${path}/prepare_first_factor`, { strategy: 'phone_code', phone_number_id: 'idn_someoneelse' }, signIn.token), 400, 'strategy_for_user_invalid');
    expectClerkError(await post(t, `${path}/attempt_first_factor`, { strategy: 'password', code: '123456' }, signIn.token), 400, 'strategy_for_user_invalid');
    expectClerkError(await post(t, `${path}/attempt_first_factor`, { strategy: 'phone_code', code: '123456' }, signIn.token), 400, 'verification_missing');
    expectClerkError(await post(t, `${path}/prepare_second_factor`, { strategy: 'phone_code' }, signIn.token), 400, 'sign_in_status_invalid');
    expectClerkError(await post(t, '/v1/client/sign_ins', { strategy: 'password', identifier: phone }), 422, 'form_param_value_invalid', 'strategy');
  });

  it('a sign-in of one client is not readable or usable by another, nor without a client', async () => {
    const phone = freshPhone();
    await signUp(t, phone);
    const mine = await startSignIn(t, phone);
    const theirs = await startSignIn(t, phone);
    const path = `/v1/client/sign_ins/${mine.id}`;
    expectClerkError(await fapi(t, 'GET', path, { token: theirs.token }), 404, 'resource_not_found');
    expectClerkError(await fapi(t, 'GET', path), 404, 'resource_not_found');
    expectClerkError(await post(t, `${path}/prepare_first_factor`, { strategy: 'phone_code' }, theirs.token), 404, 'resource_not_found');
    const code = await sendFirstCode(t, mine, phone);
    expectClerkError(await post(t, `${path}/attempt_first_factor`, { strategy: 'phone_code', code }, theirs.token), 404, 'resource_not_found');
    expect((await post(t, `${path}/attempt_first_factor`, { strategy: 'phone_code', code }, mine.token)).body.response.status).toBe('complete');
  });

  it('verification_expired after the code\'s time, verification_failed after the last try', async () => {
    const phone = freshPhone();
    await signUp(t, phone);
    const signIn = await startSignIn(t, phone);
    const code = await sendFirstCode(t, signIn, phone);
    const clock = t.server.ctx.now;
    t.server.ctx.now = () => Date.now() + 601_000;
    try {
      expectClerkError(await post(t, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code }, signIn.token), 422, 'verification_expired');
    } finally {
      t.server.ctx.now = clock;
    }
    const fresh = await sendFirstCode(t, signIn, phone);
    const wrong = fresh === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) expectClerkError(await post(t, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code: wrong }, signIn.token), 422, 'form_code_incorrect');
    expectClerkError(await post(t, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code: wrong }, signIn.token), 422, 'verification_failed');
    expectClerkError(await post(t, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code: fresh }, signIn.token), 422, 'verification_failed');
  });

  it('20 parallel wrong codes are never evaluated past the limit: 4 incorrect, 16 failed, and the right code then fails', async () => {
    const phone = freshPhone();
    await signUp(t, phone);
    const signIn = await startSignIn(t, phone);
    const code = await sendFirstCode(t, signIn, phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const replies = await Promise.all(Array.from({ length: 20 }, () =>
      post(t, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code: wrong }, signIn.token)));
    const codes = replies.map((r) => r.body.errors[0].code);
    expect(codes.filter((c) => c === 'form_code_incorrect')).toHaveLength(4);
    expect(codes.filter((c) => c === 'verification_failed')).toHaveLength(16);
    const read = await fapi(t, 'GET', `/v1/client/sign_ins/${signIn.id}`, { token: signIn.token });
    expect(read.body.response.first_factor_verification).toMatchObject({ status: 'failed', attempts: 5 });
    expectClerkError(await post(t, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code }, signIn.token), 422, 'verification_failed');
  });

  it('sends through the same limits as number verification: a second send within the cooldown is 429', async () => {
    const strict = await startTestServer({ SMS_RESEND_COOLDOWN_SECONDS: '30' });
    try {
      const phone = '+12025553999';
      const owner = await signUp(strict, phone).catch(() => null);
      expect(owner).not.toBeNull();
      const signIn = await startSignIn(strict, phone);
      const refused = await post(strict, `/v1/client/sign_ins/${signIn.id}/prepare_first_factor`, { strategy: 'phone_code' }, signIn.token);
      expectClerkError(refused, 429, 'too_many_requests');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await strict.close();
    }
  });
});

describe('two-step verification at sign-in', () => {
  it('needs_second_factor after the first factor, the default number when none is named, then complete', async () => {
    const phone = freshPhone();
    const user = await signUp(t, phone);
    const { numberId } = await turnOnTwoStep(t, user.token);
    const signIn = await toSecondFactor(t, phone);
    expect(signIn.reply.body.response.created_session_id).toBeNull();
    expect(signIn.reply.body.response.supported_second_factors).toEqual([
      { strategy: 'phone_code', safe_identifier: `+1******${phone.slice(-4)}`, phone_number_id: numberId, default: true },
      { strategy: 'backup_code' },
    ]);
    const since = Date.now();
    const prepared = await post(t, `/v1/client/sign_ins/${signIn.id}/prepare_second_factor`, {}, signIn.token);
    expect(prepared.body.response.second_factor_verification).toMatchObject({ status: 'unverified', strategy: 'phone_code' });
    const code = await readCode(t, phone, since);
    const done = await post(t, `/v1/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'phone_code', code }, signIn.token);
    expect(done.body.response).toMatchObject({ status: 'complete', second_factor_verification: { status: 'verified', strategy: 'phone_code' } });
    expect(done.body.response.created_session_id).toMatch(/^sess_/);
  });

  it('a backup code signs in once; again it is form_code_incorrect; a user without two-step has no second factor', async () => {
    const phone = freshPhone();
    const user = await signUp(t, phone);
    const { backupCodes } = await turnOnTwoStep(t, user.token);
    const first = await toSecondFactor(t, phone);
    const done = await post(t, `/v1/client/sign_ins/${first.id}/attempt_second_factor`, { strategy: 'backup_code', code: ` ${backupCodes[0]!.toUpperCase()} ` }, first.token);
    expect(done.body.response).toMatchObject({ status: 'complete', second_factor_verification: { status: 'verified', strategy: 'backup_code' } });
    const again = await toSecondFactor(t, phone);
    expectClerkError(await post(t, `/v1/client/sign_ins/${again.id}/attempt_second_factor`, { strategy: 'backup_code', code: backupCodes[0]! }, again.token), 422, 'form_code_incorrect');
    expectClerkError(await post(t, `/v1/client/sign_ins/${again.id}/attempt_second_factor`, { strategy: 'totp', code: '123456' }, again.token), 400, 'strategy_for_user_invalid');
    expect((await post(t, `/v1/client/sign_ins/${again.id}/attempt_second_factor`, { strategy: 'backup_code', code: backupCodes[1]! }, again.token)).body.response.status).toBe('complete');
  });

  it('backup codes are stored keyed and salted: the users row holds neither a code nor its SHA-256', async () => {
    const user = await signUp(t, freshPhone());
    const { backupCodes } = await turnOnTwoStep(t, user.token);
    const row = await t.server.ctx.database.db.selectFrom('users').select('backup_code_digests').where('id', '=', user.userId).executeTakeFirstOrThrow();
    const stored = row.backup_code_digests!;
    expect(JSON.parse(stored)).toHaveLength(10);
    const { createHash } = await import('node:crypto');
    for (const code of backupCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(createHash('sha256').update(code).digest('base64url'));
      expect(stored).not.toContain(createHash('sha256').update(code).digest('hex'));
    }
  });

  it('one backup code used by 20 sign-ins at once completes exactly one', async () => {
    const phone = freshPhone();
    const user = await signUp(t, phone);
    const { backupCodes } = await turnOnTwoStep(t, user.token);
    const signIns = [];
    for (let i = 0; i < 20; i++) signIns.push(await toSecondFactor(t, phone));
    const replies = await Promise.all(signIns.map((s) =>
      post(t, `/v1/client/sign_ins/${s.id}/attempt_second_factor`, { strategy: 'backup_code', code: backupCodes[3]! }, s.token)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of replies.filter((x) => x.status !== 200)) expect(r.body.errors[0].code).toBe('form_code_incorrect');
  });

  it('ten different backup codes used at once all sign in', async () => {
    const phone = freshPhone();
    const user = await signUp(t, phone);
    const { backupCodes } = await turnOnTwoStep(t, user.token);
    const signIns = [];
    for (let i = 0; i < 10; i++) signIns.push(await toSecondFactor(t, phone));
    const replies = await Promise.all(signIns.map((s, i) =>
      post(t, `/v1/client/sign_ins/${s.id}/attempt_second_factor`, { strategy: 'backup_code', code: backupCodes[i]! }, s.token)));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
  });
});

describe('lockout', () => {
  let strict: TestServer;
  beforeAll(async () => { strict = await startTestServer({ USER_LOCKOUT_MAX_ATTEMPTS: '3', USER_LOCKOUT_MINUTES: '60' }); });
  afterAll(async () => { await strict.close(); });

  it('failed codes across sign-ins and backup codes lock the user: user_locked even with the right code, until the window ends or the Backend API unlocks', async () => {
    const phone = '+12025553990';
    const user = await signUp(strict, phone);
    const { backupCodes } = await turnOnTwoStep(strict, user.token);
    const a = await toSecondFactor(strict, phone);
    expectClerkError(await post(strict, `/v1/client/sign_ins/${a.id}/attempt_second_factor`, { strategy: 'backup_code', code: 'wrongcode' }, a.token), 422, 'form_code_incorrect');
    const b = await startSignIn(strict, phone);
    const code = await sendFirstCode(strict, b, phone);
    const wrong = code === '000000' ? '111111' : '000000';
    expectClerkError(await post(strict, `/v1/client/sign_ins/${b.id}/attempt_first_factor`, { strategy: 'phone_code', code: wrong }, b.token), 422, 'form_code_incorrect');
    const locking = await post(strict, `/v1/client/sign_ins/${b.id}/attempt_first_factor`, { strategy: 'phone_code', code: wrong }, b.token);
    expectClerkError(locking, 403, 'user_locked');
    expect(locking.body.errors[0].meta.lockout_expires_in_seconds).toBeGreaterThan(3590);
    expect(locking.body.errors[0].meta.lockout_expires_in_seconds).toBeLessThanOrEqual(3600);

    expectClerkError(await post(strict, `/v1/client/sign_ins/${b.id}/attempt_first_factor`, { strategy: 'phone_code', code }, b.token), 403, 'user_locked');
    expectClerkError(await post(strict, `/v1/client/sign_ins/${a.id}/attempt_second_factor`, { strategy: 'backup_code', code: backupCodes[0]! }, a.token), 403, 'user_locked');
    expectClerkError(await post(strict, `/v1/client/sign_ins/${b.id}/prepare_first_factor`, { strategy: 'phone_code' }, b.token), 403, 'user_locked');
    const seen = await bapi(strict, 'GET', `/v1/users/${user.userId}`);
    expect(seen.body).toMatchObject({ locked: true, verification_attempts_remaining: 0 });

    const clock = strict.server.ctx.now;
    strict.server.ctx.now = () => Date.now() + 3_601_000;
    try {
      expect((await post(strict, `/v1/client/sign_ins/${a.id}/attempt_second_factor`, { strategy: 'backup_code', code: backupCodes[0]! }, a.token)).body.response.status).toBe('complete');
    } finally {
      strict.server.ctx.now = clock;
    }
  });

  it('the Backend API locks and unlocks; unknown users are 404', async () => {
    const phone = '+12025553991';
    const user = await signUp(strict, phone);
    const locked = await bapi(strict, 'POST', `/v1/users/${user.userId}/lock`);
    expect(locked.body).toMatchObject({ locked: true });
    const signIn = await startSignIn(strict, phone);
    expectClerkError(await post(strict, `/v1/client/sign_ins/${signIn.id}/prepare_first_factor`, { strategy: 'phone_code' }, signIn.token), 403, 'user_locked');
    const unlocked = await bapi(strict, 'POST', `/v1/users/${user.userId}/unlock`);
    expect(unlocked.body).toMatchObject({ locked: false, lockout_expires_in_seconds: null, verification_attempts_remaining: 3 });
    const code = await sendFirstCode(strict, signIn, phone);
    expect((await post(strict, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code }, signIn.token)).body.response.status).toBe('complete');
    expect((await bapi(strict, 'POST', '/v1/users/user_nobody/unlock')).status).toBe(404);
  });

  it('100 failures in a row, however slow, lock until the Backend API unlocks', async () => {
    const phone = '+12025550191';
    const user = await signUp(t, phone);
    const clock = t.server.ctx.now;
    let last: Reply | undefined;
    try {
      for (let round = 0; round < 20; round++) {
        // Each round two hours later: the window's count never reaches its limit, the lifetime count does.
        t.server.ctx.now = () => Date.now() + round * 7_200_000;
        const signIn = await startSignIn(t, phone);
        const code = await sendFirstCode(t, signIn, phone);
        const wrong = code === '000000' ? '111111' : '000000';
        for (let i = 0; i < 5; i++) last = await post(t, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code: wrong }, signIn.token);
      }
      expectClerkError(last!, 403, 'user_locked');
      expect(last!.body.errors[0].meta.lockout_expires_in_seconds).toBeNull();
      t.server.ctx.now = () => Date.now() + 30 * 86_400_000;
      const later = await startSignIn(t, phone);
      expectClerkError(await post(t, `/v1/client/sign_ins/${later.id}/prepare_first_factor`, { strategy: 'phone_code' }, later.token), 403, 'user_locked');
      expect((await bapi(t, 'POST', `/v1/users/${user.userId}/unlock`)).status).toBe(200);
      const code = await sendFirstCode(t, later, phone);
      expect((await post(t, `/v1/client/sign_ins/${later.id}/attempt_first_factor`, { strategy: 'phone_code', code }, later.token)).body.response.status).toBe('complete');
    } finally {
      t.server.ctx.now = clock;
    }
  });
});

describe('enumeration protection', () => {
  let guarded: TestServer;
  beforeAll(async () => { guarded = await startTestServer({ ENUMERATION_PROTECTION: 'true' }); });
  afterAll(async () => { await guarded.close(); });

  it('an unknown number looks like a known one up to the code: same shape, a stable number id, nothing sent, every code fails', async () => {
    const known = '+12025553993';
    await signUp(guarded, known);
    const unknown = '+12025553994';
    const real = await startSignIn(guarded, known);
    const fake = await startSignIn(guarded, unknown);
    const shape = (r: Reply) => ({ ...r.body.response, id: 'x', identifier: 'x', abandon_at: 0, supported_first_factors: r.body.response.supported_first_factors.map((f: object) => Object.keys(f).sort()) });
    expect(shape(fake.reply)).toEqual(shape(real.reply));
    const factor = fake.reply.body.response.supported_first_factors[0];
    expect(factor.safe_identifier).toBe('+1******3994');
    expect(factor.phone_number_id).toMatch(/^idn_[A-Za-z0-9]{27}$/);
    expect((await startSignIn(guarded, unknown)).reply.body.response.supported_first_factors[0].phone_number_id).toBe(factor.phone_number_id);

    const prepared = await post(guarded, `/v1/client/sign_ins/${fake.id}/prepare_first_factor`, { strategy: 'phone_code', phone_number_id: factor.phone_number_id }, fake.token);
    expect(prepared.body.response.first_factor_verification).toMatchObject({ status: 'unverified', strategy: 'phone_code', attempts: 0 });
    await new Promise((r) => setTimeout(r, 300));
    const inbox = await bapi(guarded, 'GET', `/v1/dev/sms_messages?phone_number=${encodeURIComponent(unknown)}`);
    expect(inbox.body).toEqual([]);
    for (const code of ['000000', '123456', '999999', '424242']) {
      expectClerkError(await post(guarded, `/v1/client/sign_ins/${fake.id}/attempt_first_factor`, { strategy: 'phone_code', code }, fake.token), 422, 'form_code_incorrect');
    }
    expectClerkError(await post(guarded, `/v1/client/sign_ins/${fake.id}/attempt_first_factor`, { strategy: 'phone_code', code: '111111' }, fake.token), 422, 'verification_failed');
  });

  it('a test-mode number nobody has does not take 424242', async () => {
    const signIn = await startSignIn(guarded, '+12025550150');
    await post(guarded, `/v1/client/sign_ins/${signIn.id}/prepare_first_factor`, { strategy: 'phone_code' }, signIn.token);
    expectClerkError(await post(guarded, `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'phone_code', code: '424242' }, signIn.token), 422, 'form_code_incorrect');
  });
});

describe('environment', () => {
  it('offers phone_code sign-in, the phone second factor and backup codes, public sign-up, lockout and enumeration protection as configured', async () => {
    const env = (await fapi(t, 'GET', '/v1/environment')).body;
    expect(env.user_settings.attributes.phone_number).toMatchObject({
      enabled: true, required: true, used_for_first_factor: true, first_factors: ['phone_code'], used_for_second_factor: true, second_factors: ['phone_code'],
    });
    expect(env.user_settings.attributes.backup_code).toMatchObject({ enabled: true, used_for_second_factor: true, second_factors: ['backup_code'] });
    expect(env.user_settings.attributes.ticket).toMatchObject({ enabled: true, used_for_first_factor: false });
    expect(env.auth_config.first_factors).toEqual(['phone_code', 'ticket']);
    expect(env.user_settings.sign_up.mode).toBe('public');
    expect(env.user_settings.attack_protection.user_lockout).toEqual({ enabled: true, max_attempts: 1000, duration_in_minutes: 60 });
    expect(env.user_settings.attack_protection.enumeration_protection).toEqual({ enabled: false });
  });
});
