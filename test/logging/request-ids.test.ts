import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { addNumber, bapi, fapi, newSignedInUser, type Reply } from '../helpers/fapi.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// Every answer names its request: X-Request-Id, the error body's clerk_trace_id and the request_id
// of each log line are one id. A trusted proxy's id is kept; anyone else's is not. Each request
// writes exactly one access line, by route pattern, with nothing from the query, the body or the headers.

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const GENERATED = /^[0-9a-f]{32}$/;

async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; id: string | null; body: any }> {
  const response = await fetch(new URL(path, base), { headers });
  const text = await response.text();
  return { status: response.status, id: response.headers.get('x-request-id'), body: text ? JSON.parse(text) : undefined };
}

function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
  return { lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), logger: createLogger('info', stream) };
}

describe('request ids', () => {
  it('every answer of both APIs carries X-Request-Id, and an error body\'s clerk_trace_id is that id', async () => {
    t = await startTestServer();
    const answers = [
      await get(t.fapiUrl, '/v1/health'),
      await get(t.fapiUrl, '/v1/nothing'),
      await get(t.fapiUrl, '/v1/me/phone_numbers'),
      await get(t.bapiUrl, '/v1/health'),
      await get(t.bapiUrl, '/v1/users/user_x'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 404, 401, 200, 401]);
    for (const answer of answers) {
      expect(answer.id).toMatch(GENERATED);
      if (answer.status >= 400) expect(answer.body.clerk_trace_id).toBe(answer.id);
    }
    expect(new Set(answers.map((a) => a.id)).size).toBe(answers.length);
  });

  it('a trusted proxy\'s X-Request-Id is kept when it looks sane, and replaced when it does not', async () => {
    t = await startTestServer({ TRUST_PROXY: 'true' });
    for (const base of [t.fapiUrl, t.bapiUrl]) {
      const kept = await get(base, '/v1/nothing', { 'x-request-id': 'lb-7f3a.9_Z' });
      expect(kept.id).toBe('lb-7f3a.9_Z');
      expect(kept.body.clerk_trace_id).toBe('lb-7f3a.9_Z');
      for (const insane of ['has space', 'a/b', 'x'.repeat(129), '']) {
        const replaced = await get(base, '/v1/nothing', { 'x-request-id': insane });
        expect(replaced.id).toMatch(GENERATED);
        expect(replaced.body.clerk_trace_id).toBe(replaced.id);
      }
    }
    const longest = 'y'.repeat(128);
    expect((await get(t.fapiUrl, '/v1/health', { 'x-request-id': longest })).id).toBe(longest);
  });

  it('an untrusted caller\'s X-Request-Id is not taken', async () => {
    t = await startTestServer();
    for (const base of [t.fapiUrl, t.bapiUrl]) {
      const answer = await get(base, '/v1/nothing', { 'x-request-id': 'forged-id-1' });
      expect(answer.id).toMatch(GENERATED);
      expect(answer.body.clerk_trace_id).toBe(answer.id);
    }
  });

  it('errors before routing carry an id too: in the header and the body alike', async () => {
    t = await startTestServer();
    for (const request of [
      'GET /v1/%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', // Fastify's frameworkErrors
      'GET /v1/client HTTP/1.1\r\nHost: localhost\r\nX-A: a\u0000b\r\n\r\n', // Node's clientError
    ]) {
      const reply = await rawRequest(t.fapiUrl, request);
      expect(reply.status).toBe(400);
      expect(reply.headers['x-request-id']).toMatch(GENERATED);
      expect(JSON.parse(reply.body).clerk_trace_id).toBe(reply.headers['x-request-id']);
    }
  });
});

describe('access log', () => {
  it('one info line per request, by route pattern, with the request id also on the request\'s other lines', async () => {
    const { lines, records, logger } = capturedLogger();
    t = await startTestServer({ LOG_LEVEL: 'info' }, { logger });
    const phone = '+12025557401';
    const answers: Array<{ api: string; status: number; id: string | null; route: string; method: string }> = [];
    const note = (api: string, method: string, route: string, reply: Reply | { status: number; id: string | null }) =>
      answers.push({ api, method, route, status: reply.status, id: 'headers' in reply ? reply.headers.get('x-request-id') : reply.id });

    const { token } = await newSignedInUser(t); // BAPI POST /v1/users, POST /v1/sign_in_tokens; FAPI POST /v1/client/sign_ins
    const id = await addNumber(t, token, phone);
    const listed = await fapi(t, 'GET', '/v1/me/phone_numbers', { token, query: { __clerk_db_jwt: 'dvb_topsecretvalue', _clerk_js_version: '5.0.0' } });
    note('fapi', 'GET', '/v1/me/phone_numbers', listed);
    const read = await fapi(t, 'GET', `/v1/me/phone_numbers/${id}`, { token });
    note('fapi', 'GET', '/v1/me/phone_numbers/:phone_number_id', read);
    const missing = await get(t.fapiUrl, `/v1/lookup/${encodeURIComponent(phone)}?code=123456`);
    note('fapi', 'GET', 'unmatched', missing);
    // Refused by Fastify before routing: the same one line.
    const badUrl = await rawRequest(t.fapiUrl, `GET /v1/%zz/${phone}?code=123456 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    note('fapi', 'GET', 'unmatched', { status: badUrl.status, id: badUrl.headers['x-request-id'] ?? null });
    expect(badUrl.status).toBe(400);
    const bapiRead = await bapi(t, 'GET', '/v1/jwks');
    note('bapi', 'GET', '/v1/jwks', bapiRead);
    // A request that fails and logs why: the health check with the database gone.
    await t.server.ctx.database.close();
    const unhealthy = await get(t.fapiUrl, '/v1/health');
    expect(unhealthy.status).toBe(503);
    note('fapi', 'GET', '/v1/health', unhealthy);

    const access = records().filter((r) => r.msg === 'request');
    // The three sign-in requests, the add, and the six noted above: one line each, nothing more.
    expect(access).toHaveLength(4 + answers.length);
    for (const answer of answers) {
      const mine = access.filter((r) => r.request_id === answer.id);
      expect(mine, JSON.stringify(answer)).toHaveLength(1);
      expect(mine[0]).toMatchObject({ level: 30, api: answer.api, method: answer.method, route: answer.route, status: answer.status });
      expect(typeof mine[0]!.duration_ms).toBe('number');
      expect(Object.keys(mine[0]!).sort()).toEqual(['api', 'duration_ms', 'level', 'method', 'msg', 'request_id', 'route', 'status', 'time']);
    }
    expect(access.filter((r) => r.route === '/v1/me/phone_numbers' && r.method === 'POST')).toHaveLength(1);
    // The health check's warning is tied to its request, and to what the caller saw.
    const warning = records().find((r) => r.msg === 'health check failed');
    expect(warning?.request_id).toBe(unhealthy.id);
    expect(unhealthy.body.clerk_trace_id).toBe(unhealthy.id);

    const text = lines.join('\n');
    for (const secret of ['dvb_topsecretvalue', '__clerk_db_jwt', '_clerk_js_version', '123456', phone.slice(1), '5557401', token, t.secretKey, id, '/v1/lookup']) {
      expect(text).not.toContain(secret);
    }
    // Fastify's own per-request lines are gone.
    expect(text).not.toContain('incoming request');
    expect(text).not.toContain('request completed');
  });
});
