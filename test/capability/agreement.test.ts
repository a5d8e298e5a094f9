import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import { PhoneNumbersClient, phoneNumberOperations } from '../../src/client/index.js';
import { loadCapability } from '../../src/capability/loader.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addNumber, expectClerkError, fapi, newSignedInUser } from '../helpers/fapi.js';
import { FAPI_SPEC_PATH } from '../helpers/openapi.js';

// The server's routes, the typed client's methods and the capability file (and Clerk's OpenAPI file,
// when present) describe the same seven operations: methods, paths, path/query parameters, bodies.
// Adding an operation, a parameter or a body to one side only makes this test fail.

interface Operation {
  /** Absent for the server: its routes carry no names. */
  operationId?: string;
  method: string;
  path: string;
  pathParams: string[];
  /** Absent for the server: the router does not declare query parameters (they are probed below). */
  queryParams?: string[];
  /** Absent for the server (probed below). */
  hasBody?: boolean;
}

const PREFIX = '/v1/me/phone_numbers';
const key = (op: Operation) => `${op.method} ${op.path}`;
const placeholders = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

/** Every way the sides disagree, as readable lines; empty when they agree. */
function disagreements(sides: Record<string, Operation[]>): string[] {
  const problems: string[] = [];
  const names = Object.keys(sides);
  const all = new Set(names.flatMap((side) => sides[side]!.map(key)));
  for (const k of [...all].sort()) {
    const present = names.map((side) => [side, sides[side]!.filter((op) => key(op) === k)] as const);
    for (const [side, ops] of present) {
      if (ops.length === 0) problems.push(`${k}: missing from ${side}`);
      if (ops.length > 1) problems.push(`${k}: listed ${ops.length} times by ${side}`);
    }
    const found = present.flatMap(([side, ops]) => (ops[0] ? [[side, ops[0]] as const] : []));
    for (const field of ['operationId', 'pathParams', 'queryParams', 'hasBody'] as const) {
      const values = found.filter(([, op]) => op[field] !== undefined).map(([side, op]) => [side, JSON.stringify(op[field])] as const);
      if (new Set(values.map(([, v]) => v)).size > 1) problems.push(`${k}: ${field} differs: ${values.map(([s, v]) => `${s}=${v}`).join(' ')}`);
    }
  }
  return problems;
}

/** The Frontend API's routes, read from Fastify's route tree (each one then confirmed with hasRoute). */
function serverRoutes(app: FastifyInstance): Operation[] {
  const routes: Operation[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('').replace(/:(\w+)/g, '{$1}').replace(/\/$/, '');
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim()).filter((m) => m && m !== 'HEAD')) {
      expect(app.hasRoute({ method: method as 'GET', url: stack.join('') }), `${method} ${stack.join('')} from printRoutes`).toBe(true);
      if (path === PREFIX || path.startsWith(`${PREFIX}/`)) routes.push({ method, path, pathParams: placeholders(path) });
    }
  }
  return routes;
}

function clientOperations(): Operation[] {
  return Object.values(phoneNumberOperations).map((op) => ({
    operationId: op.operationId, method: op.method, path: op.path,
    pathParams: [...op.pathParams], queryParams: [...op.queryParams], hasBody: op.bodyFields !== null,
  }));
}

function capabilityOperations(): Operation[] {
  return loadCapability().operations.map(({ name, operation, resource }) => {
    const inputs = operation.inputParameters ?? [];
    return {
      operationId: name, method: operation.method, path: resource.path,
      pathParams: inputs.filter((i) => i.in === 'path').map((i) => i.name),
      queryParams: inputs.filter((i) => i.in === 'query').map((i) => i.name),
      hasBody: inputs.some((i) => i.in === 'body'),
    };
  });
}

type OpenApiOperation = Operation & { bodyProperties: string[]; bodyRequired: string[] };
interface OpenApiParameter { in: string; name: string }
interface OpenApiOp {
  operationId: string; parameters?: OpenApiParameter[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> };
}

function openApiOperations(): OpenApiOperation[] | null {
  if (!existsSync(FAPI_SPEC_PATH)) return null;
  const spec = parse(readFileSync(FAPI_SPEC_PATH, 'utf8')) as { paths: Record<string, Record<string, OpenApiOp>> };
  return Object.entries(spec.paths).filter(([path]) => path === PREFIX || path.startsWith(`${PREFIX}/`)).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const form = op.requestBody?.content['application/x-www-form-urlencoded']?.schema;
      return {
        operationId: op.operationId, method: method.toUpperCase(), path,
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        hasBody: op.requestBody !== undefined,
        bodyProperties: Object.keys(form?.properties ?? {}),
        bodyRequired: form?.required ?? [],
      };
    }));
}

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

describe('one list of seven operations', () => {
  it('the server, the client and the capability file agree on methods, paths and parameters', () => {
    const sides = { server: serverRoutes(t.server.fapi), client: clientOperations(), capability: capabilityOperations() };
    expect(sides.server).toHaveLength(7);
    expect(sides.client).toHaveLength(7);
    expect(sides.capability).toHaveLength(7);
    expect(disagreements(sides)).toEqual([]);
  });

  it('and all three agree with Clerk\'s OpenAPI file, body fields included', () => {
    const openApi = openApiOperations();
    if (!openApi) {
      console.warn(`!!! ${FAPI_SPEC_PATH} is missing: the comparison with Clerk's OpenAPI file is SKIPPED`);
      return;
    }
    expect(disagreements({ openApi, client: clientOperations(), capability: capabilityOperations() })).toEqual([]);
    for (const op of Object.values(phoneNumberOperations)) {
      const documented = openApi.find((o) => o.operationId === op.operationId)!;
      // The client sends only documented fields, and every field Clerk requires.
      for (const field of op.bodyFields ?? []) expect(documented.bodyProperties, `${op.operationId} sends ${field}`).toContain(field);
      for (const field of documented.bodyRequired) expect(op.bodyFields ?? [], `${op.operationId} needs ${field}`).toContain(field);
    }
  });

  it('every method of the client that calls an operation is in the table the agreement reads', () => {
    const methods = Object.getOwnPropertyNames(PhoneNumbersClient.prototype)
      .filter((name) => name !== 'constructor' && typeof (PhoneNumbersClient.prototype as unknown as Record<string, unknown>)[name] === 'function');
    // Signing in and up is not part of the phone-numbers capability: those methods call the sign-in resources.
    const helpers = ['signInWithTicket', 'getClient', 'createSignIn', 'getSignIn', 'prepareFirstFactor', 'attemptFirstFactor',
      'prepareSecondFactor', 'attemptSecondFactor', 'createSignUp', 'prepareSignUpVerification', 'attemptSignUpVerification'];
    expect(methods.filter((m) => !helpers.includes(m)).sort()).toEqual(Object.keys(phoneNumberOperations).sort());
  });

  it('fails when any one side gains an operation, a parameter or a body', () => {
    const sides = { server: serverRoutes(t.server.fapi), client: clientOperations(), capability: capabilityOperations() };
    const extra: Operation = { operationId: 'makeDefault', method: 'POST', path: `${PREFIX}/{phone_number_id}/make_default`, pathParams: ['phone_number_id'], queryParams: ['_clerk_session_id'], hasBody: false };
    for (const side of ['server', 'client', 'capability'] as const) {
      expect(disagreements({ ...sides, [side]: [...sides[side], extra] })).toEqual(
        (['server', 'client', 'capability'] as const).filter((s) => s !== side).map((s) => `POST ${extra.path}: missing from ${s}`));
    }
    const capability = sides.capability.map((op) => (op.operationId === 'ReadPhoneNumber' ? { ...op, queryParams: [...op.queryParams!, 'expand'] } : op));
    expect(disagreements({ ...sides, capability })).toEqual([
      `GET ${PREFIX}/{phone_number_id}: queryParams differs: client=["_clerk_session_id"] capability=["_clerk_session_id","expand"]`,
    ]);
    const client = sides.client.map((op) => (op.operationId === 'DeletePhoneNumber' ? { ...op, hasBody: true } : op));
    expect(disagreements({ ...sides, client })).toEqual([`DELETE ${PREFIX}/{phone_number_id}: hasBody differs: client=true capability=false`]);
  });
});

describe('what the router does not declare, the server shows by answering', () => {
  // A value for each form field the client sends, valid enough to get past the field's own checks.
  const sample: Record<string, string> = {
    phone_number: '+12015550150', reserved_for_second_factor: 'false', default_second_factor: 'false', strategy: 'phone_code', code: '000000',
  };

  it('every operation reads _clerk_session_id: an unknown session is signed_out', async () => {
    const { token } = await newSignedInUser(t);
    const id = await addNumber(t, token, '+12015550151');
    for (const op of Object.values(phoneNumberOperations)) {
      const form = op.bodyFields ? Object.fromEntries(op.bodyFields.map((f) => [f, sample[f]!])) : undefined;
      const reply = await fapi(t, op.method, op.path.replace('{phone_number_id}', id), { token, form, query: { _clerk_session_id: 'sess_not_this_one' }, validate: false });
      expectClerkError(reply, 401, 'signed_out');
    }
    // The number is still there: none of the refused calls acted.
    expect((await fapi(t, 'GET', `${PREFIX}/${id}`, { token })).status).toBe(200);
  });

  it('every body field the client sends is one the server takes', async () => {
    const { token } = await newSignedInUser(t);
    const id = await addNumber(t, token, '+12015550152');
    for (const op of Object.values(phoneNumberOperations)) {
      if (!op.bodyFields) continue;
      // The server refuses the first unknown field by name; the client's fields come first, so only the probe may be named.
      const form = { ...Object.fromEntries(op.bodyFields.map((f) => [f, sample[f]!])), zz_agreement_probe: '1' };
      const reply = await fapi(t, op.method, op.path.replace('{phone_number_id}', id), { token, form, validate: false });
      expectClerkError(reply, 422, 'form_param_unknown', 'zz_agreement_probe');
    }
  });
});
