import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { newSignedInUser } from '../helpers/fapi.js';

// The host configuration the docs print: `mcp --print-config` output, started exactly as a host would start it.

const run = promisify(execFile);
const CLI = join(process.cwd(), 'dist/cli/index.js');

interface HostEntry { command: string; args: string[]; env: Record<string, string> }

let t: TestServer;
let token: string;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli/index.js is missing: `npm test` builds it first (npm run build)');
  t = await startTestServer();
  ({ token } = await newSignedInUser(t));
});
afterAll(async () => { await t.close(); });

async function printedEntry(): Promise<HostEntry> {
  const { stdout } = await run(process.execPath, [CLI, 'mcp', '--print-config'], {
    env: { PATH: process.env.PATH, FAPI_URL: t.fapiUrl, CLERK_CLIENT_TOKEN: token }, timeout: 20_000,
  });
  const printed = JSON.parse(stdout) as { mcpServers: Record<string, HostEntry> };
  expect(Object.keys(printed.mcpServers)).toEqual(['phone-numbers']);
  return printed.mcpServers['phone-numbers']!;
}

/** The `mcpServers` snippet of the README. */
function documentedEntry(): HostEntry {
  const source = ['README.md'].map((f) => join(process.cwd(), f))
    .filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8')).find((text) => text.includes('"mcpServers"'));
  expect(source, 'a README section with an mcpServers snippet').toBeDefined();
  const block = /```json\n(\{\s*"mcpServers"[\s\S]*?)```/.exec(source!)![1]!;
  return (JSON.parse(block) as { mcpServers: Record<string, HostEntry> }).mcpServers['phone-numbers']!;
}

describe('the MCP host configuration', { timeout: 90_000 }, () => {
  it('printed by `mcp --print-config`, works as printed', async () => {
    const entry = await printedEntry();
    expect(entry.command).toBe(process.execPath);
    expect(entry.args).toEqual([CLI, 'mcp']);
    expect(entry.env).toEqual({ FAPI_URL: t.fapiUrl, CLERK_CLIENT_TOKEN: token });

    const client = new Client({ name: 'host', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, env: entry.env }));
    try {
      expect((await client.listTools()).tools).toHaveLength(7);
      const listed = (await client.callTool({ name: 'getPhoneNumbers', arguments: {} })) as CallToolResult;
      expect(listed.isError).toBeFalsy();
      expect(JSON.parse((listed.content[0] as { text: string }).text)).toEqual({ result: [] });
    } finally {
      await client.close();
    }
  });

  it('in the docs, has the shape the command prints: only the paths and the token are yours', async () => {
    const printed = await printedEntry();
    const documented = documentedEntry();
    expect(Object.keys(documented).sort()).toEqual(Object.keys(printed).sort());
    expect(documented.command).toMatch(/\/node$/);
    expect(documented.args).toHaveLength(printed.args.length);
    expect(documented.args[0]).toMatch(/\/dist\/cli\/index\.js$/);
    expect(documented.args.slice(1)).toEqual(printed.args.slice(1));
    expect(Object.keys(documented.env).sort()).toEqual(Object.keys(printed.env).sort());
    expect(documented.env.FAPI_URL).toBe('http://localhost:4000');
  });
});
