import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { errors } from '../../domain/errors.js';

// What browsers may do: CORS (with credentials) only for the origins in ALLOWED_ORIGINS, state-changing
// requests from any other origin refused, and the client cookie's SameSite chosen for where the app is.

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Headers a preflight may ask for: names only, so nothing odd is echoed back. */
const HEADER_LIST = /^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/;
const PREFLIGHT_MAX_AGE_SECONDS = 600;

function ownOrigin(ctx: AppContext): string {
  return new URL(ctx.frontendApiUrl).origin;
}

/** The page is on this server's own origin: PUBLIC_URL's, or the host the browser addressed. */
function isSameOrigin(ctx: AppContext, request: FastifyRequest, origin: string): boolean {
  if (origin === ownOrigin(ctx)) return true;
  const host = request.headers.host;
  return host !== undefined && origin === `${request.protocol}://${host}`;
}

function originOf(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  return typeof origin === 'string' ? origin : undefined;
}

export function registerBrowserSecurity(app: FastifyInstance, ctx: AppContext): void {
  const allowed = new Set(ctx.config.allowedOrigins);

  app.addHook('onRequest', async (request, reply) => {
    const origin = originOf(request);
    if (origin === undefined) return;
    reply.header('Vary', 'Origin');
    const sameOrigin = isSameOrigin(ctx, request, origin);
    const crossOriginAllowed = !sameOrigin && allowed.has(origin);
    if (crossOriginAllowed) {
      reply.header('Access-Control-Allow-Origin', origin);
      reply.header('Access-Control-Allow-Credentials', 'true');
      reply.header('Access-Control-Expose-Headers', 'Retry-After, Authorization, X-Request-Id');
    }
    if (request.method === 'OPTIONS') {
      if (!crossOriginAllowed) throw errors.originInvalid();
      const wanted = request.headers['access-control-request-headers'];
      reply.header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      if (typeof wanted === 'string' && HEADER_LIST.test(wanted)) reply.header('Access-Control-Allow-Headers', wanted);
      reply.header('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
      return reply.code(204).send();
    }
    // A browser sends a form POST to any site without asking first: refusing foreign origins here is the CSRF defence.
    if (STATE_CHANGING.has(request.method) && !sameOrigin && !crossOriginAllowed) throw errors.originInvalid();
  });
}

/** Same site (scheme and registrable domain) without a suffix list: equal hosts, or one a subdomain of the other. */
function isSameSite(a: URL, b: URL): boolean {
  if (a.protocol !== b.protocol) return false;
  const [x, y] = [a.hostname, b.hostname];
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
}

/**
 * SameSite for the client cookie. Lax, unless the page is on another site: a Lax cookie would then
 * never be sent, so it is `None; Secure; Partitioned` (Chromium keeps third-party cookies only when
 * partitioned). When unsure whether two hosts share a site, None: it still works where Lax might not.
 */
export function clientCookieSameSite(ctx: AppContext, request: FastifyRequest | undefined): 'Lax' | 'None; Secure; Partitioned' {
  const origin = request && originOf(request);
  if (!origin || !request || isSameOrigin(ctx, request, origin)) return 'Lax';
  try {
    return isSameSite(new URL(origin), new URL(ctx.frontendApiUrl)) ? 'Lax' : 'None; Secure; Partitioned';
  } catch {
    return 'Lax';
  }
}
