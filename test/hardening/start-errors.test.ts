import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `phone-numbers serve` with a setting that is well formed but does not work: the file is read-only,
// the server is not there, the port is taken. Each must stop the start (exit 1) with ONE line on
// stderr that names the variable to fix, never a password, never the driver's bare words.
// (Runs once, in the SQLite project: it starts the compiled CLI with its own settings.)

const CLI = join(process.cwd(), 'dist/cli/index.js');
const root = process.getuid?.() === 0;
let dir: string;
const undo: (() => void)[] = [];

interface Exit { code: number | null; stdout: string; stderr: string }

/** Runs the CLI to its end; a server that starts after all is killed after 15 s and fails the test on its exit code. */
function serve(env: Record<string, string>, args = ['serve']): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', BACKEND_PORT: '0', HOST: '127.0.0.1', OUTBOX_POLL_MS: '50', ...env },
      timeout: 15_000,
    }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }));
  });
}

/** The stderr of a failed start: exactly one line, returned. */
function oneLine(exit: Exit): string {
  expect(exit.code, `exit ${exit.code}, stderr: ${exit.stderr}`).toBe(1);
  const lines = exit.stderr.split('\n').filter(Boolean);
  expect(lines, exit.stderr).toHaveLength(1);
  return lines[0]!;
}

/**
 * Makes a file or directory read-only for this process for real. chmod binds everyone but root, which
 * these tests may run as: root is bound by the immutable attribute (chattr +i) instead.
 */
function makeReadOnly(path: string, directory: boolean): void {
  if (root) {
    execFileSync('chattr', ['+i', path]);
    undo.push(() => execFileSync('chattr', ['-i', path]));
  } else {
    chmodSync(path, directory ? 0o555 : 0o444);
    undo.push(() => chmodSync(path, directory ? 0o755 : 0o644));
  }
  // The condition is real: this process itself can no longer write there.
  expect(() => appendFileSync(directory ? join(path, 'probe') : path, '')).toThrow();
}

async function migratedFile(name: string): Promise<string> {
  const sub = join(dir, name);
  mkdirSync(sub);
  const file = join(sub, 'db.sqlite');
  const migrated = await serve({ DATABASE_URL: `sqlite:${file}` }, ['migrate']);
  expect(migrated.stdout).toMatch(/^applied: 001-initial/);
  return file;
}

function listening(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server): string {
  return String((server.address() as { port: number }).port);
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli/index.js is missing: run npm run build first');
  dir = mkdtempSync(join(tmpdir(), 'phone-numbers-start-'));
});
afterAll(() => {
  for (const step of undo.reverse()) step();
  rmSync(dir, { recursive: true, force: true });
});

describe('start-up on a database that cannot take writes (issue 12 item 4)', () => {
  it('a read-only SQLite file stops the start with one line naming DATABASE_URL, the file and SQLITE_READONLY', async () => {
    const file = await migratedFile('read-only-file');
    makeReadOnly(file, false);
    const line = oneLine(await serve({ DATABASE_URL: `sqlite:${file}` }));
    expect(line).toBe(`Configuration error: DATABASE_URL: ${file} is read-only (SQLITE_READONLY): attempt to write a readonly database`);
  });

  it('a SQLite file in a read-only directory (no room for its -wal and -shm) names DATABASE_URL and the file', async () => {
    const file = await migratedFile('read-only-dir');
    makeReadOnly(join(file, '..'), true);
    const line = oneLine(await serve({ DATABASE_URL: `sqlite:${file}` }));
    expect(line).toMatch(/^Configuration error: DATABASE_URL: /);
    expect(line).toContain(file);
    expect(line).toMatch(/\((SQLITE_READONLY|SQLITE_CANTOPEN)\w*\)/);
  });
});

describe('start-up errors name the setting to fix (issue 12 item 19)', () => {
  it('SQLITE_CANTOPEN names DATABASE_URL and the path', async () => {
    const notAFile = join(dir, 'a-directory.db');
    mkdirSync(notAFile);
    const line = oneLine(await serve({ DATABASE_URL: `sqlite:${notAFile}` }));
    expect(line).toBe(`Configuration error: DATABASE_URL: cannot open ${notAFile} (SQLITE_CANTOPEN): unable to open database file`);
  });

  it('PostgreSQL refusing the connection names DATABASE_URL, with its user and password masked', async () => {
    const closed = await listening();
    const port = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
    const line = oneLine(await serve({ DATABASE_URL: `postgres://alice:s3cr3t-pw@127.0.0.1:${port}/app` }));
    expect(line).toBe(`Configuration error: DATABASE_URL: cannot reach postgres://***:***@127.0.0.1:${port}/app (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(line).not.toContain('s3cr3t-pw');
    expect(line).not.toContain('alice');
  });

  it('REDIS_URL=foo is a bad setting, not "Connection is closed"', async () => {
    const line = oneLine(await serve({ DATABASE_URL: `sqlite:${join(dir, 'redis-foo.db')}`, REDIS_URL: 'foo' }));
    expect(line).toBe('Configuration error: REDIS_URL: expected redis://[user:password@]host[:port][/db] or rediss://...');
  });

  it('a Redis that is not there names REDIS_URL and the socket\'s reason, with the password masked', async () => {
    const closed = await listening();
    const port = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
    const exit = await serve({ DATABASE_URL: `sqlite:${join(dir, 'redis-down.db')}`, REDIS_URL: `redis://:r3d1s-pw@127.0.0.1:${port}` });
    const line = oneLine(exit);
    expect(line).toBe(`Configuration error: REDIS_URL: cannot connect to redis://:***@127.0.0.1:${port} (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(exit.stderr + exit.stdout).not.toContain('r3d1s-pw');
  });

  it('a busy PORT or BACKEND_PORT is named', async () => {
    const busy = await listening();
    try {
      const port = portOf(busy);
      const fapi = oneLine(await serve({ DATABASE_URL: `sqlite:${join(dir, 'busy.db')}`, PORT: port, LOG_LEVEL: 'silent' }));
      expect(fapi).toMatch(new RegExp(`^Configuration error: PORT: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\): `));
      const bapi = oneLine(await serve({ DATABASE_URL: `sqlite:${join(dir, 'busy.db')}`, BACKEND_PORT: port, LOG_LEVEL: 'silent' }));
      expect(bapi).toMatch(new RegExp(`^Configuration error: BACKEND_PORT: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\): `));
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('LOG_LEVEL=verbose is reported with the other bad settings, not in pino\'s words', async () => {
    const exit = await serve({ DATABASE_URL: `sqlite:${join(dir, 'log.db')}`, LOG_LEVEL: 'verbose', OTP_MAX_ATTEMPTS: 'many' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe('Configuration error: OTP_MAX_ATTEMPTS: expected a whole number, got "many"\n'
      + 'Configuration error: LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"\n');
  });
});
