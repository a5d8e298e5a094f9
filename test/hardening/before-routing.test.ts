import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { isClerkErrors, rawRequest } from '../helpers/raw-http.js';

// Issue 12, item 9: what Node's HTTP parser or Fastify refuse before any route runs (an over-long
// header, a NUL byte, no Host, a broken request line, a CONNECT, an unmet Expect) still answers a ClerkErrors body.

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

const requests: Record<string, string> = {
  'headers over 16 KiB (431)': `GET /v1/client HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  'a NUL byte in a header': 'GET /v1/client HTTP/1.1\r\nHost: localhost\r\nX-A: a\u0000b\r\n\r\n',
  'no Host header': 'GET /v1/client HTTP/1.1\r\nConnection: close\r\n\r\n',
  'a broken request line': 'BLAH\r\n\r\n',
  'an unknown HTTP version': 'GET /v1/client HTTP/9.9\r\nHost: localhost\r\n\r\n',
  'a bad percent-escape in the path': 'GET /v1/%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
  'a bad Content-Length': 'POST /v1/client HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n',
  'both Content-Length and chunked': 'POST /v1/client HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  // Node hands CONNECT to 'connect' listeners, never to Fastify; with none it closed the connection unanswered.
  'CONNECT to a path': 'CONNECT /v1/client HTTP/1.1\r\nHost: localhost\r\n\r\n',
  'CONNECT to a host and port (a proxy request)': 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n',
  // Node answers an Expect other than 100-continue with an empty 417 of its own unless asked not to.
  'an Expect the server does not meet (417)': 'GET /v1/client HTTP/1.1\r\nHost: localhost\r\nExpect: x-nonsense\r\nConnection: close\r\n\r\n',
};

describe.each([['FAPI', () => t.fapiUrl], ['BAPI', () => t.bapiUrl]])('%s before routing', (_api, baseUrl) => {
  for (const [name, request] of Object.entries(requests)) {
    it(`${name}: a 4xx ClerkErrors body, no-store, nosniff and X-Request-Id`, async () => {
      const reply = await rawRequest(baseUrl(), request);
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(isClerkErrors(reply.body), reply.body).toBe(true);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['cache-control']).toBe('no-store');
      // Traceable like every answer: the id in the header is the body's clerk_trace_id.
      expect(reply.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.parse(reply.body).clerk_trace_id).toBe(reply.headers['x-request-id']);
    });
  }
});
