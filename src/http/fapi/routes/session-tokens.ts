import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.js';
import { errors } from '../../../domain/errors.js';
import { setLastActiveSession, touchSession } from '../../../store/clients.js';
import type { SessionRow } from '../../../store/schema.js';
import type { ClientJson, SessionJson } from '../../json/client.js';
import { optionalString, readBody } from '../../params.js';
import { requireSession } from '../auth.js';
import { loadClientView } from '../respond.js';
import { clientJson, sessionJson } from '../../json/client.js';
import { userJson } from '../../json/user.js';

// Session tokens on the Frontend API: touch (make a session the active one), mint a token, the
// public keys at /.well-known/jwks.json, and the current token in every session a response carries.

type SessionParams = { Params: { session_id: string } };

/** The origin of the page asking, which becomes the token's `azp`. */
function originOf(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  return typeof origin === 'string' && origin !== 'null' && origin.length <= 512 ? origin : undefined;
}

/** Organizations do not exist here: only "none" (absent or empty) is a valid choice. */
function refuseOrganization(value: string | undefined, name: string): void {
  if (value !== undefined && value !== '') throw errors.paramValueInvalid(name, 'Organizations are not supported by this service.');
}

const subjectOf = (session: Pick<SessionRow, 'id' | 'user_id' | 'created_at'>) =>
  ({ sessionId: session.id, userId: session.user_id, sessionCreatedAt: session.created_at });

export function sessionTokenRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/.well-known/jwks.json', async () => ctx.sessionTokens.jwks());

  app.post<SessionParams>('/v1/client/sessions/:session_id/touch', async (request) => {
    const body = readBody(request, ['active_organization_id', 'intent']);
    refuseOrganization(optionalString(body, 'active_organization_id'), 'active_organization_id');
    const caller = await requireSession(ctx, request, request.params.session_id);
    const now = ctx.now();
    await Promise.all([
      touchSession(ctx.database.db, caller.session.id, now),
      setLastActiveSession(ctx.database.db, caller.client.id, caller.session.id, now),
    ]);
    const touched = { ...caller.session, last_active_at: now, updated_at: now };
    const sessions = caller.sessions.map((s) => (s.id === touched.id ? touched : s));
    const view = await loadClientView(ctx, { client: { ...caller.client, last_active_session_id: touched.id, updated_at: now }, sessions });
    const client = clientJson(view, now);
    const user = userJson(view.users.get(touched.user_id)!, view.numbersByUser.get(touched.user_id) ?? [], now);
    return { response: sessionJson(touched, user), client };
  });

  // clerk-js adds fields here as it evolves (tab_state, token, force_origin...): they change nothing here.
  app.post<SessionParams>('/v1/client/sessions/:session_id/tokens', async (request) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    refuseOrganization(typeof body.organization_id === 'string' ? body.organization_id : undefined, 'organization_id');
    const { session } = await requireSession(ctx, request, request.params.session_id);
    const jwt = await ctx.sessionTokens.mint(subjectOf(session), ctx.frontendApiUrl, originOf(request), ctx.now());
    return { object: 'token', jwt };
  });

  app.post<SessionParams>('/v1/client/sessions/:session_id/tokens/:template', async () => {
    throw errors.resourceNotFound();
  });

  installTokenFilling(app, ctx);
}

type WithSessions = { response?: unknown; client?: ClientJson | null };

function isSessionJson(value: unknown): value is SessionJson {
  return typeof value === 'object' && value !== null && (value as { object?: unknown }).object === 'session';
}

/**
 * Every session object a response carries gets its current token as `last_active_token`: clerk-js
 * learns its first token from the Client it receives (after sign-in, touch...), as with Clerk.
 */
function installTokenFilling(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('preSerialization', async (request, _reply, payload) => {
    if (typeof payload !== 'object' || payload === null) return payload;
    const { response, client } = payload as WithSessions;
    const sessions = [...(client?.sessions ?? []), ...(isSessionJson(response) ? [response] : [])];
    const origin = originOf(request);
    const now = ctx.now();
    await Promise.all(sessions.map(async (session) => {
      if (session.status !== 'active' || session.last_active_token !== null) return;
      const subject = { sessionId: session.id, userId: session.user.id, sessionCreatedAt: session.created_at };
      session.last_active_token = { object: 'token', jwt: await ctx.sessionTokens.current(subject, ctx.frontendApiUrl, origin, now) };
    }));
    return payload;
  });
}
