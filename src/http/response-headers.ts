import type { FastifyInstance } from 'fastify';

// Headers every answer of both APIs carries. API answers hold client tokens, session JWTs, backup
// codes and (in development) codes, so no cache may keep them: no-store, unless a route chose its
// own caching (the pages' static assets). nosniff, so no answer is ever run as a script or page.

/** The headers every API answer carries; `cacheControl` is the route's own choice, if it made one. */
export function apiHeaders(cacheControl?: string): Record<string, string> {
  return { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': cacheControl ?? 'no-store' };
}

export function registerResponseHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(apiHeaders(reply.getHeader('cache-control') as string | undefined));
    return payload;
  });
}
