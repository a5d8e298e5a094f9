import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { newClient } from '../../../operations/sessions.js';
import { insertClient } from '../../../store/clients.js';

// Development only: POST /v1/dev_browser makes a client for a browser that cannot keep cookies for
// the Frontend API; clerk-js then sends its token as `__clerk_db_jwt` on every request.

export function devBrowserRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/dev_browser', async () => {
    const now = ctx.now();
    const { client, token } = newClient(now);
    await insertClient(ctx.database.db, client);
    // Clerk answers the dev browser's JWT as `id`; ours is the client token, as opaque as the cookie's.
    return { object: 'dev_browser', id: token, client_id: client.id, created_at: now, updated_at: now };
  });
}
