import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

// GET /v1/health asks the database, on both APIs: what a load balancer probes to take an instance
// out of rotation (it writes a row and rolls it back: a read-only or full database fails it too,
// see test/hardening/database-faults.test.ts). Clerk's FAPI documents 200 {status: healthy} and 503 {status: unhealthy, message}.

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

async function health(base: string): Promise<{ status: number; body: any; cacheControl: string | null }> {
  const response = await fetch(new URL('/v1/health', base));
  return { status: response.status, body: await response.json(), cacheControl: response.headers.get('cache-control') };
}

describe('GET /v1/health', () => {
  it('answers healthy on the Frontend API and, without a secret key, on the Backend API', async () => {
    for (const base of [t.fapiUrl, t.bapiUrl]) {
      const reply = await health(base);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ status: 'healthy' });
      expect(reply.cacheControl).toBe('no-store');
    }
    // The rest of the Backend API still wants the key.
    expect((await fetch(new URL('/v1/users', t.bapiUrl))).status).toBe(401);
  });

  it('answers 503 unhealthy, in Clerk\'s shape, once the database is gone', async () => {
    await t.server.ctx.database.close();
    for (const base of [t.fapiUrl, t.bapiUrl]) {
      // One probe answers every check for a second: ask until the answer changes.
      let reply = await health(base);
      for (const deadline = Date.now() + 5_000; reply.status === 200 && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        reply = await health(base);
      }
      expect(reply.status).toBe(503);
      expect(reply.body).toMatchObject({
        status: 'unhealthy',
        database: 'unreachable',
        message: 'The database is not answering.',
        errors: [{ code: 'service_unavailable', message: expect.any(String), long_message: expect.any(String) }],
        clerk_trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    }
  });
});
