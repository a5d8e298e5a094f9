import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { errors } from '../../domain/errors.js';
import { tokenDigest } from '../../domain/keys.js';
import { findClientWithActiveSessions } from '../../store/clients.js';
import type { ClientRow, SessionRow } from '../../store/schema.js';
import { queryString } from '../params.js';

// Who is asking: the client (by its token) and, for /v1/me, the session it acts through.

export const CLIENT_COOKIE = '__client';

export interface Caller {
  client: ClientRow;
  /** The client's active sessions, oldest first. */
  sessions: SessionRow[];
}

export interface SignedIn extends Caller {
  session: SessionRow;
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodedOrUndefined(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** A cookie value that is not valid percent-encoding (`%`, `%E0%A4%A`) is no cookie, not a failure. */
function decodedOrUndefined(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Clerk's dev-browser token (development only), sent by clerk-js as a query parameter on every request. */
const DEV_BROWSER_TOKEN = '__clerk_db_jwt';

/**
 * The client tokens a request carries, in the order they are tried. Native apps send the token in
 * Authorization (with or without "Bearer "); in development a browser may send its dev-browser
 * token; browsers send the cookie.
 */
function clientTokensOf(ctx: AppContext, request: FastifyRequest): string[] {
  const authorization = request.headers.authorization?.trim();
  if (authorization) return [authorization.replace(/^Bearer\s+/i, '')];
  const tokens: string[] = [];
  if (ctx.config.instanceType === 'development') {
    const devBrowser = queryString(request, DEV_BROWSER_TOKEN) ?? readCookie(request, DEV_BROWSER_TOKEN);
    if (devBrowser) tokens.push(devBrowser);
  }
  const cookie = readCookie(request, CLIENT_COOKIE);
  if (cookie) tokens.push(cookie);
  return tokens;
}

export function isNative(request: FastifyRequest): boolean {
  const flag = queryString(request, '_is_native');
  return flag === '1' || flag === 'true';
}

/** The calling client and its active sessions, or null when the request carries no valid client token. */
export async function loadCaller(ctx: AppContext, request: FastifyRequest): Promise<Caller | null> {
  for (const token of clientTokensOf(ctx, request)) {
    if (token.length > 512) continue;
    const found = await findClientWithActiveSessions(ctx.database.db, tokenDigest(token), ctx.now());
    if (found) return found;
  }
  return null;
}

/**
 * The active session a request acts through: the one its path names (`/v1/client/sessions/{id}/...`),
 * else `_clerk_session_id`, else the client's last active one. Anything else is signed out, as Clerk answers.
 */
export async function requireSession(ctx: AppContext, request: FastifyRequest, sessionId?: string): Promise<SignedIn> {
  const caller = await loadCaller(ctx, request);
  if (!caller) throw errors.signedOut();
  const wanted = sessionId ?? queryString(request, '_clerk_session_id') ?? caller.client.last_active_session_id;
  const session = caller.sessions.find((s) => s.id === wanted);
  if (!session) throw errors.signedOut();
  return { ...caller, session };
}
