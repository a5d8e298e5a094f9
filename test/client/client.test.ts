import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClerkApiError, frontendApiUrlFromPublishableKey, PhoneNumbersClient } from '../../src/client/index.js';
import { frontendApiHostFromPublishableKey } from '../../src/domain/keys.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { bapi, createUser, readCode } from '../helpers/fapi.js';

// The typed client against a real server: every operation, sign-in by ticket, and Clerk's errors as ClerkApiError.

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

let testNumber = 100;
/** A test-mode number: code 424242, no SMS. */
const nextTestNumber = () => `+1201555${String(testNumber++).padStart(4, '0')}`;
let realNumber = 3000;
const nextRealNumber = () => `+1202555${String(realNumber++).padStart(4, '0')}`;

async function ticketFor(userId: string): Promise<string> {
  const reply = await bapi(t, 'POST', '/v1/sign_in_tokens', { user_id: userId });
  expect(reply.status).toBe(200);
  return reply.body.token;
}

async function signedInClient(): Promise<{ client: PhoneNumbersClient; userId: string; sessionId: string }> {
  const userId = await createUser(t);
  const client = new PhoneNumbersClient({ baseUrl: t.fapiUrl });
  const { sessionId } = await client.signInWithTicket(await ticketFor(userId));
  return { client, userId, sessionId };
}

async function rejection(promise: Promise<unknown>): Promise<ClerkApiError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ClerkApiError);
  return error as ClerkApiError;
}

describe('publishable key', () => {
  it('derives the Frontend API URL exactly as the server encodes it', () => {
    const key = t.server.ctx.keys.publishableKey;
    const host = frontendApiHostFromPublishableKey(key)!;
    // The server writes localhost as 127.0.0.1 (clerk-js wants a dot); either way it is this machine, over http.
    expect(host).toMatch(new RegExp(`^(localhost|127\\.0\\.0\\.1):${new URL(t.fapiUrl).port}$`));
    expect(frontendApiUrlFromPublishableKey(key)).toBe(`http://${host}`);
    const live = `pk_live_${Buffer.from('clerk.example.com$').toString('base64')}`;
    expect(frontendApiUrlFromPublishableKey(live)).toBe('https://clerk.example.com');
    const dev = `pk_test_${Buffer.from('happy-hen-12.clerk.accounts.dev$').toString('base64')}`;
    expect(frontendApiUrlFromPublishableKey(dev)).toBe('https://happy-hen-12.clerk.accounts.dev');
  });

  it('refuses what is not a publishable key', () => {
    expect(() => frontendApiUrlFromPublishableKey('sk_test_abc')).toThrow(/pk_test_/);
    expect(() => frontendApiUrlFromPublishableKey(`pk_test_${Buffer.from('no-dollar.example.com').toString('base64')}`)).toThrow(/\$/);
    expect(() => new PhoneNumbersClient({})).toThrow(/baseUrl or a publishableKey/);
  });

  it('drives the real server when built from the publishable key alone', async () => {
    const userId = await createUser(t);
    const client = new PhoneNumbersClient({ publishableKey: t.server.ctx.keys.publishableKey });
    expect(client.baseUrl).toBe(`http://${frontendApiHostFromPublishableKey(t.server.ctx.keys.publishableKey)}`);
    await client.signInWithTicket(await ticketFor(userId));
    expect(await client.list()).toEqual([]);
  });
});

describe('signInWithTicket and getClient', () => {
  it('stores the client token the server returns and reads the client back', async () => {
    const userId = await createUser(t);
    const client = new PhoneNumbersClient({ baseUrl: t.fapiUrl });
    expect(client.token).toBeUndefined();
    expect(await client.getClient()).toBeNull();
    const { sessionId } = await client.signInWithTicket(await ticketFor(userId));
    expect(sessionId).toMatch(/^sess_/);
    expect(client.token).toBeTruthy();
    expect(client.lastClient?.last_active_session_id).toBe(sessionId);
    const current = await client.getClient();
    expect(current?.sessions.map((s) => s.user.id)).toEqual([userId]);
    expect(client.lastClient).toEqual(current);
  });

  it('a second ticket on the same client adds a session, keeping the token; sessionId picks the user', async () => {
    const { client, userId: first, sessionId: firstSession } = await signedInClient();
    const token = client.token;
    const second = await createUser(t);
    const { sessionId: secondSession } = await client.signInWithTicket(await ticketFor(second));
    expect(client.token).toBe(token);
    const added = await client.create(nextTestNumber());

    const asFirst = new PhoneNumbersClient({ baseUrl: t.fapiUrl, token, sessionId: firstSession });
    expect(await asFirst.list()).toEqual([]);
    const asSecond = new PhoneNumbersClient({ baseUrl: t.fapiUrl, token, sessionId: secondSession });
    expect((await asSecond.list()).map((n) => n.id)).toEqual([added.id]);
    expect(asFirst.lastClient).toBeNull();
    await asFirst.get(added.id).then(() => expect.fail('first user read the second user\'s number'), (e: ClerkApiError) => {
      expect(e.status).toBe(404);
    });
    const shared = await asFirst.getClient();
    expect(shared?.sessions.map((s) => s.user.id).sort()).toEqual([first, second].sort());
  });
});

describe('the seven operations', () => {
  it('create, list, get, prepare, attempt, update, delete a test-mode number', async () => {
    const { client, userId } = await signedInClient();
    const phone = nextTestNumber();

    const created = await client.create(`+1 (201) 555-${phone.slice(-4)}`);
    expect(created).toMatchObject({ object: 'phone_number', phone_number: phone, verification: null, reserved_for_second_factor: false });
    expect(client.lastClient?.sessions[0]?.user.phone_numbers.map((n) => n.id)).toEqual([created.id]);

    expect((await client.list()).map((n) => n.id)).toEqual([created.id]);
    expect(await client.get(created.id)).toMatchObject({ id: created.id, phone_number: phone });

    const prepared = await client.prepareVerification(created.id);
    expect(prepared.verification).toMatchObject({ status: 'unverified', strategy: 'phone_code', attempts: 0 });

    const verified = await client.attemptVerification(created.id, '424242');
    expect(verified.verification?.status).toBe('verified');
    expect(client.lastClient?.sessions[0]?.user.primary_phone_number_id).toBe(created.id);

    const reserved = await client.update(created.id, { reservedForSecondFactor: true });
    expect(reserved.reserved_for_second_factor).toBe(true);
    expect(reserved.backup_codes?.length).toBeGreaterThan(0);
    expect(client.lastClient?.sessions[0]?.user.two_factor_enabled).toBe(true);

    const defaulted = await client.update(created.id, { defaultSecondFactor: true });
    expect(defaulted.default_second_factor).toBe(true);
    expect(defaulted.backup_codes).toBeNull();

    const deleted = await client.delete(created.id);
    expect(deleted).toEqual({ object: 'phone_number', id: created.id, deleted: true });
    expect(await client.list()).toEqual([]);
    expect(client.lastClient?.sessions[0]?.user.id).toBe(userId);
  });

  it('verifies a real number with the code the SMS carried', async () => {
    const { client } = await signedInClient();
    const phone = nextRealNumber();
    const created = await client.create(phone);
    const since = Date.now() - 1000;
    await client.prepareVerification(created.id);
    const code = await readCode(t, phone, since);
    expect((await client.attemptVerification(created.id, code)).verification?.status).toBe('verified');
  });

  it('sends form bodies, real PATCH and DELETE, and the token with _is_native=1', async () => {
    const seen: { method: string; url: string; contentType: string | null; body: string | null; authorization: string | null }[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      seen.push({
        method: init?.method ?? 'GET', url: String(input), contentType: headers.get('content-type'),
        body: typeof init?.body === 'string' ? init.body : null, authorization: headers.get('authorization'),
      });
      return fetch(input, init);
    };
    const { client: signedIn, sessionId } = await signedInClient();
    const client = new PhoneNumbersClient({ baseUrl: `${t.fapiUrl}/`, token: signedIn.token!, sessionId, fetch: recordingFetch });
    const created = await client.create(nextTestNumber());
    await client.update(created.id, { reservedForSecondFactor: false });
    await client.delete(created.id);

    expect(seen.map((r) => r.method)).toEqual(['POST', 'PATCH', 'DELETE']);
    for (const request of seen) {
      const url = new URL(request.url);
      expect(url.searchParams.get('_is_native')).toBe('1');
      expect(url.searchParams.get('_clerk_session_id')).toBe(sessionId);
      expect(url.pathname.startsWith('/v1/me/phone_numbers')).toBe(true);
      expect(request.authorization).toBe(`Bearer ${signedIn.token}`);
    }
    expect(seen[0]).toMatchObject({ contentType: 'application/x-www-form-urlencoded', body: `phone_number=%2B${created.phone_number.slice(1)}` });
    expect(seen[1]).toMatchObject({ contentType: 'application/x-www-form-urlencoded', body: 'reserved_for_second_factor=false' });
    expect(seen[2]).toMatchObject({ contentType: null, body: null });
  });
});

describe('typed errors', () => {
  it('404 resource_not_found for an unknown id', async () => {
    const { client } = await signedInClient();
    const error = await rejection(client.get('idn_doesnotexist'));
    expect(error.status).toBe(404);
    expect(error.code).toBe('resource_not_found');
    expect(error.errors[0]).toMatchObject({ code: 'resource_not_found', message: expect.any(String), longMessage: expect.any(String) });
    expect(typeof error.clerkTraceId).toBe('string');
    expect(error.message).toContain('resource_not_found');
  });

  it('422 form_param_format_invalid naming phone_number, without echoing the number', async () => {
    const { client } = await signedInClient();
    const error = await rejection(client.create('12345'));
    expect(error.status).toBe(422);
    expect(error.code).toBe('form_param_format_invalid');
    expect(error.errors[0]?.meta).toEqual({ paramName: 'phone_number' });
  });

  it('422 form_code_incorrect for a wrong code', async () => {
    const { client } = await signedInClient();
    const created = await client.create(nextTestNumber());
    await client.prepareVerification(created.id);
    const error = await rejection(client.attemptVerification(created.id, '000000'));
    expect(error.status).toBe(422);
    expect(error.code).toBe('form_code_incorrect');
    expect(error.errors[0]?.meta?.paramName).toBe('code');
  });

  it('401 signed_out without a token, with a bad token, or with an unknown sessionId', async () => {
    const anonymous = new PhoneNumbersClient({ baseUrl: t.fapiUrl });
    let error = await rejection(anonymous.list());
    expect([error.status, error.code]).toEqual([401, 'signed_out']);

    error = await rejection(new PhoneNumbersClient({ baseUrl: t.fapiUrl, token: 'not-a-token' }).create(nextTestNumber()));
    expect([error.status, error.code]).toEqual([401, 'signed_out']);

    const { client } = await signedInClient();
    error = await rejection(new PhoneNumbersClient({ baseUrl: t.fapiUrl, token: client.token!, sessionId: 'sess_nope' }).list());
    expect([error.status, error.code]).toEqual([401, 'signed_out']);
  });

  it('a sign-in with a used ticket is a ClerkApiError and leaves the token alone', async () => {
    const userId = await createUser(t);
    const ticket = await ticketFor(userId);
    const client = new PhoneNumbersClient({ baseUrl: t.fapiUrl });
    await client.signInWithTicket(ticket);
    const token = client.token;
    const error = await rejection(new PhoneNumbersClient({ baseUrl: t.fapiUrl }).signInWithTicket(ticket));
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(500);
    expect(client.token).toBe(token);
  });

  it('an answer that is not Clerk\'s is still a ClerkApiError, code unexpected_response', async () => {
    const proxyPage: typeof fetch = async () => new Response('<html>Bad gateway</html>', { status: 502, headers: { 'retry-after': '7' } });
    const error = await rejection(new PhoneNumbersClient({ baseUrl: t.fapiUrl, token: 'x', fetch: proxyPage }).list());
    expect(error.status).toBe(502);
    expect(error.code).toBe('unexpected_response');
    expect(error.retryAfterSeconds).toBe(7);
  });
});
