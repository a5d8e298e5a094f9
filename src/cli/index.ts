#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { serveCommand } from './serve.js';
import { adminCommands } from './admin.js';
import { smsCommands } from './sms.js';
import { callCommands } from './call.js';
import { mcpCommand } from './mcp.js';

// `phone-numbers`: run the server and act on its data from the shell.

const program = new Command('phone-numbers')
  .description('Self-hosted, Clerk-compatible phone-number service')
  .showHelpAfterError();

serveCommand(program);
adminCommands(program);
smsCommands(program);
callCommands(program);
mcpCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  // A bad setting is one clear line naming the variable; anything else keeps its message only.
  if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
  else console.error(`phone-numbers: ${(error as Error).message}`);
  process.exit(1);
});

export { loadConfig };
