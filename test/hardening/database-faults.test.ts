import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// A database that stops taking writes while the server runs: full (a real SQLITE_FULL, from SQLite's
// own size limit on the server's connection). A failed request must log the real cause once.
// (Runs once, in the SQLite project.)

let servers: TestServer[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function capturedLog() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { lines, logger: createLogger('info', stream) };
}

async function server(env: Record<string, string> = {}, logger = capturedLog().logger): Promise<TestServer> {
  const t = await startTestServer({ OUTBOX_WORKER: 'false', ...env }, { logger });
  servers.push(t);
  return t;
}

/** SQLite's own limit on this connection: no page beyond those the file has now. A real SQLITE_FULL. */
function fillToTheBrim(t: TestServer): void {
  const { raw } = t.server.ctx.database;
  if (raw.dialect !== 'sqlite') throw new Error('this test runs on SQLite');
  const pages = raw.sqlite.pragma('page_count', { simple: true }) as number;
  expect(raw.sqlite.pragma(`max_page_count = ${pages}`, { simple: true })).toBe(pages);
  // No free page left inside the file either: every new row that needs a page fails.
  expect(raw.sqlite.pragma('freelist_count', { simple: true })).toBe(0);
}

describe('a full database (issue 12 item 6)', () => {
  it('a write that fails on SQLITE_FULL answers Clerk\'s 500 and logs SQLITE_FULL once, not "cannot rollback"', async () => {
    const { lines, logger } = capturedLog();
    const t = await server({}, logger);
    fillToTheBrim(t);
    // Users until one needs a page the database may not have (a few dozen at most).
    let failed: { status: number; body: any } | undefined;
    for (let i = 0; i < 500 && !failed; i++) {
      const response = await fetch(new URL('/v1/users', t.bapiUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${t.secretKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ first_name: `Filler ${'x'.repeat(200)}`, external_id: `filler-${i}-${'y'.repeat(200)}` }),
      });
      const body = await response.json();
      if (response.status >= 500) failed = { status: response.status, body };
      else expect(response.status, JSON.stringify(body)).toBe(200);
    }
    expect(failed, 'no write ever failed: the database never filled').toBeDefined();
    expect(failed!.status).toBe(500);
    expect(failed!.body).toEqual({
      errors: [{ code: 'internal_clerk_error', message: expect.any(String), long_message: expect.any(String) }],
      clerk_trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const failures = lines.filter((l) => l.msg === 'request failed');
    expect(failures, JSON.stringify(failures)).toHaveLength(1);
    expect(failures[0]!.err).toMatchObject({ driver_code: 'SQLITE_FULL', message: 'database or disk is full' });
    expect(JSON.stringify(lines)).not.toContain('cannot rollback');
  });
});
