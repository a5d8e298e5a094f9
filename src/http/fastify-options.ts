import type { Server } from 'node:http';
import { LogController, type FastifyBaseLogger, type FastifyHttpOptions } from 'fastify';
import type { AppContext } from '../context.js';
import { frameworkErrors } from './errors.js';
import { clientErrorHandler } from './client-errors.js';

// What both APIs share in Fastify's options: our logger, body limit, and routing that forgives
// trailing slashes (clerk-js sends `/v1/me/phone_numbers/`).

/**
 * Node answers an HTTP/1.1 request without Host with an empty 400 of its own; let it through so the
 * Host check answers it in Clerk's shape instead.
 */
export const NODE_HTTP_OPTIONS = { requireHostHeader: false } as const;

export function fastifyOptions(ctx: AppContext, api: 'fapi' | 'bapi'): FastifyHttpOptions<Server> {
  const verbose = ctx.config.logLevel === 'debug' || ctx.config.logLevel === 'trace';
  return {
    loggerInstance: ctx.log.child({ api }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !verbose }),
    bodyLimit: ctx.config.bodyLimitBytes,
    frameworkErrors,
    clientErrorHandler,
    http: NODE_HTTP_OPTIONS,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 200 },
  };
}
