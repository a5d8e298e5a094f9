import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.js';
import { addNumber, bapi, createUser, fapi, readCode, signIn } from '../helpers/fapi.js';
import { phoneNumbers } from '../helpers/cli.js';
import { RELAXED_LIMITS_ENV } from '../helpers/server.js';
import { CLI, secretKeyForTest, startInstance, type Instance } from '../multi-instance/harness.js';

// `phone-numbers backup` and `restore`, as an operator runs them: a real `serve` process writes to its
// SQLite file from several loops while the backup runs in another process; the copy must hold one
// moment of the database, and a server started on the restored copy must go on where that moment was.

let dir: string;

const cli = (databaseUrl: string, ...args: string[]) => phoneNumbers({ DATABASE_URL: databaseUrl }, ...args);

function rowsIn(file: string) {
  const sqlite = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const users = sqlite.prepare('SELECT id, external_id FROM users WHERE external_id IS NOT NULL').all() as { id: string; external_id: string }[];
    const numbers = sqlite.prepare('SELECT user_id, phone_number FROM phone_numbers').all() as { user_id: string; phone_number: string }[];
    return { users, numbers };
  } finally {
    sqlite.close();
  }
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), 'phone-numbers-backup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('backup and restore of a live SQLite database', () => {
  const secretKey = secretKeyForTest();
  const liveUrl = () => `sqlite:${join(dir, 'live.db')}`;
  let live: Instance;
  let restored: Instance | undefined;

  afterAll(async () => {
    await live?.stop();
    await restored?.stop();
  });

  it('a backup under write load is one moment of the database, and a server on its restored copy verifies a code sent before it', async () => {
    const env = { DATABASE_URL: liveUrl(), CLERK_SECRET_KEY: secretKey, OUTBOX_POLL_MS: '20', ...RELAXED_LIMITS_ENV };
    live = await startInstance('live server', env);

    // A code sent before the backup, read from the development inbox.
    const victimPhone = '+12025553000';
    const victim = await signIn(live.t, await createUser(live.t));
    const victimNumber = await addNumber(live.t, victim.token, victimPhone);
    const prepared = await fapi(live.t, 'POST', `/v1/me/phone_numbers/${victimNumber}/prepare_verification`, { token: victim.token, form: { strategy: 'phone_code' } });
    expect(prepared.status).toBe(200);
    const code = await readCode(live.t, victimPhone);

    // Writers: one adds numbers through the Frontend API (one row each), two create users with two
    // numbers each through the Backend API (three rows in one transaction).
    const adder = await signIn(live.t, await createUser(live.t));
    const log: { key: string; sentAt: number; ackedAt: number }[] = [];
    let stop = false;
    let counter = 0;
    const fapiWriter = async () => {
      while (!stop) {
        const n = counter++;
        const phone = `+1202555${String(4000 + n).padStart(4, '0')}`;
        const sentAt = performance.now();
        await addNumber(live.t, adder.token, phone);
        log.push({ key: phone, sentAt, ackedAt: performance.now() });
      }
    };
    const bapiWriter = async () => {
      while (!stop) {
        const n = counter++;
        const key = `load-${n}`;
        const sentAt = performance.now();
        const reply = await bapi(live.t, 'POST', '/v1/users', {
          external_id: key, phone_number: [`+1201555${String(4000 + 2 * n).padStart(4, '0')}`, `+1201555${String(4001 + 2 * n).padStart(4, '0')}`],
        });
        expect(reply.status, JSON.stringify(reply.body)).toBe(200);
        log.push({ key, sentAt, ackedAt: performance.now() });
      }
    };
    const writers = [fapiWriter(), bapiWriter(), bapiWriter()];
    const backupFile = join(dir, 'copy.db');
    let backupStarted: number;
    let backupEnded: number;
    let backup: Awaited<ReturnType<typeof cli>>;
    try {
      while (log.length < 30) await new Promise((r) => setTimeout(r, 10));
      backupStarted = performance.now();
      backup = await cli(liveUrl(), 'backup', backupFile);
      backupEnded = performance.now();
      const writtenBefore = log.length;
      while (backup.code === 0 && log.length < writtenBefore + 20) await new Promise((r) => setTimeout(r, 10));
    } finally {
      stop = true;
      // A writer that failed fails the test here, not as an unhandled rejection.
      await Promise.all(writers);
    }
    expect(backup, backup.stderr).toMatchObject({ code: 0 });

    // The writers were busy on both sides of the backup.
    expect(log.filter((w) => w.ackedAt < backupStarted).length).toBeGreaterThanOrEqual(30);
    expect(log.filter((w) => w.sentAt > backupEnded).length).toBeGreaterThanOrEqual(10);

    const summary = JSON.parse(backup.stdout) as { file: string; rows: Record<string, number>; migration: string };
    expect(summary.file).toBe(backupFile);
    expect(summary.migration).toBe(Object.keys(migrations).at(-1));
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);
    // A single file: no journal beside it.
    expect(existsSync(`${backupFile}-wal`)).toBe(false);

    const copy = rowsIn(backupFile);
    const numbersOf = new Map<string, string[]>();
    for (const row of copy.numbers) numbersOf.set(row.user_id, [...(numbersOf.get(row.user_id) ?? []), row.phone_number]);
    const inCopy = new Set([...copy.users.map((u) => u.external_id), ...copy.numbers.map((n) => n.phone_number)]);
    // Every write acknowledged before the backup began is in it; nothing sent after it ended is.
    for (const write of log) {
      if (write.ackedAt < backupStarted) expect(inCopy.has(write.key), write.key).toBe(true);
      if (write.sentAt > backupEnded) expect(inCopy.has(write.key), write.key).toBe(false);
    }
    // Each user's transaction is in it whole: every load user has both of its numbers.
    for (const user of copy.users) expect(numbersOf.get(user.id)?.length, user.external_id).toBe(2);
    expect(summary.rows.users).toBe(rowsIn(backupFile).users.length + 2);
    expect(summary.rows.phone_numbers).toBe(copy.numbers.length);
    // The live database went on past the copy.
    expect(rowsIn(join(dir, 'live.db')).numbers.length).toBeGreaterThan(copy.numbers.length);

    // Restore into a new file and serve it: the code sent before the backup verifies there.
    const restoredUrl = `sqlite:${join(dir, 'restored.db')}`;
    const restore = await cli(restoredUrl, 'restore', backupFile);
    expect(restore, restore.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(restore.stdout)).toMatchObject({ file: join(dir, 'restored.db'), rows: summary.rows });
    await live.stop();
    restored = await startInstance('restored server', { ...env, DATABASE_URL: restoredUrl });
    const attempt = await fapi(restored.t, 'POST', `/v1/me/phone_numbers/${victimNumber}/attempt_verification`, { token: victim.token, form: { code } });
    expect(attempt.status, JSON.stringify(attempt.body)).toBe(200);
    expect(attempt.body.response.verification.status).toBe('verified');
    // Without the secret key that sealed it, the copy does not even start.
    await expect(startInstance('server with another key', { ...env, DATABASE_URL: restoredUrl, CLERK_SECRET_KEY: secretKeyForTest() }))
      .rejects.toThrow(/sealed with another secret key/);
    const listed = await fapi(restored.t, 'GET', '/v1/me/phone_numbers', { token: adder.token });
    expect(listed.body.length).toBe(copy.numbers.filter((n) => n.phone_number.startsWith('+1202555') && n.phone_number !== victimPhone).length);
  }, 120_000);

  it('restore refuses a database in use, even with --force; an existing one without --force; and what is not a backup', async () => {
    expect(restored, 'the first test leaves the restored server running').toBeDefined();
    const restoredUrl = restored!.t.databaseUrl;
    const backupFile = join(dir, 'copy.db');
    const inUse = await cli(restoredUrl, 'restore', '--force', backupFile);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/restored\.db is in use \(a server or another command has it open\): stop it first/);
    // The running server still answers from its own file.
    expect((await fetch(`${restored!.t.fapiUrl}/v1/health`)).status).toBe(200);

    await restored!.stop();
    const exists = await cli(restoredUrl, 'restore', backupFile);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toContain('restored.db exists: --force replaces it');
    expect(await cli(restoredUrl, 'restore', '--force', backupFile)).toMatchObject({ code: 0 });
    expect(existsSync(join(dir, 'restored.db-wal'))).toBe(false);

    writeFileSync(join(dir, 'not-a-db'), 'hello');
    const junk = await cli(`sqlite:${join(dir, 'other.db')}`, 'restore', join(dir, 'not-a-db'));
    expect(junk.code).toBe(1);
    expect(junk.stderr).toContain('is not a SQLite database');
    expect(existsSync(join(dir, 'other.db'))).toBe(false);
  }, 60_000);

  it('backup refuses to overwrite a file', async () => {
    const again = await cli(liveUrl(), 'backup', join(dir, 'copy.db'));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('copy.db exists: give a new file name');
  });

  it('on PostgreSQL both commands print the pg_dump / pg_restore command, password left out', async () => {
    const url = 'postgres://svc:hunter2@db.internal:5432/phones?schema=tenant_a';
    const backup = await cli(url, 'backup', 'nightly.dump');
    expect(backup.code).toBe(1);
    expect(backup.stderr).toContain("  pg_dump --format=custom --schema=tenant_a --file='nightly.dump' 'postgres://svc@db.internal:5432/phones'\n");
    expect(backup.stderr).toContain('PGPASSWORD');
    expect(backup.stderr).not.toContain('hunter2');
    const restore = await cli(url, 'restore', 'nightly.dump');
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain("  pg_restore --clean --if-exists --no-owner --single-transaction --dbname='postgres://svc@db.internal:5432/phones' 'nightly.dump'\n");
  });
});
