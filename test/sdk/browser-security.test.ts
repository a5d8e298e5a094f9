import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bapi, createUser, expectClerkError, fapi, newSignedInUser } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// What browsers may do, over real HTTP: CORS with credentials for ALLOWED_ORIGINS only, state-changing
// requests from other origins refused, and the client cookie's attributes for same- and cross-site apps.

const ALLOWED = 'http://app.example.test:3000';
const FOREIGN = 'https://evil.example';

let t: TestServer;
beforeAll(async () => { t = await startTestServer({ ALLOWED_ORIGINS: `${ALLOWED},https://other.example.test` }); });
afterAll(async () => { await t.close(); });

async function ticketFor(userId: string): Promise<string> {
  return (await bapi(t, 'POST', '/v1/sign_in_tokens', { user_id: userId })).body.token;
}

async function browserSignIn(origin: string | undefined) {
  const ticket = await ticketFor(await createUser(t));
  return fapi(t, 'POST', '/v1/client/sign_ins', { form: { strategy: 'ticket', ticket }, headers: origin ? { origin } : {} });
}

describe('CORS', () => {
  it('echoes an allowed origin exactly, with credentials, and varies on Origin', async () => {
    const reply = await fapi(t, 'GET', '/v1/environment', { headers: { origin: ALLOWED } });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(reply.headers.get('access-control-allow-credentials')).toBe('true');
    expect(reply.headers.get('vary')).toMatch(/Origin/);
  });

  it('gives no CORS headers to another origin, and none without an Origin', async () => {
    const foreign = await fapi(t, 'GET', '/v1/environment', { headers: { origin: FOREIGN } });
    expect(foreign.status).toBe(200);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
    const prefix = await fapi(t, 'GET', '/v1/environment', { headers: { origin: `${ALLOWED}.evil.example` } });
    expect(prefix.headers.get('access-control-allow-origin')).toBeNull();
    const none = await fapi(t, 'GET', '/v1/environment');
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a preflight from an allowed origin, and refuses one from another', async () => {
    const preflight = await fetch(new URL('/v1/me/phone_numbers', t.fapiUrl), {
      method: 'OPTIONS',
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type, authorization');

    const refused = await fetch(new URL('/v1/me/phone_numbers', t.fapiUrl), {
      method: 'OPTIONS', headers: { origin: FOREIGN, 'access-control-request-method': 'POST' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect((await refused.json()).errors[0].code).toBe('origin_invalid');
  });
});

describe('Origin check on state-changing requests', () => {
  it('refuses POST, PATCH (_method) and DELETE from a foreign origin with origin_invalid, before doing anything', async () => {
    const { token } = await newSignedInUser(t);
    const post = await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: '+12025550111' }, headers: { origin: FOREIGN } });
    expectClerkError(post, 403, 'origin_invalid');
    const list = await fapi(t, 'GET', '/v1/me/phone_numbers', { token });
    expect(list.body).toEqual([]);
    expectClerkError(await fapi(t, 'POST', '/v1/environment', { query: { _method: 'PATCH' }, headers: { origin: FOREIGN } }), 403, 'origin_invalid');
    expectClerkError(await fapi(t, 'DELETE', '/v1/me/phone_numbers/idn_x', { token, headers: { origin: 'null' } }), 403, 'origin_invalid');
  });

  it('lets through the same origin, an allowed origin, and requests without an Origin (apps, servers)', async () => {
    const { token } = await newSignedInUser(t);
    const own = new URL(t.fapiUrl).origin;
    for (const [i, headers] of [{ origin: own }, { origin: ALLOWED }, {}].entries()) {
      const reply = await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: `+1202555${2100 + i}` }, headers });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    }
  });
});

describe('the client cookie', () => {
  const cookieOf = (reply: { headers: Headers }) => reply.headers.get('set-cookie') ?? '';

  it('is HttpOnly and SameSite=Lax for a page on the Frontend API\'s own site', async () => {
    const cookie = cookieOf(await browserSignIn(undefined));
    expect(cookie).toMatch(/^__client=[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    expect(cookieOf(await browserSignIn(new URL(t.fapiUrl).origin))).toMatch(/SameSite=Lax/);
  });

  it('is SameSite=None; Secure; Partitioned for an allowed app on another site', async () => {
    const cookie = cookieOf(await browserSignIn(ALLOWED));
    expect(cookie).toMatch(/^__client=[\w-]+; Path=\/; HttpOnly; SameSite=None; Secure; Partitioned; Max-Age=\d+$/);
  });

  it('is never set for a foreign origin: the sign-in is refused', async () => {
    const reply = await browserSignIn(FOREIGN);
    expectClerkError(reply, 403, 'origin_invalid');
    expect(reply.headers.get('set-cookie')).toBeNull();
  });
});

describe('same site, by host', () => {
  it('treats a subdomain app (clerk.example.test under app) as same-site: Lax', async () => {
    const started = await startTestServer({ PUBLIC_URL: 'https://clerk.example.test', ALLOWED_ORIGINS: 'https://example.test' });
    // PUBLIC_URL names a host this machine cannot resolve: talk to the listening port itself.
    const { port } = started.server.fapi.server.address() as AddressInfo;
    const sub = { ...started, fapiUrl: `http://127.0.0.1:${port}` };
    try {
      const ticket = (await bapi(sub, 'POST', '/v1/sign_in_tokens', { user_id: await createUser(sub) })).body.token;
      const reply = await fapi(sub, 'POST', '/v1/client/sign_ins', { form: { strategy: 'ticket', ticket }, headers: { origin: 'https://example.test' } });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
    } finally {
      await started.close();
    }
  });
});
