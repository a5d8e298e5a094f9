import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { Api } from '../metrics.js';

// What ties an answer to its logs: every request has an id, sent back as X-Request-Id, given as the
// error body's clerk_trace_id, and bound to each log line of the request (Fastify's child logger).
// Each answer then writes one access-log line and counts in the request metrics, both by route
// pattern: never the raw URL, whose path and query can hold ids, numbers and dev-browser tokens.

/** What a trusted proxy's X-Request-Id may look like to be kept; anything else is replaced. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The route label of a request no route matched. */
export const UNMATCHED_ROUTE = 'unmatched';

/** 32 hex digits (122 random bits). randomUUID draws from a cached batch of entropy: randomBytes(16) per request was 3% of a read's CPU. */
export function newRequestId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Fastify's genReqId: the proxy's id when the proxy is trusted and the id is sane, else a new one. */
export function requestIdGenerator(trustProxy: boolean): (req: IncomingMessage) => string {
  return (req) => {
    const given = req.headers['x-request-id'];
    return trustProxy && typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : newRequestId();
  };
}

function routeOf(request: FastifyRequest): string {
  return request.is404 ? UNMATCHED_ROUTE : request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/** One answered request: its access-log line (the request id comes from the request's logger) and its metrics. */
export function recordAnswer(ctx: AppContext, api: Api, request: FastifyRequest, reply: FastifyReply, durationMs: number): void {
  const route = routeOf(request);
  const status = reply.statusCode;
  ctx.metrics.httpRequest(api, request.method, route, status, durationMs / 1000);
  request.log.info({ method: request.method, route, status, duration_ms: Math.round(durationMs * 10) / 10 }, 'request');
}

export function registerAnswerRecording(app: FastifyInstance, ctx: AppContext, api: Api): void {
  app.addHook('onResponse', async (request, reply) => recordAnswer(ctx, api, request, reply, reply.elapsedTime));
}
