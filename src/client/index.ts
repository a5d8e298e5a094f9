import { fillPath, readFapiJson, sendFapiRequest, type FapiRequest, type FormValue } from './http.js';
import { phoneNumberOperations, type OperationSpec } from './operations.js';
import { frontendApiUrlFromPublishableKey } from './publishable-key.js';
import type { ClientResource, DeletedObjectResource, PhoneNumberResource, SignInResource, SignUpResource } from './types.js';

// A typed fetch client for the Frontend API phone-numbers resource, for Node 20+ and browsers, with
// no runtime dependencies. It speaks to this service and to Clerk's own Frontend API alike.

export { ClerkApiError, type ClerkApiErrorEntry } from './errors.js';
export { frontendApiUrlFromPublishableKey } from './publishable-key.js';
export { phoneNumberOperations, type OperationSpec, type PhoneNumberOperationName, type HttpMethod } from './operations.js';
export type * from './types.js';

export interface PhoneNumbersClientOptions {
  /** Frontend API URL (http://localhost:4000), or a same-origin path prefix in browsers ('' or '/__clerk'). */
  baseUrl?: string;
  /** Used when baseUrl is not given: pk_test_/pk_live_ + base64("<host>$"). */
  publishableKey?: string;
  /** Native client token: sent as `Authorization: Bearer <token>` with `_is_native=1`. */
  token?: string;
  /** Sent as `_clerk_session_id`; without it the server acts through the client's last active session. */
  sessionId?: string;
  fetch?: typeof fetch;
  /** For browsers using the `__client` cookie; defaults to 'same-origin' when there is no token. */
  credentials?: RequestCredentials;
}

function isWrapped(body: unknown): body is { response: unknown; client: ClientResource | null } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'response' in body && 'client' in body;
}

export class PhoneNumbersClient {
  readonly baseUrl: string;
  token: string | undefined;
  sessionId: string | undefined;
  /** The piggy-backed `client` of the last wrapped response (null until one arrives, or when signed out). */
  lastClient: ClientResource | null = null;
  readonly #fetch: typeof fetch;
  readonly #credentials: RequestCredentials | undefined;

  constructor(options: PhoneNumbersClientOptions = {}) {
    let base = options.baseUrl;
    if (base === undefined) {
      if (!options.publishableKey) throw new Error('PhoneNumbersClient needs a baseUrl or a publishableKey');
      base = frontendApiUrlFromPublishableKey(options.publishableKey);
    }
    this.baseUrl = base.replace(/\/+$/, '');
    this.token = options.token;
    this.sessionId = options.sessionId;
    // Bound, because browsers refuse a fetch called as a method of another object.
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#credentials = options.credentials;
  }

  /** getPhoneNumbers: the signed-in user's numbers. */
  async list(): Promise<PhoneNumberResource[]> {
    return this.#call(phoneNumberOperations.list, {});
  }

  /** postPhoneNumbers: adds an unverified number (normalised to E.164 by the server). */
  async create(phoneNumber: string, options: { reservedForSecondFactor?: boolean } = {}): Promise<PhoneNumberResource> {
    return this.#call(phoneNumberOperations.create, {}, {
      phone_number: phoneNumber, reserved_for_second_factor: options.reservedForSecondFactor,
    });
  }

  /** ReadPhoneNumber */
  async get(id: string): Promise<PhoneNumberResource> {
    return this.#call(phoneNumberOperations.get, { phone_number_id: id });
  }

  /** UpdatePhoneNumber: reserve for two-factor sign-in, or make the default second factor. */
  async update(id: string, changes: { reservedForSecondFactor?: boolean; defaultSecondFactor?: boolean }): Promise<PhoneNumberResource> {
    return this.#call(phoneNumberOperations.update, { phone_number_id: id }, {
      reserved_for_second_factor: changes.reservedForSecondFactor, default_second_factor: changes.defaultSecondFactor,
    });
  }

  /** DeletePhoneNumber */
  async delete(id: string): Promise<DeletedObjectResource> {
    return this.#call(phoneNumberOperations.delete, { phone_number_id: id });
  }

  /** sendVerificationSMS: sends a one-time code to the number (strategy phone_code). */
  async prepareVerification(id: string): Promise<PhoneNumberResource> {
    return this.#call(phoneNumberOperations.prepareVerification, { phone_number_id: id }, { strategy: 'phone_code' });
  }

  /** verifyPhoneNumber: checks the code; resolves with the number, verification.status 'verified'. */
  async attemptVerification(id: string, code: string): Promise<PhoneNumberResource> {
    return this.#call(phoneNumberOperations.attemptVerification, { phone_number_id: id }, { code });
  }

  /**
   * Signs in with a sign-in token (from the Backend API's POST /v1/sign_in_tokens) as a native app, and
   * keeps the client token the server answers with, so later calls act as the new session's user.
   */
  async signInWithTicket(ticket: string): Promise<{ sessionId: string }> {
    const signIn = await this.#step<SignInResource>('/v1/client/sign_ins', { strategy: 'ticket', ticket });
    if (!signIn.created_session_id) throw new Error('The sign-in did not complete a session');
    return { sessionId: signIn.created_session_id };
  }

  /**
   * Starts signing in with a phone number (any format). With `sendCode` the first code is sent at
   * once; otherwise call prepareFirstFactor. Like every sign-in step, it runs as a native app and
   * keeps the client token the server answers with.
   */
  async createSignIn(identifier: string, options: { sendCode?: boolean } = {}): Promise<SignInResource> {
    return this.#step('/v1/client/sign_ins', { identifier, strategy: options.sendCode ? 'phone_code' : undefined });
  }

  async getSignIn(signInId: string): Promise<SignInResource> {
    return this.#step(fillPath('/v1/client/sign_ins/{id}', { id: signInId }, 'getSignIn'));
  }

  /** Sends the first-factor code, to the number named or else to the one the sign-in was created with. */
  async prepareFirstFactor(signInId: string, phoneNumberId?: string): Promise<SignInResource> {
    return this.#step(fillPath('/v1/client/sign_ins/{id}/prepare_first_factor', { id: signInId }, 'prepareFirstFactor'), { strategy: 'phone_code', phone_number_id: phoneNumberId });
  }

  /** Checks the first-factor code: status 'complete' (created_session_id set) or 'needs_second_factor'. */
  async attemptFirstFactor(signInId: string, code: string): Promise<SignInResource> {
    return this.#step(fillPath('/v1/client/sign_ins/{id}/attempt_first_factor', { id: signInId }, 'attemptFirstFactor'), { strategy: 'phone_code', code });
  }

  /** Sends the second-factor code, to the number named or else to the default second factor. */
  async prepareSecondFactor(signInId: string, phoneNumberId?: string): Promise<SignInResource> {
    return this.#step(fillPath('/v1/client/sign_ins/{id}/prepare_second_factor', { id: signInId }, 'prepareSecondFactor'), { strategy: 'phone_code', phone_number_id: phoneNumberId });
  }

  /** Checks the second factor: an SMS code, or one of the user's backup codes. */
  async attemptSecondFactor(signInId: string, code: string, strategy: 'phone_code' | 'backup_code' = 'phone_code'): Promise<SignInResource> {
    return this.#step(fillPath('/v1/client/sign_ins/{id}/attempt_second_factor', { id: signInId }, 'attemptSecondFactor'), { strategy, code });
  }

  /** Starts signing up with a phone number; prepareSignUpVerification then sends its code. */
  async createSignUp(phoneNumber: string): Promise<SignUpResource> {
    return this.#step('/v1/client/sign_ups', { phone_number: phoneNumber });
  }

  async prepareSignUpVerification(signUpId: string): Promise<SignUpResource> {
    return this.#step(fillPath('/v1/client/sign_ups/{id}/prepare_verification', { id: signUpId }, 'prepareSignUpVerification'), { strategy: 'phone_code' });
  }

  /** Checks the code: status 'complete', with created_user_id and created_session_id. */
  async attemptSignUpVerification(signUpId: string, code: string): Promise<SignUpResource> {
    return this.#step(fillPath('/v1/client/sign_ups/{id}/attempt_verification', { id: signUpId }, 'attemptSignUpVerification'), { strategy: 'phone_code', code });
  }

  /** The current client (its sessions and their users), or null when there is none. */
  async getClient(): Promise<ClientResource | null> {
    const response = await this.#send({ method: 'GET', path: '/v1/client' });
    const client = await this.#read<ClientResource | null>(response);
    this.lastClient = client;
    return client;
  }

  async #call<T>(operation: OperationSpec, pathParams: Record<string, string>, form?: Record<string, FormValue>): Promise<T> {
    const path = fillPath(operation.path, pathParams, operation.operationId);
    const response = await this.#send({ method: operation.method, path, form, query: { _clerk_session_id: this.sessionId } });
    return this.#read<T>(response);
  }

  /** A sign-in or sign-up step, as a native app: a client token the server makes is kept for every later call. */
  async #step<T>(path: string, form?: Record<string, FormValue>): Promise<T> {
    const response = await this.#send({ method: form ? 'POST' : 'GET', path, form, native: true });
    const issued = response.headers.get('authorization');
    if (issued) this.token = issued.replace(/^Bearer\s+/i, '');
    return this.#read<T>(response);
  }

  #send(request: FapiRequest): Promise<Response> {
    const credentials = this.#credentials ?? (this.token ? undefined : 'same-origin');
    return sendFapiRequest(this.#fetch, this.baseUrl, { ...request, token: this.token, credentials });
  }

  /** The resource of a 2xx answer, unwrapping `{response, client}` and keeping the client. */
  async #read<T>(response: Response): Promise<T> {
    const body = await readFapiJson(response);
    if (isWrapped(body)) {
      this.lastClient = body.client;
      return body.response as T;
    }
    return body as T;
  }
}
