import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { errors } from '../../../domain/errors.js';
import { finishSession } from '../../../operations/sessions.js';
import { findSession } from '../../../store/clients.js';
import { backendSessionJson } from '../../json/backend.js';
import { eventsOf } from '../../origin.js';

// Revoking a session: the next Frontend API request through it is signed out.

export function sessionRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Params: { session_id: string } }>('/v1/sessions/:session_id/revoke', async (request) => {
    const id = request.params.session_id;
    const before = await findSession(ctx.database.db, id);
    if (!before) throw errors.resourceNotFound();
    const now = ctx.now();
    // Only an active session is revoked; one that had already ended is answered as it is.
    const revoked = await finishSession(ctx.database.db, eventsOf(ctx, request), id, 'revoked', now);
    return backendSessionJson(revoked ?? before);
  });
}
