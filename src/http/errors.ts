import { performance } from 'node:perf_hooks';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ClerkError, errors } from '../domain/errors.js';
import type { Api } from '../metrics.js';
import { recordAnswer } from './observe.js';
import { apiHeaders } from './response-headers.js';

// Every error leaves as a ClerkErrors body: never a framework default, never HTML, never a stack.

/**
 * The ClerkErrors body. Its clerk_trace_id is the request's id (the X-Request-Id answer header, on
 * every log line of the request); `extra` adds fields a particular contract asks for beside it (health's status).
 */
export function clerkErrorBody(error: ClerkError, requestId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, errors: [error.toJSON()], clerk_trace_id: requestId };
}

export function sendClerkError(reply: FastifyReply, error: ClerkError, extra: Record<string, unknown> = {}): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('Retry-After', String(error.retryAfterSeconds));
  return reply.status(error.status).type('application/json; charset=utf-8').send(clerkErrorBody(error, reply.request.id, extra));
}

/** Fastify's own request errors (bad JSON, body too large, wrong media type) as Clerk errors. */
function fromFrameworkError(error: FastifyError): ClerkError {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.bodyInvalid('The JSON body is empty.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.bodyInvalid('The Content-Length header does not match the body.');
    default:
      if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
        return errors.bodyInvalid('The request body is not valid JSON.');
      }
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return errors.bodyInvalid('The request could not be read.');
      }
      return errors.internal();
  }
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const clerkError = error instanceof ClerkError ? error : fromFrameworkError(error);
    if (clerkError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendClerkError(reply, clerkError);
  });
  app.setNotFoundHandler((_request, reply) => sendClerkError(reply, errors.routeNotFound()));
}

/**
 * Errors Fastify raises before routing (a bad URL, an over-long id, no Host): a 404 or 400 in Clerk's
 * shape. No hook runs for these, so the answer's usual headers, its access-log line and its
 * metrics are done here.
 */
export function frameworkErrorHandler(ctx: AppContext, api: Api) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const start = performance.now();
    reply.raw.once('finish', () => recordAnswer(ctx, api, request, reply, performance.now() - start));
    reply.headers(apiHeaders(request.id));
    void sendClerkError(reply, error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? errors.resourceNotFound() : errors.bodyInvalid('The URL is not valid.'));
  };
}
