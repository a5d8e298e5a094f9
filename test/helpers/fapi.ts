import { expect } from 'vitest';
import type { TestServer } from './server.js';
import { fapiContract } from './openapi.js';

// HTTP helpers for tests: a Frontend API caller that checks every response against Clerk's
// contract, a Backend API caller, and the usual set-up steps (user, sign-in, read the code).

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface FapiRequest {
  token?: string | undefined;
  form?: Record<string, string> | undefined;
  json?: unknown;
  rawBody?: string | undefined;
  contentType?: string | undefined;
  query?: Record<string, string> | undefined;
  headers?: Record<string, string> | undefined;
  /** Set false for non-FAPI paths or deliberately undocumented answers. */
  validate?: boolean;
}

export let contractChecks = 0;

export async function fapi<T = any>(t: TestServer, method: string, path: string, options: FapiRequest = {}): Promise<Reply<T>> {
  const url = new URL(path, t.fapiUrl);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.form) {
    body = new URLSearchParams(options.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  } else if (options.rawBody !== undefined) {
    body = options.rawBody;
  }
  if (options.contentType) headers['content-type'] = options.contentType;
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new Error(`${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  expect(response.status, `${method} ${path}: ${text.slice(0, 300)}`).toBeLessThan(500);
  const contract = fapiContract();
  if (contract && options.validate !== false) {
    const effective = (url.searchParams.get('_method') ?? method).toUpperCase();
    contract.check(effective, url.pathname, response.status, parsed);
    contractChecks++;
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export async function bapi<T = any>(t: TestServer, method: string, path: string, json?: unknown, secretKey = t.secretKey): Promise<Reply<T>> {
  const response = await fetch(new URL(path, t.bapiUrl), {
    method,
    headers: { authorization: `Bearer ${secretKey}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await response.text();
  expect(response.status, `${method} ${path}: ${text.slice(0, 300)}`).toBeLessThan(500);
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export function expectClerkError(reply: Reply, status: number, code: string, paramName?: string): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.body.errors[0].code).toBe(code);
  expect(typeof reply.body.clerk_trace_id).toBe('string');
  if (paramName) expect(reply.body.errors[0].meta?.param_name).toBe(paramName);
}

export async function createUser(t: TestServer, phoneNumbers: string[] = []): Promise<string> {
  const reply = await bapi(t, 'POST', '/v1/users', phoneNumbers.length ? { phone_number: phoneNumbers } : {});
  expect(reply.status).toBe(200);
  return reply.body.id;
}

/** Ticket sign-in as a native app: returns the client token from the Authorization response header. */
export async function signIn(t: TestServer, userId: string, existingToken?: string): Promise<{ token: string; sessionId: string }> {
  const ticket = await bapi(t, 'POST', '/v1/sign_in_tokens', { user_id: userId });
  expect(ticket.status).toBe(200);
  const reply = await fapi(t, 'POST', '/v1/client/sign_ins', {
    query: { _is_native: '1' }, form: { strategy: 'ticket', ticket: ticket.body.token }, token: existingToken,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  const token = existingToken ?? reply.headers.get('authorization');
  expect(token).toBeTruthy();
  return { token: token!, sessionId: reply.body.response.created_session_id };
}

export async function newSignedInUser(t: TestServer): Promise<{ userId: string; token: string; sessionId: string }> {
  const userId = await createUser(t);
  return { userId, ...(await signIn(t, userId)) };
}

/**
 * The newest code the dev inbox holds for a number, waiting for the outbox to deliver it: up to ten
 * seconds, since a loaded machine can hold the outbox's poll back for more than a second or two.
 */
export async function readCode(t: TestServer, phone: string, notBefore = 0): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const reply = await bapi(t, 'GET', `/v1/dev/sms_messages?phone_number=${encodeURIComponent(phone)}`);
    const message = reply.body.find((m: { status: string; created_at: number }) => m.status === 'sent' && m.created_at >= notBefore);
    if (message) return /#(\d{6})\s*$/.exec(message.body)![1]!;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no SMS reached the dev inbox for ${phone}`);
}

export async function addNumber(t: TestServer, token: string, phone: string): Promise<string> {
  const reply = await fapi(t, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: phone } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.response.id;
}

export async function addVerifiedNumber(t: TestServer, token: string, phone: string): Promise<string> {
  const id = await addNumber(t, token, phone);
  const prepared = await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
  expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
  const code = await readCode(t, phone);
  const verified = await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  return id;
}
