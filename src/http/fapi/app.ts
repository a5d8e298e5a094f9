import { createServer } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyOptions } from '../fastify-options.js';
import formBody from '@fastify/formbody';
import type { AppContext } from '../../context.js';
import { registerErrorHandlers } from '../errors.js';
import { applyMethodOverride } from '../method-override.js';
import { clientRoutes } from './routes/client.js';
import { phoneNumberRoutes } from './routes/me/phone-numbers.js';
import { signInRoutes } from './routes/sign-ins.js';

// The Frontend API: what browsers and apps call, with Clerk's paths, bodies and errors.

export async function buildFapi(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    ...fastifyOptions(ctx, 'fapi'),
    trustProxy: ctx.config.trustProxy,
    serverFactory: (handler) => createServer((req, res) => {
      applyMethodOverride(req);
      handler(req, res);
    }),
  });
  registerErrorHandlers(app);
  await app.register(formBody, { bodyLimit: ctx.config.bodyLimitBytes });

  app.get('/v1/health', async (_request, reply) => {
    await ctx.database.db.selectFrom('instance_settings').select('key').limit(1).execute();
    return reply.send({ status: 'ok' });
  });
  phoneNumberRoutes(app, ctx);
  signInRoutes(app, ctx);
  clientRoutes(app, ctx);
  return app;
}
