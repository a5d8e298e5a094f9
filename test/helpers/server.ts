import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import type { Logger } from 'pino';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { freshPostgresUrl, testDatabaseMode } from './postgres.js';

// A real server for a test: both APIs on ephemeral ports, its own database, closed after.

export interface TestServer {
  server: RunningServer;
  fapiUrl: string;
  bapiUrl: string;
  secretKey: string;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * The one place tests get a database: a fresh SQLite file, or, when this file runs in the PostgreSQL
 * project (TEST_DB=postgres), a brand-new schema in TEST_DATABASE_URL. cleanup removes it.
 */
export function freshDatabaseUrl(): { url: string; cleanup: () => Promise<void> } {
  if (testDatabaseMode === 'postgres') return freshPostgresUrl();
  const dir = mkdtempSync(join(tmpdir(), 'phone-numbers-test-'));
  return { url: `sqlite:${join(dir, 'test.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Rate limits loose enough for suites that prepare the same number many times in a second; a test of
 * the limits themselves passes its own values. Production defaults stay as config.ts sets them.
 */
export const RELAXED_LIMITS_ENV: Record<string, string> = {
  SMS_RESEND_COOLDOWN_SECONDS: '0',
  SMS_MAX_PER_NUMBER_PER_HOUR: '10000',
  SMS_MAX_PER_NUMBER_PER_DAY: '100000',
  SMS_MAX_PER_USER_PER_HOUR: '10000',
  SMS_MAX_PER_IP_PER_HOUR: '1000000',
  ATTEMPTS_MAX_PER_IP_PER_HOUR: '1000000',
  NEW_NUMBERS_MAX_PER_USER_PER_DAY: '10000',
};

export interface TestServerOptions {
  /** A logger of the test's own (e.g. writing to a stream the test reads). */
  logger?: Logger;
}

export async function startTestServer(env: Record<string, string> = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const database = env.DATABASE_URL ? { url: env.DATABASE_URL, cleanup: async () => {} } : freshDatabaseUrl();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    BACKEND_PORT: '0',
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_MS: '50',
    ...RELAXED_LIMITS_ENV,
    // Counters of one server never meet another's, even in a Redis that outlives the run.
    RATE_LIMIT_KEY_PREFIX: `test_${randomBytes(6).toString('hex')}`,
    ...env,
    DATABASE_URL: database.url,
  });
  let server: RunningServer;
  try {
    server = await startServer(config, options);
  } catch (error) {
    await database.cleanup();
    throw error;
  }
  return {
    server,
    fapiUrl: server.frontendApiUrl,
    bapiUrl: server.backendApiUrl,
    secretKey: server.ctx.keys.secretKey,
    databaseUrl: database.url,
    async close() {
      await server.close();
      await database.cleanup();
    },
  };
}
