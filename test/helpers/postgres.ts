import { randomBytes } from 'node:crypto';
import pg from 'pg';

// The PostgreSQL side of the test harness: which mode this test file runs in, and a brand-new
// schema per server (dropped when the server closes) in the database TEST_DATABASE_URL names.

/** Set per vitest project in vitest.config.ts: 'postgres' runs every server on TEST_DATABASE_URL. */
export const testDatabaseMode: 'sqlite' | 'postgres' = process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** Every schema this run makes starts with this, so the run's global teardown can sweep leftovers. */
export function schemaPrefix(runId = process.env.TEST_RUN_ID ?? 'adhoc'): string {
  return `pn_test_${runId}_`;
}

export function postgresBaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL?.trim();
  if (!url) throw new Error('TEST_DATABASE_URL is not set, but this test file runs in PostgreSQL mode');
  return url;
}

export async function withPostgres<T>(run: (client: pg.Client) => Promise<T>, baseUrl = postgresBaseUrl()): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(name: string, baseUrl = postgresBaseUrl()): Promise<void> {
  await withPostgres((client) => client.query(`drop schema if exists "${name}" cascade`), baseUrl);
}

/** A DATABASE_URL for a schema no one has used: the server's migrations create it. */
export function freshPostgresUrl(baseUrl = postgresBaseUrl()): { url: string; schema: string; cleanup: () => Promise<void> } {
  const schema = `${schemaPrefix()}${randomBytes(6).toString('hex')}`;
  const url = new URL(baseUrl);
  url.searchParams.set('schema', schema);
  return { url: url.toString(), schema, cleanup: () => dropSchema(schema, baseUrl) };
}
