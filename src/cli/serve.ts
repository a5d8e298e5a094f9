import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import { configWarnings, loadConfig } from '../config.js';
import { startServer } from '../server.js';
import { ACCOUNT_PAGE_PATH, INBOX_PAGE_PATH, SIGN_IN_PAGE_PATH } from '../http/fapi/routes/pages.js';

// `phone-numbers serve`: both APIs and the outbox, with a start banner and graceful shutdown.

/**
 * Keeps V8's young generation at its starting size instead of letting it grow to 3 × 16 MB under
 * load. A request's garbage dies young, so a small nursery is collected as cheaply, and the peak RSS
 * of a loaded server drops by about 30 MB (BENCHMARKS.md, "Peak RSS"). Unlike the heap limits, this
 * flag still takes effect once the process runs. An operator's own NODE_OPTIONS setting wins.
 */
function keepYoungGenerationSmall(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  if (!/semi[-_]space/.test(given)) setFlagsFromString('--semi-space-growth-factor=1');
}

export function serveCommand(program: Command): void {
  program.command('serve')
    .description('run the Frontend API, the Backend API and the SMS outbox worker')
    .action(async () => {
      keepYoungGenerationSmall();
      const config = loadConfig();
      for (const warning of configWarnings(config)) console.warn(`Warning: ${warning}`);
      const server = await startServer(config);
      const { ctx } = server;
      const lines = [
        '',
        `  phone-numbers (${config.instanceType}, ${server.ctx.database.dialect})`,
        '',
        `  Frontend API     ${server.frontendApiUrl}`,
        `  Backend API      ${server.backendApiUrl}`,
        `  Publishable key  ${ctx.keys.publishableKey}`,
        // The secret key is printed only in development, where it was generated for this machine.
        config.instanceType === 'development' ? `  Secret key       ${ctx.keys.secretKey}` : '  Secret key       (from CLERK_SECRET_KEY)',
        // Every derived key (codes' HMAC, sealed SMS, signing key) comes from it: say where it lives.
        ...(config.secretKey === undefined ? ['                   (generated, kept in clear in the database: a copy of it is a copy of every key)'] : []),
        config.instanceType === 'development' ? `  Dev SMS inbox    ${server.backendApiUrl}/v1/dev/sms_messages` : '',
        '',
        `  Sign-in page     ${server.frontendApiUrl}${SIGN_IN_PAGE_PATH}`,
        `  Account page     ${server.frontendApiUrl}${ACCOUNT_PAGE_PATH}${config.instanceType === 'development' ? '  (or sign in as a demo user there)' : ''}`,
        config.instanceType === 'development' ? `  SMS inbox page   ${server.frontendApiUrl}${INBOX_PAGE_PATH}` : '',
        '',
        config.instanceType === 'development' ? `  In another shell:  export CLERK_SECRET_KEY=${ctx.keys.secretKey}` : '',
        '',
      ];
      process.stdout.write(`${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`);

      const shutdown = (signal: string) => {
        ctx.log.info({ signal }, 'shutting down');
        const forced = setTimeout(() => process.exit(1), 10_000);
        forced.unref();
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}
