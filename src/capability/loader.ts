import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { ZodIssue } from 'zod';
import {
  capabilityFileSchema, type CapabilityFile, type CapabilityResource, type CapabilityOperation, type ConsumedApi,
} from './schema.js';

// Reads a capability file: YAML -> validated structure, or one error listing every problem with its
// line, column and field path, so a broken file can be fixed without guessing.

export const PHONE_NUMBERS_CAPABILITY_PATH = fileURLToPath(
  new URL('../../capabilities/clerk-frontend-api-phone-numbers.yaml', import.meta.url),
);

export interface CapabilityProblem {
  line: number;
  column: number;
  /** Where in the file, e.g. `capability.consumes[0].resources[2].operations[0].method`. */
  field: string;
  message: string;
}

export class CapabilityFileError extends Error {
  constructor(readonly source: string, readonly problems: CapabilityProblem[]) {
    super(`${source} is not a valid capability file:\n${problems
      .map((p) => `  ${source}:${p.line}:${p.column}: ${p.field}: ${p.message}`).join('\n')}`);
    this.name = 'CapabilityFileError';
  }
}

/** One operation with what it needs from its resource and consumed API. */
export interface CapabilityOperationEntry {
  name: string;
  operation: CapabilityOperation;
  resource: CapabilityResource;
  api: ConsumedApi;
}

export interface Capability {
  source: string;
  file: CapabilityFile;
  operations: CapabilityOperationEntry[];
}

type Path = (string | number)[];

function fieldName(path: Path): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${key}` : key), '') || '(file)';
}

/** The line and column of the deepest node along `path` that exists (a missing field points at its parent). */
function locate(doc: Document, lines: LineCounter, path: Path, key?: string): { line: number; column: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (!isNode(node) || !node.range) continue;
    let offset = node.range[0];
    if (key !== undefined && depth === path.length && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (isNode(pair?.key) && pair.key.range) offset = pair.key.range[0];
    }
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  }
  return { line: 1, column: 1 };
}

function issueProblems(doc: Document, lines: LineCounter, issue: ZodIssue): CapabilityProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      ...locate(doc, lines, issue.path, key), field: fieldName([...issue.path, key]), message: 'unknown field',
    }));
  }
  const missing = issue.code === 'invalid_type' && issue.received === 'undefined';
  return [{ ...locate(doc, lines, issue.path), field: fieldName(issue.path), message: missing ? 'missing' : issue.message }];
}

/** Rules that span fields: unique names, path placeholders matched by path parameters, form bodies. */
function crossFieldProblems(file: CapabilityFile): { path: Path; message: string }[] {
  const problems: { path: Path; message: string }[] = [];
  const seen = new Set<string>();
  file.capability.consumes.forEach((api, a) => api.resources.forEach((resource, r) => {
    const placeholders = [...resource.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    resource.operations.forEach((operation, o) => {
      const at: Path = ['capability', 'consumes', a, 'resources', r, 'operations', o];
      if (seen.has(operation.name)) problems.push({ path: [...at, 'name'], message: `operation "${operation.name}" is defined twice` });
      seen.add(operation.name);
      const inputs = operation.inputParameters ?? [];
      const names = new Set<string>();
      inputs.forEach((input, i) => {
        const here: Path = [...at, 'inputParameters', i];
        if (names.has(input.name)) problems.push({ path: [...here, 'name'], message: `input "${input.name}" is defined twice` });
        names.add(input.name);
        if (input.in === 'path' && !placeholders.includes(input.name)) {
          problems.push({ path: [...here, 'name'], message: `path parameter "${input.name}" does not appear in ${resource.path}` });
        }
        if (input.in === 'path' && input.required !== true) problems.push({ path: [...here, 'required'], message: 'a path parameter must be required: true' });
        if (input.in === 'body' && input.type !== 'object') problems.push({ path: [...here, 'type'], message: 'a body is sent as a form: expected type object' });
      });
      if (inputs.filter((i) => i.in === 'body').length > 1) problems.push({ path: [...at, 'inputParameters'], message: 'at most one body parameter' });
      for (const placeholder of placeholders) {
        if (!inputs.some((i) => i.in === 'path' && i.name === placeholder)) {
          problems.push({ path: [...at, 'inputParameters'], message: `{${placeholder}} in ${resource.path} has no "in: path" input parameter` });
        }
      }
    });
  }));
  return problems;
}

export function parseCapability(text: string, source = 'capability'): Capability {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new CapabilityFileError(source, doc.errors.map((error) => ({
      line: error.linePos?.[0].line ?? 1, column: error.linePos?.[0].col ?? 1, field: '(YAML syntax)', message: error.message.split('\n')[0]!,
    })));
  }
  const parsed = capabilityFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => issueProblems(doc, lines, issue));
    throw new CapabilityFileError(source, problems.sort((x, y) => x.line - y.line || x.column - y.column));
  }
  const crossField = crossFieldProblems(parsed.data);
  if (crossField.length > 0) {
    throw new CapabilityFileError(source, crossField.map(({ path, message }) => ({ ...locate(doc, lines, path), field: fieldName(path), message })));
  }
  const operations = parsed.data.capability.consumes.flatMap((api) => api.resources.flatMap((resource) =>
    resource.operations.map((operation) => ({ name: operation.name, operation, resource, api }))));
  return { source, file: parsed.data, operations };
}

export function loadCapability(path: string = PHONE_NUMBERS_CAPABILITY_PATH): Capability {
  return parseCapability(readFileSync(path, 'utf8'), path);
}

export function findOperation(capability: Capability, name: string): CapabilityOperationEntry | undefined {
  return capability.operations.find((entry) => entry.name === name);
}
