import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyOptions } from '../fastify-options.js';
import type { AppContext } from '../../context.js';
import { errors } from '../../domain/errors.js';
import { registerErrorHandlers } from '../errors.js';
import { userRoutes } from './routes/users.js';
import { sessionRoutes } from './routes/sessions.js';
import { devRoutes } from './routes/dev.js';

// The Backend API: Clerk's BAPI paths for the operator, on its own (loopback) port, behind the secret key.

function secretKeyMatches(given: string | undefined, secretKey: string): boolean {
  const token = given?.replace(/^Bearer\s+/i, '') ?? '';
  const a = Buffer.from(token);
  const b = Buffer.from(secretKey);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function buildBapi(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions(ctx, 'bapi'));
  registerErrorHandlers(app);
  app.addHook('onRequest', async (request) => {
    if (!secretKeyMatches(request.headers.authorization, ctx.keys.secretKey)) throw errors.secretKeyInvalid();
  });
  userRoutes(app, ctx);
  sessionRoutes(app, ctx);
  if (ctx.config.instanceType === 'development') devRoutes(app, ctx);
  return app;
}
