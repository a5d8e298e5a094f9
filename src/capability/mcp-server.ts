import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z, type ZodTypeAny } from 'zod';
import { ClerkApiError } from '../client/errors.js';
import type { Capability, CapabilityOperationEntry } from './loader.js';
import { runOperation, type RunTarget } from './runner.js';
import type { InputParameter } from './schema.js';

// A capability file as MCP tools: one tool per operation, its input schema generated from the
// operation's inputParameters, each call run by the capability runner.

export interface CapabilityMcpOptions {
  name: string;
  version: string;
  /** Form fields each operation's body takes, by operation name: the file says only "object", agents need the names. */
  bodyFields?: Record<string, readonly string[] | null>;
}

const formValue = z.union([z.string(), z.number(), z.boolean()]);

function inputSchema(input: InputParameter, bodyFields: readonly string[] | null | undefined): ZodTypeAny {
  let schema: ZodTypeAny;
  switch (input.type) {
    case 'string': schema = z.string(); break;
    case 'integer': schema = z.number().int(); break;
    case 'number': schema = z.number(); break;
    case 'boolean': schema = z.boolean(); break;
    case 'array': schema = z.array(z.unknown()); break;
    case 'object': schema = z.record(z.string(), formValue); break;
  }
  const fields = input.in === 'body' && bodyFields?.length ? ` Form fields: ${bodyFields.join(', ')}.` : '';
  const description = `${input.description ?? input.name}${fields}`;
  return input.required ? schema.describe(description) : schema.optional().describe(description);
}

function describeOperation(entry: CapabilityOperationEntry): string {
  const { operation, resource } = entry;
  return `${operation.description ?? operation.name} (${operation.method} ${resource.path}). Answers JSON: ${
    (operation.outputParameters ?? []).map((o) => `${o.name} = ${o.value === '$.' ? 'the whole response' : o.value}`).join(', ') || 'nothing'}.`;
}

function failure(error: unknown): CallToolResult {
  // A ClerkApiError serialises as {status, errors, clerkTraceId}; bad inputs and unreachable servers as their message.
  const detail = error instanceof ClerkApiError ? error : { error: (error as Error).message };
  return { isError: true, content: [{ type: 'text', text: JSON.stringify(detail) }] };
}

export function capabilityMcpServer(capability: Capability, target: RunTarget, options: CapabilityMcpOptions): McpServer {
  const server = new McpServer({ name: options.name, version: options.version });
  for (const entry of capability.operations) {
    const shape: Record<string, ZodTypeAny> = {};
    for (const input of entry.operation.inputParameters ?? []) shape[input.name] = inputSchema(input, options.bodyFields?.[entry.name]);
    const method = entry.operation.method;
    server.registerTool(entry.name, {
      title: entry.operation.description ?? entry.name,
      description: describeOperation(entry),
      inputSchema: shape,
      annotations: { readOnlyHint: method === 'GET', destructiveHint: method === 'DELETE', idempotentHint: method !== 'POST', openWorldHint: true },
    }, async (args): Promise<CallToolResult> => {
      try {
        const { outputs } = await runOperation(capability, entry.name, args as Record<string, unknown>, target);
        return { content: [{ type: 'text', text: JSON.stringify(outputs) }] };
      } catch (error) {
        return failure(error);
      }
    });
  }
  return server;
}
