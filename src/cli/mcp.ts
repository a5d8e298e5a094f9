import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadClientConfig, type ClientConfig } from '../config.js';
import { phoneNumberOperations } from '../client/operations.js';
import { loadCapability, PHONE_NUMBERS_CAPABILITY_PATH } from '../capability/loader.js';
import { print } from './output.js';

// `phone-numbers mcp`: the capability file's operations as MCP tools over stdio, acting as
// CLERK_CLIENT_TOKEN against FAPI_URL or CLERK_PUBLISHABLE_KEY. stdout is the protocol: nothing else is printed there.

// dist/cli and src/cli both sit two levels below the package root.
const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** An `mcpServers` entry for this install: absolute paths, so a host started from anywhere finds it. */
function hostConfiguration(config: ClientConfig, capabilityPath: string): unknown {
  const env: Record<string, string> = {};
  if (config.baseUrl) env.FAPI_URL = config.baseUrl;
  else if (config.publishableKey) env.CLERK_PUBLISHABLE_KEY = config.publishableKey;
  env.CLERK_CLIENT_TOKEN = config.token ?? '<client token from `phone-numbers sign-in`>';
  const args = [fileURLToPath(new URL('./index.js', import.meta.url)), 'mcp'];
  if (capabilityPath !== PHONE_NUMBERS_CAPABILITY_PATH) args.push('--capability', capabilityPath);
  return { mcpServers: { 'phone-numbers': { command: process.execPath, args, env } } };
}

export function mcpCommand(program: Command): void {
  program.command('mcp')
    .description('serve the capability file\'s operations as MCP tools over stdio (FAPI_URL or CLERK_PUBLISHABLE_KEY, and CLERK_CLIENT_TOKEN)')
    .option('--capability <file>', 'the capability file', PHONE_NUMBERS_CAPABILITY_PATH)
    .option('--print-config', 'print the mcpServers JSON an MCP host needs to start this server with these settings, and exit')
    .action(async (options: { capability: string; printConfig?: boolean }) => {
      const capability = loadCapability(options.capability);
      const target = loadClientConfig();
      if (options.printConfig) {
        print(hostConfiguration(target, options.capability));
        return;
      }
      if (!target.token) process.stderr.write('phone-numbers mcp: CLERK_CLIENT_TOKEN is not set; every /v1/me call will answer signed_out\n');
      // The file says only that a body is an object; the typed client knows each one's form fields.
      const bodyFields = Object.fromEntries(Object.values(phoneNumberOperations).map((o) => [o.operationId, o.bodyFields]));
      // Loaded here, not at the top: `mcp --print-config` and `--help` load this file too, and the
      // MCP SDK alone is ~16 MB of resident memory that only the running server needs.
      const [{ StdioServerTransport }, { capabilityMcpServer }] = await Promise.all([
        import('@modelcontextprotocol/sdk/server/stdio.js'), import('../capability/mcp-server.js'),
      ]);
      const server = capabilityMcpServer(capability, target, { name: 'phone-numbers', version: VERSION, bodyFields });
      await server.connect(new StdioServerTransport());
    });
}
