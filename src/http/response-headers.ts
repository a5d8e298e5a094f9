import type { FastifyInstance } from 'fastify';

// Headers every answer of both APIs carries. API answers hold client tokens, session JWTs, backup
// codes and (in development) codes, so no cache may keep them: no-store, unless a route chose its
// own caching (the pages' static assets). nosniff, so no answer is ever run as a script or page.
// X-Request-Id names the request in the logs (and is the error body's clerk_trace_id).

/** The headers every API answer carries; `cacheControl` is the route's own choice, if it made one. */
export function apiHeaders(requestId: string, cacheControl?: string): Record<string, string> {
  return { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': cacheControl ?? 'no-store', 'X-Request-Id': requestId };
}

export function registerResponseHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.headers(apiHeaders(request.id, reply.getHeader('cache-control') as string | undefined));
    return payload;
  });
}
