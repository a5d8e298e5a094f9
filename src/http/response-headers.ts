import type { FastifyInstance } from 'fastify';

// Headers every answer of both APIs carries. API answers hold client tokens, session JWTs, backup
// codes and (in development) codes, so no cache may keep them: no-store, unless a route chose its
// own caching (the pages' static assets). nosniff, so no answer is ever run as a script or page.

export function registerResponseHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    if (!reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
    return payload;
  });
}
