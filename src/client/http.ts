import { clerkApiErrorFrom } from './errors.js';

// One Frontend API request on the wire, as Clerk's SDKs send it: form bodies, the native client
// token in Authorization with _is_native=1. Shared by the typed client and the capability runner.

export type FormValue = string | number | boolean | undefined;

export interface FapiRequest {
  method: string;
  /** Already filled in: `/v1/me/phone_numbers/idn_...`. */
  path: string;
  query?: Record<string, string | undefined>;
  form?: Record<string, FormValue>;
  token?: string | undefined;
  /** Ask for the client token in the Authorization response header even without sending one. */
  native?: boolean;
  credentials?: RequestCredentials | undefined;
}

/** `baseUrl` may be absolute or a same-origin prefix such as '' or '/__clerk'. */
export function sendFapiRequest(fetchFn: typeof fetch, baseUrl: string, request: FapiRequest): Promise<Response> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) query.set(name, value);
  if (request.token || request.native) query.set('_is_native', '1');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  const init: RequestInit = { method: request.method, headers };
  if (request.form !== undefined) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(request.form)) if (value !== undefined) form.set(name, String(value));
    init.body = form.toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (request.credentials) init.credentials = request.credentials;
  const search = query.toString();
  return fetchFn(`${baseUrl.replace(/\/+$/, '')}${request.path}${search ? `?${search}` : ''}`, init);
}

/** The JSON of a 2xx answer; any other answer rejects with a ClerkApiError. */
export async function readFapiJson(response: Response): Promise<unknown> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = undefined;
  }
  if (!response.ok || body === undefined) throw clerkApiErrorFrom(response.status, body, response.headers.get('retry-after'));
  return body;
}

/** Fills `{name}` placeholders of a path template, each value URL-encoded. */
export function fillPath(template: string, values: Record<string, string | undefined>, what: string): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined || value === '') throw new Error(`${what}: ${name} is required`);
    return encodeURIComponent(value);
  });
}
