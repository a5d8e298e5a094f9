import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { newSignedInUser } from '../helpers/fapi.js';

// `phone-numbers mcp` driven by the MCP SDK's own client over stdio, as an MCP host would run it.

const CLI = join(process.cwd(), 'dist/cli/index.js');
const OPERATIONS = ['getPhoneNumbers', 'postPhoneNumbers', 'verifyPhoneNumber', 'sendVerificationSMS', 'ReadPhoneNumber', 'UpdatePhoneNumber', 'DeletePhoneNumber'];

let t: TestServer;
let client: Client;
let stderr = '';

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli/index.js is missing: `npm test` builds it first (npm run build)');
  t = await startTestServer();
  const { token } = await newSignedInUser(t);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp'],
    env: { FAPI_URL: t.fapiUrl, CLERK_CLIENT_TOKEN: token },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  client = new Client({ name: 'phone-numbers-test', version: '1.0.0' });
  await client.connect(transport);
});
afterAll(async () => {
  await client?.close();
  await t?.close();
});

async function call(name: string, args: Record<string, unknown>): Promise<{ isError: boolean; json: any }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.content).toHaveLength(1);
  const [content] = result.content;
  expect(content?.type).toBe('text');
  return { isError: result.isError === true, json: JSON.parse((content as { text: string }).text) };
}

describe('phone-numbers mcp', () => {
  it('names itself and lists the seven operations as tools, schemas from the capability file', async () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'phone-numbers', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...OPERATIONS].sort());

    const create = tools.find((tool) => tool.name === 'postPhoneNumbers')!;
    expect(create.description).toContain('Create Phone Number (POST /v1/me/phone_numbers)');
    expect(create.inputSchema.required).toEqual(['body']);
    const properties = create.inputSchema.properties as Record<string, { type: string; description: string }>;
    expect(Object.keys(properties).sort()).toEqual(['_clerk_session_id', 'body']);
    expect(properties._clerk_session_id).toMatchObject({ type: 'string', description: 'The session_id associated with the requesting user.' });
    expect(properties.body).toMatchObject({ type: 'object', description: 'Request body (JSON). Form fields: phone_number, reserved_for_second_factor.' });

    const read = tools.find((tool) => tool.name === 'ReadPhoneNumber')!;
    expect(read.inputSchema.required).toEqual(['phone_number_id']);
    expect(read.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(tools.find((tool) => tool.name === 'DeletePhoneNumber')!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
  });

  it('adds, verifies (test-mode code) and deletes a number end to end', async () => {
    const created = await call('postPhoneNumbers', { body: { phone_number: '+12015550190' } });
    expect(created.isError).toBe(false);
    const id = created.json.result.response.id as string;
    expect(created.json.result.response).toMatchObject({ phone_number: '+12015550190', verification: null });

    const prepared = await call('sendVerificationSMS', { phone_number_id: id, body: { strategy: 'phone_code' } });
    expect(prepared.json.result.response.verification).toMatchObject({ status: 'unverified', strategy: 'phone_code' });

    const verified = await call('verifyPhoneNumber', { phone_number_id: id, body: { code: '424242' } });
    expect(verified.isError).toBe(false);
    expect(verified.json.result.response.verification.status).toBe('verified');
    expect(verified.json.result.client.sessions[0].user.primary_phone_number_id).toBe(id);

    expect((await call('getPhoneNumbers', {})).json.result.map((n: { id: string }) => n.id)).toEqual([id]);
    const deleted = await call('DeletePhoneNumber', { phone_number_id: id });
    expect(deleted.json.result.response).toEqual({ object: 'phone_number', id, deleted: true });
    expect((await call('getPhoneNumbers', {})).json.result).toEqual([]);
  });

  it('a Clerk error is an isError result carrying the status and Clerk\'s errors', async () => {
    const missing = await call('ReadPhoneNumber', { phone_number_id: 'idn_missing' });
    expect(missing.isError).toBe(true);
    expect(missing.json).toMatchObject({ status: 404, errors: [{ code: 'resource_not_found', longMessage: expect.any(String) }] });

    const wrongCode = await call('postPhoneNumbers', { body: { phone_number: 'not a number' } });
    expect(wrongCode.json).toMatchObject({ status: 422, errors: [{ code: 'form_param_format_invalid', meta: { paramName: 'phone_number' } }] });
  });

  it('arguments outside the generated schema are refused without a request', async () => {
    const result = (await client.callTool({ name: 'ReadPhoneNumber', arguments: {} })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('phone_number_id');
    expect(stderr).toBe('');
  });
});
