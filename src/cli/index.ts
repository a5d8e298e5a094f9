#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError, ConfigErrors } from '../config.js';

// `phone-numbers`: run the server and act on its data from the shell. Each command group is
// imported only when asked for, so `call` and `mcp` start without loading the server stack.

type Register = (program: Command) => void;

const groups: { names: string[]; load: () => Promise<Register> }[] = [
  { names: ['serve'], load: async () => (await import('./serve.js')).serveCommand },
  { names: ['migrate', 'users', 'sign-in-token'], load: async () => (await import('./admin.js')).adminCommands },
  { names: ['doctor'], load: async () => (await import('./doctor.js')).doctorCommand },
  { names: ['backup', 'restore'], load: async () => (await import('./backup.js')).backupCommands },
  { names: ['sms'], load: async () => (await import('./sms.js')).smsCommands },
  { names: ['webhooks'], load: async () => (await import('./webhooks.js')).webhookCommands },
  { names: ['call', 'sign-in'], load: async () => (await import('./call.js')).callCommands },
  { names: ['mcp'], load: async () => (await import('./mcp.js')).mcpCommand },
];

/** Same two levels below the package root from src/cli and dist/cli. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function main(givenArgv: string[]): Promise<void> {
  const program = new Command('phone-numbers')
    .description('Self-hosted, Clerk-compatible phone-number service')
    .version(packageVersion())
    .showHelpAfterError();
  // No command means serve. serve is not commander's default command: a default one swallows
  // typos (`user create` became "too many arguments for 'serve'") instead of suggesting `users`.
  const argv = givenArgv.length <= 2 ? [...givenArgv, 'serve'] : givenArgv;
  const asked = argv[2];
  const wanted = groups.filter((g) => g.names.includes(asked!));
  // Help, or an unknown command: register everything so commander can list or suggest.
  for (const group of wanted.length > 0 ? wanted : groups) (await group.load())(program);
  await program.parseAsync(argv);
}

main(process.argv).catch((error: unknown) => {
  // Each bad setting is one clear line naming the variable; anything else keeps its message only.
  if (error instanceof ConfigErrors) for (const problem of error.problems) console.error(`Configuration error: ${problem.message}`);
  else if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
  else console.error(`phone-numbers: ${describe(error as Error & { code?: unknown })}`);
  process.exit(1);
});

/** The message, and the driver's error code when the message does not say it (SQLite's busy kinds share one message). */
function describe(error: Error & { code?: unknown }): string {
  const code = typeof error.code === 'string' && !error.message.includes(error.code) ? ` (${error.code})` : '';
  return `${error.message}${code}`;
}
