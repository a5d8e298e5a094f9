import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresUrl, withPostgres } from '../helpers/postgres.js';
import { phoneNumbers } from '../helpers/cli.js';
import { CLI } from '../multi-instance/harness.js';

// On PostgreSQL, `backup` and `restore` print a pg_dump and a pg_restore command: here they are run as
// printed, against the real PostgreSQL, and must give back the rows of the moment of the dump.

const run = promisify(execFile);
const baseUrl = process.env.TEST_DATABASE_URL?.trim();
if (!baseUrl) console.warn('!!! PostgreSQL backup commands SKIPPED: TEST_DATABASE_URL is not set');

const cli = (databaseUrl: string, ...args: string[]) => phoneNumbers({ DATABASE_URL: databaseUrl }, ...args);

/** The one indented command line the CLI printed. */
const printedCommand = (stderr: string) => /^ {2}(pg_\S+ .*)$/m.exec(stderr)![1]!;

describe.skipIf(!baseUrl)('PostgreSQL: the printed pg_dump and pg_restore commands', () => {
  let database: ReturnType<typeof freshPostgresUrl>;
  let dir: string;

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm test does)`);
    database = freshPostgresUrl(baseUrl);
    dir = mkdtempSync(join(tmpdir(), 'phone-numbers-pg-backup-'));
  });
  afterAll(async () => {
    await database?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const userIds = () => withPostgres(async (client) =>
    (await client.query(`select id from "${database.schema}".users order by id`)).rows.map((r: { id: string }) => r.id), baseUrl);

  it('restore brings back the moment of the dump, over a changed schema and over a dropped one', async () => {
    expect(await cli(database.url, 'migrate')).toMatchObject({ code: 0 });
    const kept = JSON.parse((await cli(database.url, 'users', 'create', '--phone', '+12025557001')).stdout).id as string;

    const file = join(dir, 'phones.dump');
    const backup = await cli(database.url, 'backup', file);
    expect(backup.code).toBe(1);
    await run('sh', ['-c', printedCommand(backup.stderr)]);
    expect(existsSync(file)).toBe(true);

    const later = JSON.parse((await cli(database.url, 'users', 'create', '--phone', '+12025557002')).stdout).id as string;
    expect(await userIds()).toEqual([kept, later].sort());

    const restore = await cli(database.url, 'restore', file);
    expect(restore.code).toBe(1);
    const restoreCommand = printedCommand(restore.stderr);
    await run('sh', ['-c', restoreCommand]);
    expect(await userIds()).toEqual([kept]);

    await withPostgres((client) => client.query(`drop schema "${database.schema}" cascade`), baseUrl);
    await run('sh', ['-c', restoreCommand]);
    expect(await userIds()).toEqual([kept]);
    // The service works on it: a ticket for the restored user.
    expect(JSON.parse((await cli(database.url, 'sign-in-token', '--user', kept)).stdout)).toMatchObject({ user_id: kept });
  }, 60_000);
});
