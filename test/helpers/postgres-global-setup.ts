import type { TestProject } from 'vitest/node';
import { postgresBaseUrl, schemaPrefix, withPostgres } from './postgres.js';

// Global set-up of the PostgreSQL project: fail at once (not test by test) when TEST_DATABASE_URL is set
// but does not answer; at the end drop any schema this run left behind (a test that crashed), and
// schemas of runs killed more than a day ago. Concurrent runs never touch each other's schemas.

const STALE_SECONDS = 24 * 3600;

async function dropSchemas(baseUrl: string, doomed: (name: string) => boolean): Promise<void> {
  await withPostgres(async (client) => {
    const { rows } = await client.query<{ nspname: string }>("select nspname from pg_namespace where starts_with(nspname, 'pn_test_')");
    for (const { nspname } of rows.filter((r) => doomed(r.nspname))) {
      await client.query(`drop schema if exists "${nspname}" cascade`);
    }
  }, baseUrl);
}

/** pn_test_<seconds in base 36>_<random>_...: the run's start time is in the name. */
function isStale(name: string, nowSeconds: number): boolean {
  const started = parseInt(name.slice('pn_test_'.length).split('_')[0] ?? '', 36);
  return Number.isFinite(started) && nowSeconds - started > STALE_SECONDS;
}

export async function setup(_project: TestProject): Promise<() => Promise<void>> {
  const baseUrl = postgresBaseUrl();
  try {
    await withPostgres((client) => client.query('select 1'), baseUrl);
  } catch (error) {
    throw new Error(`TEST_DATABASE_URL is set but PostgreSQL does not answer: ${(error as Error).message}`);
  }
  const mine = schemaPrefix();
  return async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    await dropSchemas(baseUrl, (name) => name.startsWith(mine) || isStale(name, nowSeconds));
  };
}
