import type { Server } from 'node:http';
import { LogController, type FastifyBaseLogger, type FastifyHttpOptions } from 'fastify';
import type { AppContext } from '../context.js';
import type { Api } from '../metrics.js';
import { frameworkErrorHandler } from './errors.js';
import { clientErrorHandler } from './client-errors.js';
import { requestIdGenerator } from './observe.js';

// What both APIs share in Fastify's options: our logger, request ids, body limit, and routing that
// forgives trailing slashes (clerk-js sends `/v1/me/phone_numbers/`).

/**
 * Node answers an HTTP/1.1 request without Host with an empty 400 of its own; let it through so the
 * Host check answers it in Clerk's shape instead.
 */
export const NODE_HTTP_OPTIONS = { requireHostHeader: false } as const;

export function fastifyOptions(ctx: AppContext, api: Api): FastifyHttpOptions<Server> {
  return {
    loggerInstance: ctx.log.child({ api }) as FastifyBaseLogger,
    // Fastify's own two lines per request (which log the URL with its query) give way to our one
    // access line (observe.ts); every line of a request carries its id as `request_id`.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: requestIdGenerator(ctx.config.trustProxy),
    // The header is read by genReqId, which checks it; Fastify would take any value as it came.
    requestIdHeader: false,
    bodyLimit: ctx.config.bodyLimitBytes,
    frameworkErrors: frameworkErrorHandler(ctx, api),
    clientErrorHandler,
    http: NODE_HTTP_OPTIONS,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 200 },
  };
}
