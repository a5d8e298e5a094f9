import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { CLIENT_COOKIE, isNative } from './auth.js';
import { clientCookieSameSite } from './browser-security.js';

// Handing a new client its token: in the Authorization response header for native apps, as
// Clerk does, and as the HttpOnly `__client` cookie for browsers.

/** The client cookie; with the request, SameSite fits the page's site (see browser-security.ts). */
export function clientCookie(ctx: AppContext, token: string, request?: FastifyRequest): string {
  const sameSite = clientCookieSameSite(ctx, request);
  const secure = ctx.config.instanceType === 'production' || ctx.frontendApiUrl.startsWith('https:');
  const maxAge = ctx.config.sessionLifetimeSeconds;
  // SameSite=None already carries Secure.
  const secureFlag = secure && sameSite === 'Lax' ? '; Secure' : '';
  return `${CLIENT_COOKIE}=${token}; Path=/; HttpOnly; SameSite=${sameSite}; Max-Age=${maxAge}${secureFlag}`;
}

/** Sends a client token made by this request (null when the request's own client was used). */
export function sendClientToken(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, token: string | null): void {
  if (token === null) return;
  if (isNative(request)) reply.header('Authorization', token);
  else reply.header('Set-Cookie', clientCookie(ctx, token, request));
}
