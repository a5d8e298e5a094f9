import { frontendApiUrlFromPublishableKey } from '../client/publishable-key.js';
import { fillPath, readFapiJson, sendFapiRequest, type FormValue } from '../client/http.js';
import { findOperation, type Capability, type CapabilityOperationEntry } from './loader.js';
import type { InputParameter } from './schema.js';

// Runs one operation of a capability file by name: inputs placed where the file says (path, query,
// form body), the answer mapped through the file's output parameters. Any base URL: ours or Clerk's.

export interface RunTarget {
  /** Overrides the file's baseUri. */
  baseUrl?: string | undefined;
  /** What the file's `CLERK_PUBLISHABLE_KEY` bind supplies when neither baseUrl nor baseUri is set. */
  publishableKey?: string | undefined;
  /** Native client token. */
  token?: string | undefined;
  fetch?: typeof fetch;
}

export interface RunResult {
  status: number;
  /** One entry per output parameter of the operation. */
  outputs: Record<string, unknown>;
}

/** The inputs do not fit the operation: caught before anything is sent. */
export class CapabilityInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CapabilityInputError';
  }
}

function resolveBaseUrl(entry: CapabilityOperationEntry, target: RunTarget): string {
  if (target.baseUrl) return target.baseUrl;
  if (entry.api.baseUri) return entry.api.baseUri;
  if (target.publishableKey) return frontendApiUrlFromPublishableKey(target.publishableKey);
  throw new CapabilityInputError(
    `${entry.api.namespace} has an empty baseUri: give a base URL (FAPI_URL) or a publishable key (CLERK_PUBLISHABLE_KEY)`);
}

function scalar(operation: string, input: InputParameter, value: unknown): string {
  const ok = input.type === 'string' ? typeof value === 'string'
    : input.type === 'boolean' ? typeof value === 'boolean'
      : input.type === 'integer' ? Number.isInteger(value)
        : input.type === 'number' ? typeof value === 'number' && Number.isFinite(value) : false;
  if (!ok) throw new CapabilityInputError(`${operation}: ${input.name} must be a ${input.type}`);
  return String(value);
}

/** A body object as form fields: scalars only, as Clerk's Frontend API takes them. */
function formFields(operation: string, input: InputParameter, value: unknown): Record<string, FormValue> {
  const body = typeof value === 'string' ? parseJsonObject(operation, input.name, value) : value;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CapabilityInputError(`${operation}: ${input.name} must be an object of form fields`);
  }
  const fields: Record<string, FormValue> = {};
  for (const [name, field] of Object.entries(body)) {
    if (field === undefined || field === null) continue;
    if (!['string', 'number', 'boolean'].includes(typeof field)) {
      throw new CapabilityInputError(`${operation}: ${input.name}.${name} must be a string, number or boolean`);
    }
    fields[name] = field as FormValue;
  }
  return fields;
}

function parseJsonObject(operation: string, name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CapabilityInputError(`${operation}: ${name} is not valid JSON`);
  }
}

/** `$.` is the whole answer; `$.a.b` walks into it. */
function selectJsonPath(document: unknown, expression: string): unknown {
  if (expression === '$.' || expression === '$') return document;
  let current = document;
  for (const key of expression.slice(2).split('.')) {
    current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

export async function runOperation(
  capability: Capability, name: string, inputs: Record<string, unknown>, target: RunTarget,
): Promise<RunResult> {
  const entry = findOperation(capability, name);
  if (!entry) {
    throw new CapabilityInputError(`no operation "${name}" in ${capability.source}; there are: ${capability.operations.map((o) => o.name).join(', ')}`);
  }
  const declared = entry.operation.inputParameters ?? [];
  const unknown = Object.keys(inputs).filter((key) => !declared.some((d) => d.name === key));
  if (unknown.length > 0) {
    throw new CapabilityInputError(`${name}: unknown input ${unknown.join(', ')}; it takes ${declared.map((d) => d.name).join(', ') || 'none'}`);
  }

  const pathValues: Record<string, string> = {};
  const query: Record<string, string> = {};
  let form: Record<string, FormValue> | undefined;
  for (const input of declared) {
    const value = inputs[input.name];
    if (value === undefined || value === null || value === '') {
      if (input.required) throw new CapabilityInputError(`${name}: ${input.name} is required`);
      continue;
    }
    if (input.in === 'body') form = formFields(name, input, value);
    else if (input.in === 'path') pathValues[input.name] = scalar(name, input, value);
    else query[input.name] = scalar(name, input, value);
  }

  const baseUrl = resolveBaseUrl(entry, target);
  const response = await sendFapiRequest(target.fetch ?? fetch, baseUrl, {
    method: entry.operation.method,
    path: fillPath(entry.resource.path, pathValues, name),
    query,
    form,
    token: target.token,
  }).catch((error: Error & { cause?: { code?: string } }) => {
    // fetch says only "fetch failed"; the cause (ECONNREFUSED, ENOTFOUND) is what a user can act on.
    throw new Error(`cannot reach ${baseUrl}: ${error.cause?.code ?? error.message}`);
  });
  const body = await readFapiJson(response);
  const outputs: Record<string, unknown> = {};
  for (const output of entry.operation.outputParameters ?? []) outputs[output.name] = selectJsonPath(body, output.value);
  return { status: response.status, outputs };
}
