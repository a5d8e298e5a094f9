import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { errors } from '../../../domain/errors.js';
import { endSession, findSession } from '../../../store/clients.js';
import { backendSessionJson } from '../../json/backend.js';

// Revoking a session: the next Frontend API request through it is signed out.

export function sessionRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Params: { session_id: string } }>('/v1/sessions/:session_id/revoke', async (request) => {
    const id = request.params.session_id;
    const before = await findSession(ctx.database.db, id);
    if (!before) throw errors.resourceNotFound();
    const now = ctx.now();
    // endSession changes only an active session; one that had already ended is answered as it is.
    const revoked = await endSession(ctx.database.db, id, 'revoked', now);
    return backendSessionJson(revoked ? { ...before, status: 'revoked', updated_at: now } : before);
  });
}
