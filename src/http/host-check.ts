import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { errors } from '../domain/errors.js';
import { sendClerkError } from './errors.js';

// DNS rebinding: a page on attacker.test whose name is made to resolve to 127.0.0.1 would reach a
// development server (its SMS inbox, its demo sign-in) as same-origin. Browsers still send the
// attacker's name as Host, so in development both APIs answer only loopback names and the
// configured public host. Production sits behind a proxy that passes the public host; it is not checked.

const LOOPBACK_NAMES = /^(localhost|.+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** The host part of a Host header (`name:port`, `[v6]:port`), lower case. */
export function hostName(header: string): string {
  const trimmed = header.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1);
  return trimmed.replace(/:\d*$/, '');
}

export function registerHostCheck(app: FastifyInstance, ctx: AppContext): void {
  // HTTP/1.1 requires Host (RFC 9112 §3.2); HTTP/1.0 health probes often send none and still pass.
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      return sendClerkError(reply, errors.bodyInvalid('The request has no Host header.'));
    }
  });
  if (ctx.config.instanceType !== 'development') return;
  const publicHost = ctx.config.publicUrl ? new URL(ctx.config.publicUrl).hostname.toLowerCase() : null;
  app.addHook('onRequest', async (request, reply) => {
    const name = hostName(request.headers.host ?? '');
    if (LOOPBACK_NAMES.test(name) || name === publicHost) return;
    return sendClerkError(reply, errors.hostInvalid());
  });
}
