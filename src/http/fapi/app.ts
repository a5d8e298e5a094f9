import { createServer } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyOptions, NODE_HTTP_OPTIONS } from '../fastify-options.js';
import formBody from '@fastify/formbody';
import type { AppContext } from '../../context.js';
import { healthRoute } from '../health.js';
import { applyMethodOverride } from '../method-override.js';
import { registerSharedHooks } from '../shared-hooks.js';
import { registerEventKick } from '../origin.js';
import { registerBrowserSecurity } from './browser-security.js';
import { clientRoutes } from './routes/client.js';
import { devBrowserRoutes } from './routes/dev-browser.js';
import { environmentRoutes } from './routes/environment.js';
import { fapiDevRoutes } from './routes/dev.js';
import { accountRoutes } from './routes/me/account.js';
import { phoneNumberRoutes } from './routes/me/phone-numbers.js';
import { pageRoutes } from './routes/pages.js';
import { sessionTokenRoutes } from './routes/session-tokens.js';
import { signInRoutes } from './routes/sign-ins.js';
import { signUpRoutes } from './routes/sign-ups.js';

// The Frontend API: what browsers and apps call, with Clerk's paths, bodies and errors.

export async function buildFapi(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    ...fastifyOptions(ctx, 'fapi'),
    trustProxy: ctx.config.trustProxy,
    serverFactory: (handler) => createServer(NODE_HTTP_OPTIONS, (req, res) => {
      applyMethodOverride(req);
      handler(req, res);
    }),
  });
  registerSharedHooks(app, ctx, 'fapi');
  registerBrowserSecurity(app, ctx);
  registerEventKick(app, ctx);
  await app.register(formBody, { bodyLimit: ctx.config.bodyLimitBytes });

  healthRoute(app, ctx);
  phoneNumberRoutes(app, ctx);
  accountRoutes(app, ctx);
  signInRoutes(app, ctx);
  signUpRoutes(app, ctx);
  clientRoutes(app, ctx);
  environmentRoutes(app, ctx);
  sessionTokenRoutes(app, ctx);
  pageRoutes(app, ctx);
  // Demo sign-in and the SMS inbox exist only in development: in production these paths are 404.
  if (ctx.config.instanceType === 'development') fapiDevRoutes(app, ctx);
  if (ctx.config.instanceType === 'development') devBrowserRoutes(app, ctx);
  return app;
}
