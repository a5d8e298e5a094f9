// Setting the stage over HTTP before a measurement: Backend API users, ticket sign-ins, bounded parallelism.

/** Runs `task` over `items` with at most `limit` in flight; results keep the items' order. */
export async function inParallel(items, limit, task) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function expectJson(response, what) {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export function backendApi(baseUrl, secretKey) {
  const call = async (path, body) => expectJson(await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }), `POST ${path}`);
  return {
    createUser: (phoneNumbers) => call('/v1/users', { phone_number: phoneNumbers, first_name: 'Bench' }),
    signInToken: (userId) => call('/v1/sign_in_tokens', { user_id: userId }),
  };
}

/** Signs a user in the way a native app does and returns its client token (the Authorization header). */
export async function signIn(frontendUrl, backend, userId) {
  const { token } = await backend.signInToken(userId);
  const response = await fetch(`${frontendUrl}/v1/client/sign_ins?_is_native=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ strategy: 'ticket', ticket: token }).toString(),
  });
  await expectJson(response, 'ticket sign-in');
  const clientToken = response.headers.get('authorization');
  if (!clientToken) throw new Error('ticket sign-in answered without a client token');
  return clientToken;
}
