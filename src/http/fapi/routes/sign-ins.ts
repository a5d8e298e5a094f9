import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.js';
import { errors } from '../../../domain/errors.js';
import { newId } from '../../../domain/ids.js';
import { signInWithTicket } from '../../../operations/sessions.js';
import { completedTicketSignInJson } from '../../json/client.js';
import { optionalString, readBody, requiredString } from '../../params.js';
import { CLIENT_COOKIE, isNative, loadCaller } from '../auth.js';
import { clientCookieSameSite } from '../browser-security.js';
import { loadClientView } from '../respond.js';
import { clientJson } from '../../json/client.js';

// POST /v1/client/sign_ins with strategy=ticket: the one sign-in strategy this service offers.

/** The client cookie; with the request, SameSite fits the page's site (see browser-security.ts). */
export function clientCookie(ctx: AppContext, token: string, request?: FastifyRequest): string {
  const sameSite = clientCookieSameSite(ctx, request);
  const secure = ctx.config.instanceType === 'production' || ctx.frontendApiUrl.startsWith('https:');
  const maxAge = ctx.config.sessionLifetimeSeconds;
  // SameSite=None already carries Secure.
  const secureFlag = secure && sameSite === 'Lax' ? '; Secure' : '';
  return `${CLIENT_COOKIE}=${token}; Path=/; HttpOnly; SameSite=${sameSite}; Max-Age=${maxAge}${secureFlag}`;
}

export function signInRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/client/sign_ins', async (request, reply) => {
    const body = readBody(request, ['strategy', 'ticket', 'identifier', 'locale', 'timezone', 'captcha_token', 'captcha_error', 'captcha_widget_type']);
    const strategy = requiredString(body, 'strategy');
    if (strategy !== 'ticket') throw errors.paramValueInvalid('strategy', 'Only the ticket strategy is supported.');
    const ticket = optionalString(body, 'ticket');
    if (!ticket) throw errors.paramMissing('ticket');
    const caller = await loadCaller(ctx, request);

    const now = ctx.now();
    const result = await signInWithTicket(ctx.database.db, ticket, caller?.client ?? null, ctx.config.sessionLifetimeSeconds, now);
    const signedIn = { client: result.client, sessions: [...(caller?.sessions ?? []), result.session] };
    const view = await loadClientView(ctx, signedIn);
    const client = clientJson(view, now);
    const session = client.sessions.find((s) => s.id === result.session.id)!;

    if (result.clientToken) {
      if (isNative(request)) reply.header('Authorization', result.clientToken);
      else reply.header('Set-Cookie', clientCookie(ctx, result.clientToken, request));
    }
    return { response: completedTicketSignInJson(newId('sia', now), result.session.id, session.user, now), client };
  });
}
