import type { AppContext } from '../../context.js';
import { findUsers } from '../../store/users.js';
import { listPhoneNumbers } from '../../store/phone-numbers.js';
import type { ClientRow, PhoneNumberRow, SessionRow } from '../../store/schema.js';
import { findSignIn } from '../../store/sign-ins.js';
import { findSignUp } from '../../store/sign-ups.js';
import { isAbandoned, loadSignInAttempt, type SignInAttempt } from '../../operations/sign-ins.js';
import { loadSignUpAttempt, type SignUpAttempt } from '../../operations/sign-ups.js';
import { clientJson, type ClientJson, type ClientView } from '../json/client.js';
import type { Caller, SignedIn } from './auth.js';
import { errors } from '../../domain/errors.js';
import { phoneNumberJson, type PhoneNumberJson } from '../json/phone-number.js';

// Builds the piggy-backed Client object: two queries (users, then their phone numbers) on top of
// what authentication already loaded, however many sessions and numbers there are.

export async function loadClientView(ctx: AppContext, caller: Caller, extraSessions: SessionRow[] = []): Promise<ClientView> {
  const db = ctx.database.db;
  const userIds = [...new Set([...caller.sessions, ...extraSessions].map((s) => s.user_id))];
  const [users, numbers, signIn, signUp] = await Promise.all([
    findUsers(db, userIds), listPhoneNumbers(db, userIds), signInInProgress(ctx, caller.client), signUpInProgress(ctx, caller.client),
  ]);
  const numbersByUser = new Map<string, PhoneNumberRow[]>();
  for (const n of numbers) {
    const list = numbersByUser.get(n.user_id);
    if (list) list.push(n);
    else numbersByUser.set(n.user_id, [n]);
  }
  return { client: caller.client, sessions: caller.sessions, users: new Map(users.map((u) => [u.id, u])), numbersByUser, signIn, signUp };
}

/** Read only when the client has one, so an ordinary request pays nothing for it. */
async function signInInProgress(ctx: AppContext, client: ClientRow): Promise<SignInAttempt | null> {
  if (client.sign_in_id === null) return null;
  const signIn = await findSignIn(ctx.database.db, client.sign_in_id, client.id);
  return signIn && !isAbandoned(signIn, ctx.now()) ? loadSignInAttempt(ctx, ctx.database.db, signIn) : null;
}

async function signUpInProgress(ctx: AppContext, client: ClientRow): Promise<SignUpAttempt | null> {
  if (client.sign_up_id === null) return null;
  const signUp = await findSignUp(ctx.database.db, client.sign_up_id, client.id);
  return signUp && !isAbandoned(signUp, ctx.now()) ? loadSignUpAttempt(ctx.database.db, signUp) : null;
}

export async function currentClientJson(ctx: AppContext, caller: Caller): Promise<ClientJson> {
  return clientJson(await loadClientView(ctx, caller), ctx.now());
}

/** `{response, client}`: how every FAPI resource answers. */
export async function wrap<T>(ctx: AppContext, caller: Caller, response: T): Promise<{ response: T; client: ClientJson }> {
  return { response, client: await currentClientJson(ctx, caller) };
}

/**
 * `{response, client}` for one of the session user's numbers, taken from the same view the client
 * is built from: no second read of the number, and the two can never disagree.
 */
export async function wrapNumber(ctx: AppContext, caller: SignedIn, id: string): Promise<{ response: PhoneNumberJson; client: ClientJson }> {
  const view = await loadClientView(ctx, caller);
  const row = view.numbersByUser.get(caller.session.user_id)?.find((n) => n.id === id);
  if (!row) throw errors.resourceNotFound();
  const now = ctx.now();
  return { response: phoneNumberJson(row, now), client: clientJson(view, now) };
}
