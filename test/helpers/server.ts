import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';

// A real server for a test: both APIs on ephemeral ports, its own database, closed after.

export interface TestServer {
  server: RunningServer;
  fapiUrl: string;
  bapiUrl: string;
  secretKey: string;
  databaseUrl: string;
  close(): Promise<void>;
}

/** A fresh SQLite file per server; TEST_DB_URL_FACTORY (set by the PostgreSQL run) may supply another database. */
export function freshDatabaseUrl(): { url: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'phone-numbers-test-'));
  return { url: `sqlite:${join(dir, 'test.db')}`, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = env.DATABASE_URL ? { url: env.DATABASE_URL, cleanup: () => {} } : freshDatabaseUrl();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    BACKEND_PORT: '0',
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_MS: '50',
    ...env,
    DATABASE_URL: database.url,
  });
  const server = await startServer(config);
  return {
    server,
    fapiUrl: server.frontendApiUrl,
    bapiUrl: server.backendApiUrl,
    secretKey: server.ctx.keys.secretKey,
    databaseUrl: database.url,
    async close() {
      await server.close();
      database.cleanup();
    },
  };
}
