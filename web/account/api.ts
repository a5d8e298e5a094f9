import { PhoneNumbersClient } from '../../src/client/index.js';
import { readFapiJson } from '../../src/client/http.js';

// The page's only way to the server: the typed client on this same origin, authenticated by the
// HttpOnly __client cookie; plus the two calls the phone-numbers client does not cover.

export const client = new PhoneNumbersClient({ baseUrl: '', credentials: 'same-origin' });

async function post(path: string): Promise<unknown> {
  const response = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } });
  return readFapiJson(response);
}

/** Development only: the server makes a demo user and signs this browser in with a sign-in token. */
export async function signInAsDemoUser(): Promise<void> {
  await post('/v1/dev/demo_sign_in');
}

export async function signOut(sessionId: string): Promise<void> {
  await post(`/v1/client/sessions/${encodeURIComponent(sessionId)}/end`);
}
