import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyOptions } from '../fastify-options.js';
import type { AppContext } from '../../context.js';
import { errors } from '../../domain/errors.js';
import { healthRoute } from '../health.js';
import { registerSharedHooks } from '../shared-hooks.js';
import { bearerMatches } from './bearer.js';
import { METRICS_PATH, metricsRoutes } from './routes/metrics.js';
import { userRoutes } from './routes/users.js';
import { sessionRoutes } from './routes/sessions.js';
import { devRoutes } from './routes/dev.js';
import { jwksRoutes } from './routes/jwks.js';
import { registerEventKick } from '../origin.js';

// The Backend API: Clerk's BAPI paths for the operator, on its own (loopback) port, behind the secret key.

/** Routes that hold no secret key: the orchestrator's probe, and the metrics scraper (its own token). */
const WITHOUT_SECRET_KEY = new Set(['/v1/health', METRICS_PATH]);

/**
 * What @clerk/backend needs of the JSON around it: it sends `Content-Type: application/json` with no
 * body for calls without parameters (createUser({})), and reads an answer as JSON only when its
 * Content-Type is exactly `application/json`.
 */
function speakClerkBackendJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, {});
    return parseJson(request, body as string, done);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('application/json')) reply.header('Content-Type', 'application/json');
    return payload;
  });
}

export async function buildBapi(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions(ctx, 'bapi'));
  registerSharedHooks(app, ctx, 'bapi');
  speakClerkBackendJson(app);
  registerEventKick(app, ctx);
  app.addHook('onRequest', async (request) => {
    // The health check tells nothing secret; /metrics checks its own token (routes/metrics.ts).
    if (request.routeOptions.url !== undefined && WITHOUT_SECRET_KEY.has(request.routeOptions.url)) return;
    if (!bearerMatches(request.headers.authorization, ctx.keys.secretKey)) throw errors.secretKeyInvalid();
  });
  healthRoute(app, ctx);
  metricsRoutes(app, ctx);
  userRoutes(app, ctx);
  sessionRoutes(app, ctx);
  jwksRoutes(app, ctx);
  if (ctx.config.instanceType === 'development') devRoutes(app, ctx);
  return app;
}
