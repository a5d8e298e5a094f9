import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isLoopbackHost } from '../../../config.js';
import type { AppContext } from '../../../context.js';
import { errors } from '../../../domain/errors.js';
import { bearerMatches } from '../bearer.js';

// GET /metrics: Prometheus's text format, for a scraper that holds no secret key. With
// METRICS_TOKEN set it needs `Authorization: Bearer <METRICS_TOKEN>`; without one it is open while
// the Backend API listens on loopback (only this machine reaches it) and refused on any other address.

export const METRICS_PATH = '/metrics';

function refuseUnlessAllowed(ctx: AppContext, request: FastifyRequest): void {
  const token = ctx.config.metricsToken;
  if (token !== undefined) {
    if (!bearerMatches(request.headers.authorization, token)) throw errors.metricsTokenInvalid('The metrics token is missing or invalid.');
    return;
  }
  if (!isLoopbackHost(ctx.config.backendHost)) {
    throw errors.metricsTokenInvalid('The Backend API listens beyond loopback: set METRICS_TOKEN to read metrics.');
  }
}

export function metricsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(METRICS_PATH, async (request, reply) => {
    refuseUnlessAllowed(ctx, request);
    const text = await ctx.metrics.scrape();
    return reply.type(ctx.metrics.contentType).send(text);
  });
}
