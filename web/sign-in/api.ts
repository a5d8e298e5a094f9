import { PhoneNumbersClient, type SignInResource, type SignUpResource } from '../../src/client/index.js';
import { fillPath, readFapiJson, sendFapiRequest, type FormValue } from '../../src/client/http.js';

// The sign-in page's calls: each sign-in and sign-up step as a browser makes it, on this same
// origin with the HttpOnly __client cookie (the typed client's steps run as a native app instead,
// which would hand the new client's token to script rather than to the cookie).

const client = new PhoneNumbersClient({ baseUrl: '', credentials: 'same-origin' });

async function step<T>(template: string, id: string | undefined, form: Record<string, FormValue>): Promise<T> {
  const path = id === undefined ? template : fillPath(template, { id }, template);
  const response = await sendFapiRequest(fetch.bind(globalThis), '', { method: 'POST', path, form, credentials: 'same-origin' });
  return ((await readFapiJson(response)) as { response: T }).response;
}

/** The session this browser is signed in with, if any. */
export async function activeSessionId(): Promise<string | null> {
  const c = await client.getClient();
  return c?.sessions.find((s) => s.id === c.last_active_session_id && s.status === 'active')?.id ?? null;
}

export const signIns = {
  create: (identifier: string) => step<SignInResource>('/v1/client/sign_ins', undefined, { identifier }),
  prepareFirst: (id: string, phoneNumberId: string | undefined) =>
    step<SignInResource>('/v1/client/sign_ins/{id}/prepare_first_factor', id, { strategy: 'phone_code', phone_number_id: phoneNumberId }),
  attemptFirst: (id: string, code: string) =>
    step<SignInResource>('/v1/client/sign_ins/{id}/attempt_first_factor', id, { strategy: 'phone_code', code }),
  prepareSecond: (id: string, phoneNumberId: string | undefined) =>
    step<SignInResource>('/v1/client/sign_ins/{id}/prepare_second_factor', id, { strategy: 'phone_code', phone_number_id: phoneNumberId }),
  attemptSecond: (id: string, strategy: 'phone_code' | 'backup_code', code: string) =>
    step<SignInResource>('/v1/client/sign_ins/{id}/attempt_second_factor', id, { strategy, code }),
};

export const signUps = {
  create: (phoneNumber: string) => step<SignUpResource>('/v1/client/sign_ups', undefined, { phone_number: phoneNumber }),
  prepare: (id: string) => step<SignUpResource>('/v1/client/sign_ups/{id}/prepare_verification', id, { strategy: 'phone_code' }),
  attempt: (id: string, code: string) => step<SignUpResource>('/v1/client/sign_ups/{id}/attempt_verification', id, { strategy: 'phone_code', code }),
};
