import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { Api } from '../metrics.js';
import { answerWhatNodeKeepsFromFastify } from './client-errors.js';
import { registerErrorHandlers } from './errors.js';
import { registerHostCheck } from './host-check.js';
import { registerAnswerRecording } from './observe.js';
import { refuseNulInPathParams } from './params.js';
import { registerResponseHeaders } from './response-headers.js';

// What both APIs do with every request, in this order, before each adds hooks of its own: Clerk's
// error bodies, answers for what Node keeps from Fastify, no NUL in path ids, the shared response
// headers, the access line and metrics, and the development Host check.

export function registerSharedHooks(app: FastifyInstance, ctx: AppContext, api: Api): void {
  registerErrorHandlers(app);
  answerWhatNodeKeepsFromFastify(app);
  refuseNulInPathParams(app);
  registerResponseHeaders(app);
  registerAnswerRecording(app, ctx, api);
  registerHostCheck(app, ctx);
}
