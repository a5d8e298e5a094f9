import { LogController, type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';
import type { AppContext } from '../context.js';
import { frameworkErrors } from './errors.js';

// What both APIs share in Fastify's options: our logger, body limit, and routing that forgives
// trailing slashes (clerk-js sends `/v1/me/phone_numbers/`).

export function fastifyOptions(ctx: AppContext, api: 'fapi' | 'bapi'): FastifyServerOptions {
  const verbose = ctx.config.logLevel === 'debug' || ctx.config.logLevel === 'trace';
  return {
    loggerInstance: ctx.log.child({ api }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !verbose }),
    bodyLimit: ctx.config.bodyLimitBytes,
    frameworkErrors,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 200 },
  };
}
