import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { loadConfig } from '../../src/config.js';

// Issue 12, items 2 and 3: DNS rebinding cannot reach a development server's inbox or demo sign-in
// (both APIs answer only loopback names and PUBLIC_URL's host), and development listens on 127.0.0.1 by default.

/** One request with a Host header of our choosing (fetch does not let a caller set Host). */
function call(base: string, method: string, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: { host, ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

let dev: TestServer;
/** Where the FAPI listens: with PUBLIC_URL set, dev.fapiUrl names the public host instead. */
let fapiListen: string;
beforeAll(async () => {
  dev = await startTestServer({ PUBLIC_URL: 'http://phones.dev.example:4000' });
  fapiListen = `http://127.0.0.1:${(dev.server.fapi.server.address() as AddressInfo).port}`;
});
afterAll(async () => { await dev.close(); });

describe('development Host check', () => {
  it('a rebinding name gets a Clerk error from the inbox (both APIs) and the demo sign-in, not data', async () => {
    const port = new URL(dev.bapiUrl).port;
    const auth = { authorization: `Bearer ${dev.secretKey}` };
    for (const [base, method, path, headers] of [
      [dev.bapiUrl, 'GET', '/v1/dev/sms_messages', auth],
      [fapiListen, 'GET', '/v1/dev/sms_messages', {}],
      [fapiListen, 'POST', '/v1/dev/demo_sign_in', { origin: 'http://rebind.attacker.test' }],
      [fapiListen, 'GET', '/v1/client', {}],
    ] as const) {
      const answer = await call(base, method, path, `rebind.attacker.test:${port}`, headers);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.errors[0].code).toBe('host_invalid');
      expect(typeof answer.body.clerk_trace_id).toBe('string');
    }
  });

  it('loopback names and the PUBLIC_URL host are answered', async () => {
    const auth = { authorization: `Bearer ${dev.secretKey}` };
    for (const host of ['localhost:1', '127.0.0.1', '127.1.2.3:9', '[::1]:4001', 'app.localhost', 'phones.dev.example:4000']) {
      expect((await call(dev.bapiUrl, 'GET', '/v1/dev/sms_messages', host, auth)).status, host).toBe(200);
      expect((await call(fapiListen, 'GET', '/v1/environment', host)).status, host).toBe(200);
    }
  });

  it('production is not checked: its proxy passes the public host', async () => {
    const prod = await startTestServer({
      INSTANCE_TYPE: 'production', CLERK_SECRET_KEY: `sk_live_${'h'.repeat(32)}`, SMS_PROVIDER: 'webhook',
      SMS_WEBHOOK_URL: 'https://sms.example.invalid/hook', SMS_WEBHOOK_SECRET: `whsec_${Buffer.from('x'.repeat(24)).toString('base64')}`,
    });
    try {
      expect((await call(prod.fapiUrl, 'GET', '/v1/environment', 'accounts.example.com')).status).toBe(200);
    } finally {
      await prod.close();
    }
  });
});

describe('development listening address', () => {
  it('is 127.0.0.1 unless HOST says otherwise; production keeps 0.0.0.0 unless set', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    const production = {
      INSTANCE_TYPE: 'production', CLERK_SECRET_KEY: `sk_live_${'h'.repeat(32)}`, SMS_PROVIDER: 'webhook',
      SMS_WEBHOOK_URL: 'https://sms.example.invalid/hook', SMS_WEBHOOK_SECRET: 'whsec_eHh4',
    };
    expect(loadConfig(production).host).toBe('0.0.0.0');
  });
});
