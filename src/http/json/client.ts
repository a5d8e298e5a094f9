import type { ClientJSON, PublicUserDataJSON, SessionJSON, SignInJSON, TokenJSON } from '@clerk/types';
import type { ClientRow, PhoneNumberRow, SessionRow, UserRow } from '../../store/schema.js';
import type { SignInAttempt } from '../../operations/sign-ins.js';
import type { SignUpAttempt } from '../../operations/sign-ups.js';
import { signInJson } from './sign-in.js';
import { signUpJson, type SignUpJson } from './sign-up.js';
import { userJson, type UserJson } from './user.js';

// clients, sessions, users and phone numbers -> Clerk's Client JSON, the object every FAPI mutation piggy-backs.

export type SessionJson = Omit<SessionJSON, 'user' | 'last_active_token' | 'factor_verification_age' | 'public_user_data'> & {
  user: UserJson;
  last_active_token: Pick<TokenJSON, 'object' | 'jwt'> | null;
  factor_verification_age: number[];
  public_user_data: PublicUserDataJSON;
};

export type ClientJson = Omit<ClientJSON, 'sessions' | 'sign_in' | 'sign_up'> & {
  sessions: SessionJson[];
  sign_in: SignInJson | null;
  sign_up: SignUpJson | null;
  captcha_bypass: boolean;
};

export type SignInJson = Omit<SignInJSON, 'object' | 'user_data' | 'identifier'> & {
  object: 'sign_in_attempt';
  identifier: string | null;
  user_data: { first_name: string | null; last_name: string | null; image_url: string; has_image: boolean };
  abandon_at: number;
};

/** Everything a Client object is built from: loaded with a fixed number of queries whatever its size. */
export interface ClientView {
  client: ClientRow;
  sessions: SessionRow[];
  users: Map<string, UserRow>;
  numbersByUser: Map<string, PhoneNumberRow[]>;
  /** The sign-in and sign-up in progress on this client, if any. */
  signIn: SignInAttempt | null;
  signUp: SignUpAttempt | null;
}

function identifierOf(user: UserJson): string {
  return user.phone_numbers.find((n) => n.id === user.primary_phone_number_id)?.phone_number ?? user.username ?? user.id;
}

/** `last_active_token` starts null: the session-token hook (routes/session-tokens.ts) fills it for active sessions. */
export function sessionJson(session: SessionRow, user: UserJson): SessionJson {
  return {
    object: 'session',
    id: session.id,
    status: session.status as SessionJSON['status'],
    expire_at: session.expire_at,
    abandon_at: session.abandon_at,
    last_active_at: session.last_active_at,
    last_active_token: null,
    last_active_organization_id: null,
    actor: null,
    tasks: null,
    user,
    public_user_data: {
      first_name: user.first_name,
      last_name: user.last_name,
      image_url: user.image_url,
      has_image: user.has_image,
      identifier: identifierOf(user),
      user_id: user.id,
    },
    factor_verification_age: [0, -1],
    created_at: session.created_at,
    updated_at: session.updated_at,
  };
}

export function clientJson(view: ClientView, now: number): ClientJson {
  const users = new Map<string, UserJson>();
  const sessions: SessionJson[] = [];
  for (const session of view.sessions) {
    const row = view.users.get(session.user_id);
    if (!row) continue;
    let user = users.get(row.id);
    if (!user) {
      user = userJson(row, view.numbersByUser.get(row.id) ?? [], now);
      users.set(row.id, user);
    }
    sessions.push(sessionJson(session, user));
  }
  const lastActive = sessions.some((s) => s.id === view.client.last_active_session_id) ? view.client.last_active_session_id : null;
  return {
    object: 'client',
    id: view.client.id,
    sessions,
    sign_in: view.signIn ? signInJson(view.signIn, now) : null,
    sign_up: view.signUp ? signUpJson(view.signUp, now) : null,
    last_active_session_id: lastActive,
    last_authentication_strategy: null,
    cookie_expires_at: null,
    captcha_bypass: false,
    created_at: view.client.created_at,
    updated_at: view.client.updated_at,
  };
}

export function completedTicketSignInJson(id: string, sessionId: string, user: UserJson, now: number): SignInJson {
  return {
    object: 'sign_in_attempt',
    id,
    status: 'complete',
    supported_identifiers: [],
    supported_first_factors: [],
    supported_second_factors: [],
    first_factor_verification: { object: 'verification_ticket', status: 'verified', strategy: 'ticket', attempts: null, expire_at: null } as unknown as SignInJSON['first_factor_verification'],
    second_factor_verification: null,
    identifier: identifierOf(user),
    user_data: { first_name: user.first_name, last_name: user.last_name, image_url: user.image_url, has_image: false },
    created_session_id: sessionId,
    abandon_at: now + 24 * 3600 * 1000,
  };
}

export function deletedObjectJson(object: string, id: string) {
  return { object, id, deleted: true as const };
}
