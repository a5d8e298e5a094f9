import { generateKeyPairSync } from 'node:crypto';
import { verifyToken } from '@clerk/backend';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { bapi, createUser, expectClerkError, fapi, newSignedInUser, signIn } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// What clerk-js needs from the Frontend API besides the phone numbers, over real HTTP and checked
// against Clerk's OpenAPI file: the environment, touch, session tokens and their keys, the
// last_active_token every session carries, and the development dev-browser client.

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

const jwtKey = () => t.server.ctx.sessionTokens.publicKeyPem;

describe('environment', () => {
  it('GET and PATCH (?_method=PATCH) answer Clerk\'s Environment with phone numbers as the second factor', async () => {
    for (const reply of [
      await fapi(t, 'GET', '/v1/environment'),
      await fapi(t, 'POST', '/v1/environment', { query: { _method: 'PATCH', _clerk_js_version: '6.40.0' } }),
    ]) {
      expect(reply.status).toBe(200);
      const environment = reply.body;
      expect(environment.display_config).toMatchObject({ instance_environment_type: 'development', application_name: 'Phone Numbers' });
      expect(environment.user_settings.attributes.phone_number).toMatchObject({
        enabled: true, verifications: ['phone_code'], used_for_second_factor: true, second_factors: ['phone_code'],
      });
      expect(environment.auth_config).toMatchObject({ second_factors: ['phone_code', 'backup_code'], test_mode: true });
      expect(environment.organization_settings.enabled).toBe(false);
    }
  });

  it('follows the configuration: production, its name, test mode', async () => {
    const prod = await startTestServer({
      INSTANCE_TYPE: 'production', CLERK_SECRET_KEY: 'sk_live_0123456789abcdefghij', APP_NAME: 'Acme',
      SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: 'http://127.0.0.1:9/sms', SMS_WEBHOOK_SECRET: 'a-webhook-secret-of-32-characters', OUTBOX_WORKER: 'false',
    });
    try {
      const environment = (await fapi(prod, 'GET', '/v1/environment')).body;
      expect(environment.display_config).toMatchObject({ instance_environment_type: 'production', application_name: 'Acme' });
      expect(environment.auth_config.test_mode).toBe(false);
      // No dev browser in production.
      expectClerkError(await fapi(prod, 'POST', '/v1/dev_browser'), 404, 'resource_not_found');
    } finally {
      await prod.close();
    }
  });
});

describe('touch', () => {
  it('makes the session the client\'s active one and answers {response: session, client}', async () => {
    const userId = await createUser(t);
    const first = await signIn(t, userId);
    const second = await signIn(t, userId, first.token);
    const before = (await fapi(t, 'GET', '/v1/client', { token: first.token })).body.client;
    expect(before.last_active_session_id).toBe(second.sessionId);

    const touched = await fapi(t, 'POST', `/v1/client/sessions/${first.sessionId}/touch`, {
      token: first.token, form: { active_organization_id: '', intent: 'select_session' },
    });
    expect(touched.status).toBe(200);
    expect(touched.body.response).toMatchObject({ object: 'session', id: first.sessionId, status: 'active' });
    expect(touched.body.response.last_active_at).toBeGreaterThanOrEqual(before.sessions[0].last_active_at);
    expect(touched.body.client.last_active_session_id).toBe(first.sessionId);
  });

  it('is signed_out for another client\'s session or without a client; organizations are refused', async () => {
    const a = await newSignedInUser(t);
    const b = await newSignedInUser(t);
    expectClerkError(await fapi(t, 'POST', `/v1/client/sessions/${b.sessionId}/touch`, { token: a.token }), 401, 'signed_out');
    expectClerkError(await fapi(t, 'POST', `/v1/client/sessions/${a.sessionId}/touch`), 401, 'signed_out');
    expectClerkError(await fapi(t, 'POST', `/v1/client/sessions/${a.sessionId}/touch`, { token: a.token, form: { active_organization_id: 'org_1' } }),
      422, 'form_param_value_invalid', 'active_organization_id');
  });
});

describe('session tokens', () => {
  it('POST .../tokens answers the bare {jwt}: RS256, 60 s, Clerk\'s claims', async () => {
    const { userId, token, sessionId } = await newSignedInUser(t);
    // The OpenAPI file documents this answer inline ({jwt}), which the contract helper does not read.
    const reply = await fapi(t, 'POST', `/v1/client/sessions/${sessionId}/tokens`, { token, form: { organization_id: '' }, validate: false });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ object: 'token', jwt: expect.any(String) });
    const header = decodeProtectedHeader(reply.body.jwt);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: t.server.ctx.sessionTokens.jwks().keys[0]!.kid });
    const claims = decodeJwt(reply.body.jwt);
    expect(claims).toMatchObject({ sub: userId, sid: sessionId, iss: t.fapiUrl, v: 2, sts: 'active' });
    expect(claims.azp).toBeUndefined();
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(claims.nbf!).toBeLessThanOrEqual(claims.iat!);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(5);
    await expect(verifyToken(reply.body.jwt, { jwtKey: jwtKey() })).resolves.toMatchObject({ sid: sessionId });
  });

  it('is signed_out for an ended session; templates do not exist', async () => {
    const { token, sessionId } = await newSignedInUser(t);
    expectClerkError(await fapi(t, 'POST', `/v1/client/sessions/${sessionId}/tokens/supabase`, { token }), 404, 'resource_not_found');
    expect((await fapi(t, 'POST', `/v1/client/sessions/${sessionId}/end`, { token })).status).toBe(200);
    expectClerkError(await fapi(t, 'POST', `/v1/client/sessions/${sessionId}/tokens`, { token }), 401, 'signed_out');
  });

  it('every active session in a Client carries a valid last_active_token', async () => {
    const { userId, token, sessionId } = await newSignedInUser(t);
    const client = (await fapi(t, 'GET', '/v1/client', { token })).body.client;
    const session = client.sessions.find((s: { id: string }) => s.id === sessionId);
    expect(session.last_active_token).toEqual({ object: 'token', jwt: expect.any(String) });
    await expect(verifyToken(session.last_active_token.jwt, { jwtKey: jwtKey() })).resolves.toMatchObject({ sub: userId, sid: sessionId });
    const mutation = await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: '+12025552444' } });
    expect(mutation.body.client.sessions[0].last_active_token.jwt).toEqual(expect.any(String));
  });

  it('the keys are served on both APIs and survive a restart; CLERK_JWT_PRIVATE_KEY replaces them', async () => {
    const fapiJwks = (await fapi(t, 'GET', '/.well-known/jwks.json')).body;
    expect(fapiJwks.keys).toHaveLength(1);
    expect(fapiJwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB', kid: expect.stringMatching(/^ins_/) });
    expect(fapiJwks.keys[0].d).toBeUndefined();
    expect((await bapi(t, 'GET', '/v1/jwks')).body).toEqual(fapiJwks);
    expect((await fetch(new URL('/v1/jwks', t.bapiUrl))).status).toBe(401);

    // Same database, new process: same key.
    const again = await startTestServer({ DATABASE_URL: t.databaseUrl });
    try {
      expect(again.server.ctx.sessionTokens.jwks()).toEqual(fapiJwks);
    } finally {
      await again.close();
    }

    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const configured = await startTestServer({ CLERK_JWT_PRIVATE_KEY: pem.replace(/\n/g, '\\n') });
    try {
      const jwk = privateKey.export({ format: 'jwk' });
      expect(configured.server.ctx.sessionTokens.jwks().keys[0]!.n).toBe(jwk.n);
    } finally {
      await configured.close();
    }
  });

  it('a bad CLERK_JWT_PRIVATE_KEY stops start-up naming the variable', () => {
    expect(() => loadConfig({ CLERK_JWT_PRIVATE_KEY: 'not a key' })).toThrow(ConfigError);
    expect(() => loadConfig({ CLERK_JWT_PRIVATE_KEY: 'not a key' })).toThrow(/CLERK_JWT_PRIVATE_KEY/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => loadConfig({ CLERK_JWT_PRIVATE_KEY: ec })).toThrow(/RSA/);
  });
});

describe('dev browser (development)', () => {
  it('POST /v1/dev_browser makes a client that __clerk_db_jwt then names, and sign-in joins it', async () => {
    const created = await fapi(t, 'POST', '/v1/dev_browser', { validate: false });
    expect(created.status).toBe(200);
    const devBrowser = created.body.id as string;
    expect(devBrowser).toEqual(expect.any(String));

    const empty = await fapi(t, 'GET', '/v1/client', { query: { __clerk_db_jwt: devBrowser } });
    expect(empty.body.client).toMatchObject({ object: 'client', id: created.body.client_id, sessions: [] });

    const ticket = (await bapi(t, 'POST', '/v1/sign_in_tokens', { user_id: await createUser(t) })).body.token;
    const signedIn = await fapi(t, 'POST', '/v1/client/sign_ins', { query: { __clerk_db_jwt: devBrowser }, form: { strategy: 'ticket', ticket } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.client.id).toBe(created.body.client_id);
    expect(signedIn.headers.get('set-cookie')).toBeNull();
    const me = await fapi(t, 'GET', '/v1/me', { query: { __clerk_db_jwt: devBrowser } });
    expect(me.status).toBe(200);
    expectClerkError(await fapi(t, 'GET', '/v1/me', { query: { __clerk_db_jwt: 'forged' } }), 401, 'signed_out');
  });
});
