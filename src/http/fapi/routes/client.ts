import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { errors } from '../../../domain/errors.js';
import { finishClientSessions, finishSession } from '../../../operations/sessions.js';
import { findSession, setLastActiveSession } from '../../../store/clients.js';
import { clientJson, sessionJson } from '../../json/client.js';
import { userJson } from '../../json/user.js';
import { eventsOf } from '../../origin.js';
import { loadCaller } from '../auth.js';
import { loadClientView } from '../respond.js';

// The client resource: read it, and end or remove one of its sessions.

type SessionParams = { Params: { session_id: string } };

export function clientRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/client', async (request) => {
    const caller = await loadCaller(ctx, request);
    if (!caller) return { response: null, client: null };
    const client = clientJson(await loadClientView(ctx, caller), ctx.now());
    return { response: client, client };
  });

  // Signing out of every account on this device: DELETE /v1/client ends the sessions, DELETE
  // /v1/client/sessions removes them (clerk-js's signOut); both keep the client and its cookie.
  for (const [path, status] of [['/v1/client', 'ended'], ['/v1/client/sessions', 'removed']] as const) {
    app.delete(path, async (request) => {
      const caller = await loadCaller(ctx, request);
      if (!caller) throw errors.signedOut();
      const now = ctx.now();
      await finishClientSessions(ctx.database.db, eventsOf(ctx, request), caller.client.id, status, now);
      const client = clientJson(await loadClientView(ctx, { client: { ...caller.client, last_active_session_id: null, updated_at: now }, sessions: [] }), now);
      return { response: client, client };
    });
  }

  for (const [action, status] of [['end', 'ended'], ['remove', 'removed']] as const) {
    app.post<SessionParams>(`/v1/client/sessions/:session_id/${action}`, async (request) => {
      const caller = await loadCaller(ctx, request);
      if (!caller) throw errors.signedOut();
      const id = request.params.session_id;
      const now = ctx.now();
      if (!(await finishSession(ctx.database.db, eventsOf(ctx, request), id, status, now, caller.client.id))) throw errors.resourceNotFound();
      const remaining = caller.sessions.filter((s) => s.id !== id);
      if (caller.client.last_active_session_id === id) {
        const next = remaining.at(-1)?.id ?? null;
        await setLastActiveSession(ctx.database.db, caller.client.id, next, now);
        caller.client = { ...caller.client, last_active_session_id: next };
      }
      const ended = (await findSession(ctx.database.db, id))!;
      const view = await loadClientView(ctx, { client: caller.client, sessions: remaining }, [ended]);
      const user = userJson(view.users.get(ended.user_id)!, view.numbersByUser.get(ended.user_id) ?? [], now);
      return { response: sessionJson(ended, user), client: clientJson(view, now) };
    });
  }
}
