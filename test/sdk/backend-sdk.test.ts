import { createClerkClient, verifyToken } from '@clerk/backend';
import { isClerkAPIResponseError } from '@clerk/backend/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectClerkError, fapi } from '../helpers/fapi.js';

// Clerk's own, unmodified backend SDK against our Backend API: it administers users, issues sign-in
// tokens, revokes sessions, and verifies the session tokens our Frontend API mints.

const APP_ORIGIN = 'https://app.example.test';

let t: TestServer;
let clerk: ReturnType<typeof createClerkClient>;
beforeAll(async () => {
  t = await startTestServer({ ALLOWED_ORIGINS: APP_ORIGIN });
  clerk = createClerkClient({ secretKey: t.secretKey, apiUrl: t.bapiUrl });
});
afterAll(async () => { await t.close(); });

/** Signs in through the Frontend API as a native app would, with the ticket the SDK made. */
async function signInWithTicket(ticket: string): Promise<{ clientToken: string; sessionId: string }> {
  const reply = await fapi(t, 'POST', '/v1/client/sign_ins', { query: { _is_native: '1' }, form: { strategy: 'ticket', ticket } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return { clientToken: reply.headers.get('authorization')!, sessionId: reply.body.response.created_session_id };
}

async function sessionToken(clientToken: string, sessionId: string, origin?: string): Promise<string> {
  // Clerk's OpenAPI file documents this answer inline ({jwt}), which the contract helper does not read: checked here.
  const reply = await fapi(t, 'POST', `/v1/client/sessions/${sessionId}/tokens`, {
    token: clientToken, headers: origin ? { origin } : {}, validate: false,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(Object.keys(reply.body).sort()).toEqual(['jwt', 'object']);
  expect(reply.body.object).toBe('token');
  return reply.body.jwt;
}

describe('@clerk/backend against our Backend API', () => {
  it('creates, reads and deletes users, phone numbers included', async () => {
    const user = await clerk.users.createUser({ phoneNumber: ['+1 202 555 0134'], firstName: 'Grace', lastName: 'Hopper' });
    expect(user.id).toMatch(/^user_/);
    expect(user.firstName).toBe('Grace');
    expect(user.fullName).toBe('Grace Hopper');
    expect(user.phoneNumbers.map((n) => n.phoneNumber)).toEqual(['+12025550134']);
    expect(user.primaryPhoneNumber?.verification?.status).toBe('verified');

    const read = await clerk.users.getUser(user.id);
    expect(read.id).toBe(user.id);
    expect(read.phoneNumbers).toHaveLength(1);
    expect(read.phoneNumbers[0]).toMatchObject({ phoneNumber: '+12025550134', reservedForSecondFactor: false, defaultSecondFactor: false });

    const deleted = await clerk.users.deleteUser(user.id);
    expect(deleted).toMatchObject({ object: 'user', id: user.id, deleted: true });
    const missing = await clerk.users.getUser(user.id).catch((error: unknown) => error);
    expect(isClerkAPIResponseError(missing)).toBe(true);
    expect((missing as { status: number }).status).toBe(404);
    expect((missing as { errors: { code: string }[] }).errors[0]!.code).toBe('resource_not_found');
  });

  it('refuses a wrong secret key with a ClerkAPIResponseError', async () => {
    const stranger = createClerkClient({ secretKey: 'sk_test_notournotournotournotour', apiUrl: t.bapiUrl });
    const error = await stranger.users.getUser('user_x').catch((e: unknown) => e);
    expect(isClerkAPIResponseError(error)).toBe(true);
    expect((error as { status: number }).status).toBe(401);
  });

  it('sign-in tokens sign a user in; the session token verifies with jwtKey and with our JWKS', async () => {
    const user = await clerk.users.createUser({});
    const ticket = await clerk.signInTokens.createSignInToken({ userId: user.id, expiresInSeconds: 600 });
    expect(ticket.userId).toBe(user.id);
    expect(ticket.status).toBe('pending');
    const { clientToken, sessionId } = await signInWithTicket(ticket.token);

    const jwt = await sessionToken(clientToken, sessionId, APP_ORIGIN);
    const jwtKey = t.server.ctx.sessionTokens.publicKeyPem;
    const byKey = await verifyToken(jwt, { jwtKey, authorizedParties: [APP_ORIGIN] });
    expect(byKey).toMatchObject({ sub: user.id, sid: sessionId, iss: t.fapiUrl, azp: APP_ORIGIN, v: 2 });
    expect(byKey.exp - byKey.iat).toBe(60);
    expect(byKey.nbf).toBeLessThanOrEqual(byKey.iat);

    const byJwks = await verifyToken(jwt, { secretKey: t.secretKey, apiUrl: t.bapiUrl, skipJwksCache: true, issuer: t.fapiUrl });
    expect(byJwks.sid).toBe(sessionId);

    // The same keys are public on the Frontend API.
    const fapiJwks = await (await fetch(new URL('/.well-known/jwks.json', t.fapiUrl))).json();
    const bapiJwks = await (await fetch(new URL('/v1/jwks', t.bapiUrl), { headers: { authorization: `Bearer ${t.secretKey}` } })).json();
    expect(fapiJwks).toEqual(bapiJwks);
    expect(fapiJwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'RS256', kid: fapiJwks.keys[0].kid });
  });

  it('rejects a tampered token, an expired one, and another party', async () => {
    const user = await clerk.users.createUser({});
    const ticket = await clerk.signInTokens.createSignInToken({ userId: user.id, expiresInSeconds: 600 });
    const { clientToken, sessionId } = await signInWithTicket(ticket.token);
    const jwtKey = t.server.ctx.sessionTokens.publicKeyPem;
    const jwt = await sessionToken(clientToken, sessionId);

    const [header, payload, signature] = jwt.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = [header, Buffer.from(JSON.stringify({ ...claims, sub: 'user_someoneelse' })).toString('base64url'), signature].join('.');
    await expect(verifyToken(forged, { jwtKey })).rejects.toMatchObject({ reason: 'token-invalid-signature' });
    const flipped = `${jwt.slice(0, -4)}${jwt.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    await expect(verifyToken(flipped, { jwtKey })).rejects.toBeTruthy();

    // A token minted two minutes ago has been dead for a minute.
    const realNow = t.server.ctx.now;
    t.server.ctx.now = () => realNow() - 120_000;
    let old: string;
    try {
      old = await sessionToken(clientToken, sessionId);
    } finally {
      t.server.ctx.now = realNow;
    }
    await expect(verifyToken(old, { jwtKey })).rejects.toMatchObject({ reason: 'token-expired' });
    await expect(verifyToken(old, { secretKey: t.secretKey, apiUrl: t.bapiUrl })).rejects.toMatchObject({ reason: 'token-expired' });

    await expect(verifyToken(jwt, { jwtKey, authorizedParties: ['https://elsewhere.example'] }))
      .rejects.toMatchObject({ reason: 'token-invalid-authorized-parties' });
  });

  it('revoking a session through the SDK ends it on the Frontend API', async () => {
    const user = await clerk.users.createUser({});
    const ticket = await clerk.signInTokens.createSignInToken({ userId: user.id, expiresInSeconds: 600 });
    const { clientToken, sessionId } = await signInWithTicket(ticket.token);
    const revoked = await clerk.sessions.revokeSession(sessionId);
    expect(revoked).toMatchObject({ id: sessionId, userId: user.id, status: 'revoked' });
    expectClerkError(await fapi(t, 'POST', `/v1/client/sessions/${sessionId}/tokens`, { token: clientToken }), 401, 'signed_out');
    const again = await clerk.sessions.revokeSession('sess_unknown').catch((e: unknown) => e);
    expect((again as { status: number }).status).toBe(404);
  });
});
