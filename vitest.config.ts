import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { ClosingLineReporter, type SkippedCheck } from './test/helpers/summary-reporter.js';

// The suite runs twice in one `vitest run`: once on SQLite, and once on PostgreSQL when
// TEST_DATABASE_URL is set (each test server then gets a schema of its own there). The pure domain
// tests touch no database and run once; the two-instance tests need PostgreSQL and run only there.

const postgresUrl = process.env.TEST_DATABASE_URL?.trim();
// Names this run's schemas (pn_test_<runid>_...), so its teardown drops only what it made.
process.env.TEST_RUN_ID ??= `${Math.floor(Date.now() / 1000).toString(36)}_${randomBytes(3).toString('hex')}`;

// Clerk's OpenAPI file lives beside the clone (test/helpers/openapi.ts reads the same path).
const fapiSpec = new URL('../shared/clerk-openapi/fapi-2026-05-12.yml', import.meta.url);

const skippedChecks: SkippedCheck[] = [
  ...(postgresUrl ? [] : [{ name: 'PostgreSQL half', notice: '!!! PostgreSQL half SKIPPED: TEST_DATABASE_URL is not set (the suite ran on SQLite only)' }]),
  ...(process.getuid?.() === 0 ? [] : [{
    name: 'full-disk test',
    notice: '!!! Full-disk test SKIPPED: it mounts a 1 MiB tmpfs, which needs root (test/hardening/database-faults.test.ts; the SQLITE_FULL tests through max_page_count still ran)',
  }]),
  ...(existsSync(fapiSpec) ? [] : [{
    name: 'FAPI contract checks',
    notice: `!!! FAPI contract checks SKIPPED: ${fapiSpec.pathname} is missing (responses were NOT validated against Clerk's OpenAPI file)`,
  }]),
];

const everything = ['test/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', new ClosingLineReporter(skippedChecks)],
    // vitest's default on 2 cores is one file at a time; the files mostly wait on servers, child
    // processes and databases, and each uses its own database, ports and key prefix, so two overlap well.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: everything, exclude: ['test/multi-instance/two-instances.test.ts', 'test/webhooks/two-instances.test.ts'], env: { TEST_DB: 'sqlite' } },
      },
      ...(postgresUrl
        ? [{
          extends: true,
          test: {
            name: 'postgres',
            include: everything,
            // The README tour binds the default ports and the CLI tests bring their own SQLite file: once is enough.
            // These run once, in the SQLite half: the crash, leak and CLI tests read the SQLite file
            // itself, and the limiter-store tests already run against PostgreSQL and Redis directly.
            exclude: ['test/domain/**', 'test/readme/**', 'test/cli/**', 'test/build/**', 'test/sms/crash.test.ts', 'test/sms/leaks.test.ts',
              'test/webhooks/crash.test.ts', 'test/webhooks/config.test.ts', 'test/webhooks/cli.test.ts',
              'test/sms/cli.test.ts', 'test/abuse/stores.test.ts', 'test/hardening/start-errors.test.ts', 'test/hardening/database-faults.test.ts',
              // Clerk's components drive the same server code as the FAPI tests, which run on both: once is enough.
              'test/sdk/clerk-ui.test.ts'],
            env: { TEST_DB: 'postgres', TEST_DATABASE_URL: postgresUrl },
            globalSetup: ['test/helpers/postgres-global-setup.ts'],
          },
        }]
        : []),
    ],
  },
});
