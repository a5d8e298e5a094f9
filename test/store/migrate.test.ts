import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type DatabaseHandle } from '../../src/store/db.js';
import { migrations } from '../../src/store/migrations/index.js';
import { getSetting } from '../../src/store/settings.js';
import { freshDatabaseUrl } from '../helpers/server.js';
import { freshPostgresUrl, testDatabaseMode, withPostgres } from '../helpers/postgres.js';

// Instances that start at the same moment on one empty database: each migration runs exactly once
// (PostgreSQL: Kysely's advisory lock; SQLite: one BEGIN IMMEDIATE), and every process starts.

const run = promisify(execFile);
const CLI = 'dist/cli/index.js';
const migrationNames = Object.keys(migrations);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function database(): string {
  const { url, cleanup } = freshDatabaseUrl();
  cleanups.push(cleanup);
  return url;
}

async function recordedMigrations(handle: DatabaseHandle): Promise<string[]> {
  const rows = await handle.db.selectFrom('kysely_migration' as never).select('name' as never).execute() as Array<{ name: string }>;
  return rows.map((r) => r.name).sort();
}

describe(`migrating on ${testDatabaseMode}`, () => {
  it('applies each migration once when four pools migrate one empty database at once', async () => {
    const url = database();
    const handles = [0, 1, 2, 3].map(() => openDatabase(url, { poolSize: 2 }));
    cleanups.push(async () => { await Promise.all(handles.map((h) => h.close())); });
    const applied = await Promise.all(handles.map((h) => migrate(h)));
    expect(applied.flat().sort()).toEqual([...migrationNames].sort());
    expect(await recordedMigrations(handles[0]!)).toEqual([...migrationNames].sort());
    // Migrating again finds nothing to do.
    expect(await migrate(handles[1]!)).toEqual([]);
  });

  it('four `migrate` processes at once: one applies every migration, the others find it done', async () => {
    expect(existsSync(CLI), `${CLI} is missing: build first (npm test does)`).toBe(true);
    const url = database();
    const env = { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', CLERK_SECRET_KEY: '', INSTANCE_TYPE: 'development' };
    const results = await Promise.all([0, 1, 2, 3].map(() => run(process.execPath, [CLI, 'migrate'], { env, timeout: 60_000 })));
    const outputs = results.map((r) => r.stdout.trim()).sort();
    expect(outputs).toEqual([`applied: ${[...migrationNames].join(', ')}`, 'up to date', 'up to date', 'up to date']);
  });

  it('four processes starting on one empty database at once all migrate it and agree on the dev secret key', async () => {
    const url = database();
    const env = { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', CLERK_SECRET_KEY: '', INSTANCE_TYPE: 'development' };
    // `users create` builds the whole context, as `serve` does: migrations, then the generated dev key.
    const results = await Promise.all([0, 1, 2, 3].map(() => run(process.execPath, [CLI, 'users', 'create'], { env, timeout: 60_000 })));
    for (const { stdout } of results) expect(JSON.parse(stdout).id).toMatch(/^user_/);

    const handle = openDatabase(url);
    cleanups.push(() => handle.close());
    expect(await recordedMigrations(handle)).toEqual([...migrationNames].sort());
    expect(await getSetting(handle.db, 'dev_secret_key')).toMatch(/^sk_test_[A-Za-z0-9]+$/);
  });
});

// PostgreSQL only: SQLite has one database per file and no schemas to scan.
if (testDatabaseMode === 'postgres') describe('migrating on postgres beside schemas that come and go', () => {
  it('starts while other schemas in the same database are being created and dropped', async () => {
    // Kysely's own introspector scanned every schema and failed with `schema "<someone else's>" does
    // not exist` when one was dropped mid-scan (a parallel test run did exactly that in CI).
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        const other = freshPostgresUrl();
        await withPostgres(async (client) => {
          await client.query(`create schema "${other.schema}"`);
          await client.query(`create table "${other.schema}".t (id int)`);
        });
        await other.cleanup();
      }
    })();
    try {
      for (let round = 0; round < 15; round++) {
        const handle = openDatabase(database(), { poolSize: 2 });
        try {
          expect(await migrate(handle)).toEqual(migrationNames);
        } finally {
          await handle.close();
        }
      }
    } finally {
      churning = false;
      await churn;
    }
  });
});
