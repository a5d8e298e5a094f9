import type { Kysely } from 'kysely';
import { errors } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { newOpaqueToken, tokenDigest } from '../domain/keys.js';
import { acceptSignInToken } from '../store/sign-in-tokens.js';
import { endAllSessionsOfClient, endSession, insertClient, insertSession, setLastActiveSession } from '../store/clients.js';
import type { Db } from '../store/db.js';
import type { ClientRow, Database, SessionRow } from '../store/schema.js';
import { updateUser } from '../store/users.js';
import type { Events } from './events.js';

// Signing in with a ticket: the ticket is spent, a client is found or made, a session starts.

export interface TicketSignIn {
  client: ClientRow;
  session: SessionRow;
  /** Set when a new client was made: the only time its token exists outside a digest. */
  clientToken: string | null;
}

/** A new client and its token: the only time the token exists outside its digest. */
export function newClient(now: number): { client: ClientRow; token: string } {
  const token = newOpaqueToken();
  return { client: { id: newId('client', now), token_digest: tokenDigest(token), last_active_session_id: null, sign_in_id: null, sign_up_id: null, created_at: now, updated_at: now }, token };
}

/** The caller's client, or a new one made in this transaction (its token is then returned, the only time it exists). */
export async function ensureClient(tx: Db, existing: ClientRow | null, now: number): Promise<{ client: ClientRow; clientToken: string | null }> {
  if (existing) return { client: existing, clientToken: null };
  const { client, token } = newClient(now);
  await insertClient(tx, client);
  return { client, clientToken: token };
}

/** A new active session for the user on this client, which becomes the client's last active one. */
export async function startSession(tx: Db, events: Events, client: ClientRow, userId: string, lifetimeSeconds: number, now: number): Promise<{ client: ClientRow; session: SessionRow }> {
  const expireAt = now + lifetimeSeconds * 1000;
  const session: SessionRow = {
    id: newId('sess', now), client_id: client.id, user_id: userId, status: 'active',
    expire_at: expireAt, abandon_at: expireAt, last_active_at: now, created_at: now, updated_at: now,
  };
  await insertSession(tx, session);
  await setLastActiveSession(tx, client.id, session.id, now);
  await updateUser(tx, userId, { last_sign_in_at: now, updated_at: now });
  await events.session(tx, 'session.created', session, now);
  return { client: { ...client, last_active_session_id: session.id, updated_at: now }, session };
}

export async function signInWithTicket(db: Kysely<Database>, events: Events, ticket: string, existing: ClientRow | null, lifetimeSeconds: number, now: number): Promise<TicketSignIn> {
  return db.transaction().execute(async (tx) => {
    const accepted = await acceptSignInToken(tx, tokenDigest(ticket), now);
    if (!accepted) throw errors.ticketInvalid();
    const { client, clientToken } = await ensureClient(tx, existing, now);
    return { ...(await startSession(tx, events, client, accepted.user_id, lifetimeSeconds, now)), clientToken };
  });
}

export type SessionEnd = 'ended' | 'removed' | 'revoked';

/** Ends one active session (signed out, removed, revoked) and reports it; undefined when it was not active. */
export async function finishSession(db: Kysely<Database>, events: Events, id: string, status: SessionEnd, now: number, clientId?: string): Promise<SessionRow | undefined> {
  return db.transaction().execute(async (tx) => {
    const ended = await endSession(tx, id, status, now, clientId);
    if (ended) await events.session(tx, `session.${status}`, ended, now);
    return ended;
  });
}

/** Signs a device out of every account: each session it ends is reported. */
export async function finishClientSessions(db: Kysely<Database>, events: Events, clientId: string, status: 'ended' | 'removed', now: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (const session of await endAllSessionsOfClient(tx, clientId, status, now)) await events.session(tx, `session.${status}`, session, now);
  });
}
