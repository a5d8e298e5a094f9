import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { listSms } from '../../src/store/sms-messages.js';
import { addNumber, bapi, expectClerkError, fapi, newSignedInUser } from '../helpers/fapi.js';
import { parseMetrics, scrapeMetrics } from '../helpers/metrics.js';
import { testDatabaseMode } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventually, startProviderServer, type ProviderServer } from '../sms/provider-server.js';

// GET /metrics after a known sequence of requests: the counts are exact, labels are route patterns
// and names from the code (never an id, a number or a token), and the endpoint is closed off the loopback.

let t: TestServer | undefined;
let receiver: ProviderServer | undefined;
afterEach(async () => {
  await t?.close();
  await receiver?.close();
  t = undefined;
  receiver = undefined;
});

const PREFIX = 'phone_numbers_';

async function smsStatus(server: TestServer, phone: string, status: string, count: number): Promise<void> {
  await eventually(`${count} SMS ${status} to the number`, async () => {
    const rows = await listSms(server.server.ctx.database.db, { to: phone });
    return rows.filter((r) => r.status === status).length === count ? true : undefined;
  });
}

/** Any six-digit code other than `code`. */
function wrongCode(code: string, n: number): string {
  return String((Number(code) + n) % 1_000_000).padStart(6, '0');
}

describe('metrics', () => {
  it('counts a known sequence exactly: requests by route pattern, SMS, code checks, refusals', async () => {
    // Three sends an hour per number: the fourth prepare is the 429.
    t = await startTestServer({ SMS_MAX_PER_NUMBER_PER_HOUR: '3', SMS_RESEND_COOLDOWN_SECONDS: '0' });
    const phone = '+12025557301';
    const { userId, token } = await newSignedInUser(t); // BAPI POST /v1/users, POST /v1/sign_in_tokens; FAPI POST /v1/client/sign_ins
    const id = await addNumber(t, token, phone);
    const prepare = () => fapi(t!, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    for (let i = 1; i <= 3; i++) {
      expect((await prepare()).status).toBe(200);
      // Each code is sent before the next replaces it, so none is superseded. Read from the store, not over HTTP.
      await smsStatus(t, phone, 'sent', i);
    }
    expectClerkError(await prepare(), 429, 'too_many_requests');

    const inbox = await bapi(t, 'GET', `/v1/dev/sms_messages?phone_number=${encodeURIComponent(phone)}`);
    const code = /#(\d{6})\s*$/.exec(inbox.body[0].body)![1]!;
    const attempt = (c: string) => fapi(t!, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code: c } });
    expectClerkError(await attempt(wrongCode(code, 1)), 422, 'form_code_incorrect');
    expectClerkError(await attempt(wrongCode(code, 2)), 422, 'form_code_incorrect');
    expect((await attempt(code)).status).toBe(200);
    expect((await fapi(t, 'GET', `/v1/me/phone_numbers/${id}`, { token })).status).toBe(200);
    const notFound = await fapi(t, 'GET', `/v1/nothing/${encodeURIComponent(phone)}`, { query: { __clerk_db_jwt: 'dvb_secretish' }, validate: false });
    expectClerkError(notFound, 404, 'resource_not_found');

    const m = await scrapeMetrics(t);
    const requests = (api: string, method: string, route: string, status: number) =>
      m.value(`${PREFIX}http_requests_total`, { api, method, route, status: String(status) });
    expect(requests('fapi', 'POST', '/v1/me/phone_numbers/:phone_number_id/prepare_verification', 200)).toBe(3);
    expect(requests('fapi', 'POST', '/v1/me/phone_numbers/:phone_number_id/prepare_verification', 429)).toBe(1);
    expect(requests('fapi', 'POST', '/v1/me/phone_numbers/:phone_number_id/attempt_verification', 422)).toBe(2);
    expect(requests('fapi', 'POST', '/v1/me/phone_numbers/:phone_number_id/attempt_verification', 200)).toBe(1);
    expect(requests('fapi', 'GET', '/v1/me/phone_numbers/:phone_number_id', 200)).toBe(1);
    expect(requests('fapi', 'POST', '/v1/me/phone_numbers', 200)).toBe(1);
    expect(requests('fapi', 'POST', '/v1/client/sign_ins', 200)).toBe(1);
    expect(requests('fapi', 'GET', 'unmatched', 404)).toBe(1);
    expect(requests('bapi', 'POST', '/v1/users', 200)).toBe(1);
    expect(requests('bapi', 'POST', '/v1/sign_in_tokens', 200)).toBe(1);
    expect(requests('bapi', 'GET', '/v1/dev/sms_messages', 200)).toBe(1);
    // Every request so far, and nothing else: 11 FAPI answers, 3 BAPI (the scrape counts once it is answered).
    const total = (api: string) => m.samples(`${PREFIX}http_requests_total`).filter(([l]) => l.api === api).reduce((s, [, v]) => s + v, 0);
    expect(total('fapi')).toBe(11);
    expect(total('bapi')).toBe(3);
    expect(m.value(`${PREFIX}http_request_duration_seconds_count`,
      { api: 'fapi', method: 'POST', route: '/v1/me/phone_numbers/:phone_number_id/prepare_verification', status: '200' })).toBe(3);
    expect(m.value(`${PREFIX}http_request_duration_seconds_bucket`,
      { api: 'fapi', method: 'POST', route: '/v1/me/phone_numbers/:phone_number_id/prepare_verification', status: '200', le: '+Inf' })).toBe(3);

    expect(m.value(`${PREFIX}sms_queued_total`, { provider: 'dev' })).toBe(3);
    expect(m.value(`${PREFIX}sms_sent_total`, { provider: 'dev' })).toBe(3);
    expect(m.samples(`${PREFIX}sms_failed_total`)).toEqual([]);
    expect(m.samples(`${PREFIX}sms_dead_total`)).toEqual([]);
    expect(m.value(`${PREFIX}sms_oldest_unsent_age_seconds`)).toBe(0);
    expect(m.value(`${PREFIX}verification_attempts_total`, { flow: 'phone_number', strategy: 'phone_code', outcome: 'incorrect' })).toBe(2);
    expect(m.value(`${PREFIX}verification_attempts_total`, { flow: 'phone_number', strategy: 'phone_code', outcome: 'verified' })).toBe(1);
    expect(m.samples(`${PREFIX}verification_attempts_total`)).toHaveLength(2);
    expect(m.samples(`${PREFIX}rate_limit_refusals_total`)).toEqual([[{ limit: 'sms_number_hour' }, 1]]);
    expect(m.samples(`${PREFIX}db_query_errors_total`)).toEqual([]);

    // Node's process metrics are there too.
    // (Resident memory is read from /proc at each scrape, so it is never 0; the CPU counter only
    // grows by what was used since the last scrape, which once read 0 on a loaded machine.)
    expect(m.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.value('process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(m.value('nodejs_eventloop_lag_seconds')).toBeDefined();
    // The PostgreSQL pool is reported where there is one.
    if (testDatabaseMode === 'postgres') expect(m.value(`${PREFIX}db_pool_max`)).toBe(10);
    else expect(m.samples(`${PREFIX}db_pool_max`)).toEqual([]);

    // No label names a user, a number, an id or a token.
    for (const secret of [userId, id, token, phone.slice(1), '5557301', 'dvb_secretish', code, '/v1/nothing']) {
      expect(m.text).not.toContain(secret);
    }
  });

  it('counts SMS failures and dead messages by provider, and the age of the oldest unsent one', async () => {
    // First message: a 502 (tried again), then accepted. Second: a 410, final.
    receiver = await startProviderServer((_r, i) => ({ status: [502, 200, 410][i] ?? 200 }));
    t = await startTestServer({
      SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: receiver.url, SMS_WEBHOOK_SECRET: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=',
      OUTBOX_BACKOFF_BASE_MS: '20', OUTBOX_WORKER: 'false',
    });
    const { token } = await newSignedInUser(t);
    const [first, second] = ['+12025557302', '+12025557303'];
    const firstId = await addNumber(t, token, first);
    expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${firstId}/prepare_verification`, { token, form: { strategy: 'phone_code' } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const waiting = await scrapeMetrics(t);
    expect(waiting.value(`${PREFIX}sms_queued_total`, { provider: 'webhook' })).toBe(1);
    expect(waiting.value(`${PREFIX}sms_oldest_unsent_age_seconds`)).toBeGreaterThanOrEqual(0.05);

    t.server.ctx.outbox.start();
    await smsStatus(t, first, 'sent', 1);
    const secondId = await addNumber(t, token, second);
    expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${secondId}/prepare_verification`, { token, form: { strategy: 'phone_code' } })).status).toBe(200);
    await smsStatus(t, second, 'dead', 1);

    const m = await scrapeMetrics(t);
    expect(m.value(`${PREFIX}sms_queued_total`, { provider: 'webhook' })).toBe(2);
    expect(m.value(`${PREFIX}sms_failed_total`, { provider: 'webhook' })).toBe(1);
    expect(m.value(`${PREFIX}sms_sent_total`, { provider: 'webhook' })).toBe(1);
    expect(m.value(`${PREFIX}sms_dead_total`, { provider: 'webhook' })).toBe(1);
    expect(m.value(`${PREFIX}sms_oldest_unsent_age_seconds`)).toBe(0);
    expect(receiver.requests).toHaveLength(3);
  });

  it('counts failed queries by the driver error code', async () => {
    t = await startTestServer();
    await expect(sql`select * from no_such_table`.execute(t.server.ctx.database.db)).rejects.toThrow();
    const m = await scrapeMetrics(t);
    const code = testDatabaseMode === 'postgres' ? '42P01' : 'SQLITE_ERROR';
    expect(m.samples(`${PREFIX}db_query_errors_total`)).toEqual([[{ code }, 1]]);
  });

  it('keeps each server\'s counts to itself', async () => {
    t = await startTestServer();
    const other = await startTestServer();
    try {
      expectClerkError(await fapi(other, 'GET', '/v1/nothing', { validate: false }), 404, 'resource_not_found');
      expect((await scrapeMetrics(other)).value(`${PREFIX}http_requests_total`, { api: 'fapi', method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
      expect((await scrapeMetrics(t)).samples(`${PREFIX}http_requests_total`).filter(([l]) => l.api === 'fapi')).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('metrics access', () => {
  const get = async (server: TestServer, authorization?: string) => {
    const response = await fetch(new URL('/metrics', server.bapiUrl), { headers: authorization ? { authorization } : {} });
    const text = await response.text();
    return { status: response.status, text };
  };
  const TOKEN = 'metrics-token-0123456789';

  it('a Backend API beyond loopback without METRICS_TOKEN refuses /metrics, even with the secret key', async () => {
    t = await startTestServer({ BACKEND_HOST: '0.0.0.0' });
    for (const authorization of [undefined, `Bearer ${t.secretKey}`]) {
      const answer = await get(t, authorization);
      expect(answer.status).toBe(401);
      const body = JSON.parse(answer.text);
      expect(body.errors[0].code).toBe('authentication_invalid');
      expect(body.errors[0].long_message).toContain('METRICS_TOKEN');
    }
  });

  it('a Backend API beyond loopback with METRICS_TOKEN serves /metrics to that bearer only', async () => {
    t = await startTestServer({ BACKEND_HOST: '0.0.0.0', METRICS_TOKEN: TOKEN });
    expect((await get(t)).status).toBe(401);
    expect((await get(t, `Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await get(t, `Bearer ${t.secretKey}`)).status).toBe(401);
    const answer = await get(t, `Bearer ${TOKEN}`);
    expect(answer.status).toBe(200);
    expect(parseMetrics(answer.text).value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(answer.text).not.toContain(TOKEN);
  });

  it('on loopback, /metrics is open until a token is set, then needs it', async () => {
    t = await startTestServer();
    expect((await get(t)).status).toBe(200);
    await t.close();
    t = await startTestServer({ METRICS_TOKEN: TOKEN });
    expect((await get(t)).status).toBe(401);
    expect((await get(t, `Bearer ${TOKEN}`)).status).toBe(200);
  });

  it('METRICS_TOKEN is checked at start, without repeating it', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short one' })).toThrow(/^METRICS_TOKEN: expected 16 to 200 printable characters/);
    try {
      loadConfig({ METRICS_TOKEN: 'short one' });
    } catch (error) {
      expect(String(error)).not.toContain('short one');
    }
  });
});
