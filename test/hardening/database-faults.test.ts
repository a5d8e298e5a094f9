import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { withPostgres } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// A database that stops taking writes while the server runs: full (a real SQLITE_FULL, from SQLite's
// own size limit on the server's connection) or read-only (a PostgreSQL role switched to read-only
// transactions, as an operator or a failover to a standby does). The health check must say so, and
// a failed request must log the real cause once. (Runs once, in the SQLite project: it opens the
// PostgreSQL it needs itself.)

const root = process.getuid?.() === 0;
const POSTGRES_URL = process.env.TEST_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/test';

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

async function health(base: string): Promise<{ status: number; body: any }> {
  const response = await fetch(new URL('/v1/health', base));
  return { status: response.status, body: await response.json() };
}

/** The health check's answer once it says `database` (or healthy): one probe answers for a second, so ask until it changes. */
async function healthOnce(base: string, database: string | undefined): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + 10_000;
  let reply = await health(base);
  while (reply.body.database !== database && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    reply = await health(base);
  }
  return reply;
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

function unhealthy(database: string) {
  return {
    status: 'unhealthy',
    database,
    message: expect.any(String),
    errors: [{ code: 'service_unavailable', message: expect.any(String), long_message: expect.any(String) }],
    clerk_trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
  };
}

describe('a full database (issue 12 items 5 and 6)', () => {
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

  it('GET /v1/health answers 503 database: full on both APIs, and healthy again once there is room', async () => {
    const t = await server();
    for (const base of [t.fapiUrl, t.bapiUrl]) expect(await health(base)).toEqual({ status: 200, body: { status: 'healthy' } });
    fillToTheBrim(t);
    for (const base of [t.fapiUrl, t.bapiUrl]) expect(await healthOnce(base, 'full')).toEqual({ status: 503, body: unhealthy('full') });
    const { raw } = t.server.ctx.database;
    if (raw.dialect === 'sqlite') raw.sqlite.pragma('max_page_count = 1073741823');
    expect(await healthOnce(t.fapiUrl, undefined)).toEqual({ status: 200, body: { status: 'healthy' } });
  });
});

describe('a full disk (issue 12 items 4, 5 and 6)', () => {
  /** A file system of 1 MiB of its own (a tmpfs: mounting one needs root; vitest.config.ts says so when not). */
  function smallDisk(): string {
    const mountPoint = mkdtempSync(join(tmpdir(), 'phone-numbers-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
    cleanups.push(async () => {
      execFileSync('umount', [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    });
    return mountPoint;
  }

  /** Fills the disk to its last block with a file beside the database. */
  function fillDisk(mountPoint: string): string {
    const filler = join(mountPoint, 'filler');
    expect(() => { for (;;) appendFileSync(filler, Buffer.alloc(4096)); }).toThrow(/ENOSPC/);
    return filler;
  }

  it.skipIf(!root)('GET /v1/health answers 503 database: full, writes log SQLITE_FULL, and a start stops on DATABASE_URL', async () => {
    const disk = smallDisk();
    const file = join(disk, 'db.sqlite');
    const { lines, logger } = capturedLog();
    const t = await server({ DATABASE_URL: `sqlite:${file}` }, logger);
    expect(await health(t.fapiUrl)).toEqual({ status: 200, body: { status: 'healthy' } });
    const filler = fillDisk(disk);

    for (const base of [t.fapiUrl, t.bapiUrl]) expect(await healthOnce(base, 'full')).toEqual({ status: 503, body: unhealthy('full') });
    const response = await fetch(new URL('/v1/users', t.bapiUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${t.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'Full' }),
    });
    expect(response.status).toBe(500);
    expect((await response.json()).errors[0].code).toBe('internal_clerk_error');
    const failures = lines.filter((l) => l.msg === 'request failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]!.err).toMatchObject({ driver_code: 'SQLITE_FULL' });
    expect(JSON.stringify(lines)).not.toContain('cannot rollback');

    // A second instance on the same full disk does not start.
    await expect(startTestServer({ DATABASE_URL: `sqlite:${file}`, OUTBOX_WORKER: 'false' })).rejects.toMatchObject({
      variable: 'DATABASE_URL',
      message: expect.stringMatching(new RegExp(`^DATABASE_URL: ${file.replace(/[.]/g, '\\.')} is full \\((ENOSPC|SQLITE_FULL)\\): `)),
    });

    rmSync(filler);
    expect(await healthOnce(t.fapiUrl, undefined)).toEqual({ status: 200, body: { status: 'healthy' } });
  });
});

describe('a read-only database (issue 12 items 4 and 5)', () => {
  /** A role of this test's own, allowed to make its schema in the test database; dropped after. */
  async function postgresRole(): Promise<{ url: string; role: string; schema: string }> {
    const role = `pn_ro_${randomBytes(5).toString('hex')}`;
    const schema = `pn_ro_schema_${randomBytes(5).toString('hex')}`;
    const database = new URL(POSTGRES_URL).pathname.slice(1);
    await withPostgres(async (c) => {
      await c.query(`create role ${role} login`);
      await c.query(`grant create on database "${database}" to ${role}`);
    }, POSTGRES_URL);
    cleanups.push(() => withPostgres(async (c) => {
      await c.query(`select pg_terminate_backend(pid) from pg_stat_activity where usename = $1`, [role]);
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.query(`revoke create on database "${database}" from ${role}`);
      await c.query(`drop role ${role}`);
    }, POSTGRES_URL));
    const url = new URL(POSTGRES_URL);
    url.username = role;
    url.password = '';
    url.searchParams.set('schema', schema);
    return { url: url.toString(), role, schema };
  }

  async function makeReadOnly(role: string): Promise<void> {
    await withPostgres(async (c) => {
      await c.query(`alter role ${role} set default_transaction_read_only = on`);
      // Connections made before keep their setting: end them, as a failover would.
      await c.query(`select pg_terminate_backend(pid) from pg_stat_activity where usename = $1`, [role]);
    }, POSTGRES_URL);
  }

  it('PostgreSQL switched to read-only while running: GET /v1/health answers 503 database: read_only', async () => {
    const { url, role } = await postgresRole();
    const t = await server({ DATABASE_URL: url });
    expect(await health(t.fapiUrl)).toEqual({ status: 200, body: { status: 'healthy' } });
    await makeReadOnly(role);
    // The pool may first find its ended connections (unreachable), then reconnects read-only.
    expect(await healthOnce(t.fapiUrl, 'read_only')).toEqual({ status: 503, body: unhealthy('read_only') });
    expect(await healthOnce(t.bapiUrl, 'read_only')).toEqual({ status: 503, body: unhealthy('read_only') });
  });

  it('a server does not start on a read-only PostgreSQL: one DATABASE_URL error, the URL without its user', async () => {
    const { url, role } = await postgresRole();
    const first = await server({ DATABASE_URL: url });
    await first.close();
    servers = [];
    await makeReadOnly(role);
    const started = startTestServer({ DATABASE_URL: url, OUTBOX_WORKER: 'false' });
    await expect(started).rejects.toMatchObject({
      name: 'ConfigError',
      variable: 'DATABASE_URL',
      message: expect.stringMatching(/^DATABASE_URL: postgres:\/\/\*\*\*@127\.0\.0\.1:5432\/\w+\?schema=\w+ is read-only \(25006\): cannot execute \w+/),
    });
    const error = await started.catch((e: Error) => e);
    expect(String(error)).not.toContain(role);
  });
});
