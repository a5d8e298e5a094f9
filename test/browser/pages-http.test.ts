import { get, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClerkError, fapi } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest } from '../helpers/raw-http.js';
import { buildWeb } from '../../scripts/build-web.mjs';

// The browser pages over plain HTTP: how they are served (types, CSP, caching), the
// development-only routes behind them (demo sign-in, SMS inbox and its live feed), and that
// none of those development routes exist in production.

let dev: TestServer;
let prod: TestServer;

const PRODUCTION = {
  INSTANCE_TYPE: 'production',
  CLERK_SECRET_KEY: 'sk_live_abcdefghijklmnopqrstuvwxyz0123456789',
  SMS_PROVIDER: 'webhook',
  SMS_WEBHOOK_URL: 'http://127.0.0.1:9/',
  SMS_WEBHOOK_SECRET: 'a-webhook-secret-of-32-characters',
};

beforeAll(async () => {
  // The pages are read from dist/web when a server starts, so build them first.
  await buildWeb();
  [dev, prod] = await Promise.all([startTestServer({ SMS_RESEND_COOLDOWN_SECONDS: '7' }), startTestServer(PRODUCTION)]);
});
afterAll(async () => {
  await Promise.all([dev?.close(), prod?.close()]);
});

/** A GET whose body is not decompressed (fetch would undo the gzip we want to see). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

function cookieOf(response: Response): string {
  const setCookie = response.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0]!;
}

async function demoSignIn(t: TestServer, cookie?: string) {
  const response = await fetch(`${t.fapiUrl}/v1/dev/demo_sign_in`, { method: 'POST', headers: cookie ? { cookie } : {} });
  return { response, body: await response.json() as any };
}

describe('pages', () => {
  it('serves the account page as HTML with a strict same-origin CSP and the boot settings', async () => {
    const response = await fetch(`${dev.fapiUrl}/account`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    const boot = JSON.parse(/<script type="application\/json" id="boot">(.*?)<\/script>/s.exec(html)![1]!);
    expect(boot).toMatchObject({ development: true, resendCooldownSeconds: 7, otpMaxAttempts: 5, inboxPath: '/dev/inbox', appName: 'Phone Numbers' });
    // Nothing but this origin: every script, style and icon is a root-relative path.
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(url).toMatch(/^\/(?!\/)|^#/);
  });

  it('serves the sign-in page with the same headers and boot settings, in development and production', async () => {
    for (const t of [dev, prod]) {
      const response = await fetch(`${t.fapiUrl}/sign-in`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe("default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      const html = await response.text();
      expect(html).toContain('<script type="module" src="/assets/sign-in.js"></script>');
      const boot = JSON.parse(/<script type="application\/json" id="boot">(.*?)<\/script>/s.exec(html)![1]!);
      expect(boot).toMatchObject({ signInPath: '/sign-in', accountPath: '/account', development: t === dev });
      for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(url).toMatch(/^\/(?!\/)|^#/);
      const script = await fetch(`${t.fapiUrl}/assets/sign-in.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
  });

  it('serves scripts and styles with their types, gzip on request, and 304 for a known ETag', async () => {
    const js = await fetch(`${dev.fapiUrl}/assets/account.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const css = await fetch(`${dev.fapiUrl}/assets/app.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.number');

    const raw = await rawGet(`${dev.fapiUrl}/assets/account.js`, { 'accept-encoding': 'gzip' });
    const etag = String(raw.headers.etag);
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(raw.body).length).toBeGreaterThan(raw.body.length * 2);

    const again = await fetch(`${dev.fapiUrl}/assets/account.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('answers an unknown asset with a Clerk 404', async () => {
    expectClerkError(await fapi(dev, 'GET', '/assets/nope.js', { validate: false }), 404, 'resource_not_found');
    expectClerkError(await fapi(dev, 'GET', '/assets/..%2Fpackage.json', { validate: false }), 404, 'resource_not_found');
  });

  it('serves the inbox page in development', async () => {
    const response = await fetch(`${dev.fapiUrl}/dev/inbox`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('/assets/inbox.js');
  });
});

describe('demo sign-in (development)', () => {
  it('makes a demo user, signs the browser in with an HttpOnly cookie, and keeps that session on a second call', async () => {
    const first = await demoSignIn(dev);
    expect(first.response.status).toBe(200);
    expect(first.body).toMatchObject({ object: 'demo_sign_in', created: true });
    expect(first.body.session_id).toMatch(/^sess_/);
    const setCookie = first.response.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^__client=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
    const cookie = cookieOf(first.response);

    const list = await fapi(dev, 'GET', '/v1/me/phone_numbers', { headers: { cookie } });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([]);
    const client = await fapi(dev, 'GET', '/v1/client', { headers: { cookie } });
    expect(client.body.response.sessions[0].user).toMatchObject({ id: first.body.user_id, first_name: 'Demo', last_name: 'User' });

    const second = await demoSignIn(dev, cookie);
    expect(second.body).toMatchObject({ created: false, session_id: first.body.session_id, user_id: first.body.user_id });
    expect(second.response.headers.get('set-cookie')).toBeNull();
  });

  it('is refused from a foreign origin (no login CSRF)', async () => {
    const response = await fetch(`${dev.fapiUrl}/v1/dev/demo_sign_in`, { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    expect((await response.json() as any).errors[0].code).toBe('origin_invalid');
    expect(response.headers.get('set-cookie')).toBeNull();
  });
});

describe('SMS inbox (development)', () => {
  it('lists what was sent, newest first, with the code, and streams new messages as server-sent events', async () => {
    const { response } = await demoSignIn(dev);
    const cookie = cookieOf(response);
    const origin = new URL(dev.fapiUrl).origin;
    const add = async (phone: string) => {
      const created = await fapi(dev, 'POST', '/v1/me/phone_numbers', { headers: { cookie, origin }, form: { phone_number: phone } });
      expect(created.status).toBe(200);
      const prepared = await fapi(dev, 'POST', `/v1/me/phone_numbers/${created.body.response.id}/prepare_verification`, {
        headers: { cookie, origin }, form: { strategy: 'phone_code' },
      });
      expect(prepared.status).toBe(200);
    };

    const stream = await fetch(`${dev.fapiUrl}/v1/dev/sms_messages/stream`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    /** The next `messages` event's list. */
    const nextEvent = async (): Promise<any[]> => {
      for (;;) {
        const end = buffered.indexOf('\n\n');
        if (end >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = /^event: messages\ndata: (.*)$/s.exec(event);
          if (data) return JSON.parse(data[1]!);
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        buffered += decoder.decode(value, { stream: true });
      }
    };
    const before = await nextEvent();

    await add('+12025552301');
    let after = await nextEvent();
    while (!after.some((m) => m.to === '+12025552301' && m.status === 'sent')) after = await nextEvent();
    await reader.cancel();

    expect(after.length).toBe(before.length + 1);
    const message = after[0];
    expect(message).toMatchObject({ to: '+12025552301', status: 'sent' });
    expect(message.code).toMatch(/^\d{6}$/);
    expect(message.body).toContain(`#${message.code}`);

    await add('+12025552302');
    let listed: any[] = [];
    for (let i = 0; i < 100 && !listed.some((m) => m.to === '+12025552302'); i++) {
      listed = (await fapi(dev, 'GET', '/v1/dev/sms_messages', { validate: false })).body;
      if (!listed.some((m) => m.to === '+12025552302')) await new Promise((r) => setTimeout(r, 50));
    }
    expect(listed[0].to).toBe('+12025552302');
    expect(listed[1].to).toBe('+12025552301');
    expect(listed[0].created_at).toBeGreaterThanOrEqual(listed[1].created_at);
  });

  it('HEAD on the live feed answers the stream\'s headers and ends (it used to hang with the connection held)', async () => {
    const port = new URL(dev.fapiUrl).port;
    const reply = await rawRequest(dev.fapiUrl, `HEAD /v1/dev/sms_messages/stream HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`, 3_000);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(reply.body).toBe('');
  });

  it('a test-mode number sends nothing, so it never shows up', async () => {
    const { response } = await demoSignIn(dev);
    const cookie = cookieOf(response);
    const origin = new URL(dev.fapiUrl).origin;
    const created = await fapi(dev, 'POST', '/v1/me/phone_numbers', { headers: { cookie, origin }, form: { phone_number: '+12025550150' } });
    await fapi(dev, 'POST', `/v1/me/phone_numbers/${created.body.response.id}/prepare_verification`, { headers: { cookie, origin }, form: { strategy: 'phone_code' } });
    const listed = (await fapi(dev, 'GET', '/v1/dev/sms_messages', { validate: false })).body as any[];
    expect(listed.some((m) => m.to === '+12025550150')).toBe(false);
  });
});

describe('production', () => {
  it('has the account page, without the inbox link in its boot settings', async () => {
    const response = await fetch(`${prod.fapiUrl}/account`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('"development":false');
    expect(html).toContain('"inboxPath":null');
  });

  it('has none of the development routes: every one is a Clerk 404', async () => {
    for (const [method, path] of [
      ['POST', '/v1/dev/demo_sign_in'],
      ['GET', '/v1/dev/sms_messages'],
      ['GET', '/v1/dev/sms_messages/stream'],
      ['GET', '/dev/inbox'],
      ['GET', '/assets/inbox.js'],
    ] as const) {
      const reply = await fapi(prod, method, path, { validate: false, headers: { origin: new URL(prod.fapiUrl).origin } });
      expectClerkError(reply, 404, 'resource_not_found');
    }
  });
});
