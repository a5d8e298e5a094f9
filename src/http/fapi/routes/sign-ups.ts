import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.js';
import { errors } from '../../../domain/errors.js';
import { normalisePhone, type NormalisedPhone } from '../../../domain/phone.js';
import { isAbandoned } from '../../../operations/sign-ins.js';
import { changeSignUpNumber, completeSignUp, createSignUp, loadSignUpAttempt, signUpRecipient } from '../../../operations/sign-ups.js';
import { checkCode, sendCode } from '../../../operations/verification.js';
import { findClientByIdWithActiveSessions } from '../../../store/clients.js';
import type { SignUpRow } from '../../../store/schema.js';
import { findSignUp } from '../../../store/sign-ups.js';
import { flowSlot } from '../../../store/verifications.js';
import { clientJson } from '../../json/client.js';
import { signUpJson } from '../../json/sign-up.js';
import { eventsOf } from '../../origin.js';
import { optionalString, readBody, requiredString, type Body } from '../../params.js';
import { loadCaller, type Caller } from '../auth.js';
import { sendClientToken } from '../client-token.js';
import { loadClientView } from '../respond.js';

// Signing up with a phone number: give it, prove it with an SMS code, and the account exists with
// that number as its verified primary, signed in. Each step: parse, authorise (the sign-up belongs
// to the calling client), call the operation, serialise.

type SignUpParams = { Params: { sign_up_id: string } };

/** What clerk-js may send beside the phone number; none of it changes a phone sign-up. */
const CLIENT_EXTRAS = ['locale', 'timezone', 'unsafe_metadata', 'legal_accepted', 'captcha_token', 'captcha_error', 'captcha_widget_type',
  'redirect_url', 'action_complete_redirect_url', 'transfer', 'proof_token', 'oidc_login_hint', 'oidc_prompt'];

async function requireSignUp(ctx: AppContext, request: FastifyRequest<SignUpParams>): Promise<{ caller: Caller; signUp: SignUpRow }> {
  const caller = await loadCaller(ctx, request);
  const signUp = caller ? await findSignUp(ctx.database.db, request.params.sign_up_id, caller.client.id) : undefined;
  if (!caller || !signUp || isAbandoned(signUp, ctx.now())) throw errors.resourceNotFound();
  return { caller, signUp };
}

async function signUpResponse(ctx: AppContext, clientId: string, signUpId: string) {
  const db = ctx.database.db;
  const now = ctx.now();
  const caller = await findClientByIdWithActiveSessions(db, clientId, now);
  const signUp = await findSignUp(db, signUpId, clientId);
  if (!caller || !signUp) throw errors.resourceNotFound();
  const view = await loadClientView(ctx, caller);
  const attempt = view.signUp?.signUp.id === signUpId ? view.signUp : await loadSignUpAttempt(db, signUp);
  return { response: signUpJson(attempt, now), client: clientJson(view, now) };
}

/** The number to sign up with, checked against the SMS policy before anything is stored. */
function signUpNumber(ctx: AppContext, body: Body): NormalisedPhone | null {
  const text = optionalString(body, 'phone_number');
  if (text === undefined || text.trim() === '') return null;
  const phone = normalisePhone(text);
  ctx.abuse.checkDestination(phone);
  return phone;
}

function phoneCodeStrategy(body: Body): void {
  const strategy = optionalString(body, 'strategy');
  if (strategy !== undefined && strategy !== 'phone_code') throw errors.paramValueInvalid('strategy', 'strategy must be phone_code.');
}

export function signUpRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/client/sign_ups', async (request, reply) => {
    const body = readBody(request, ['phone_number', 'strategy', ...CLIENT_EXTRAS]);
    phoneCodeStrategy(body);
    const phone = signUpNumber(ctx, body);
    const caller = await loadCaller(ctx, request);

    const started = await createSignUp(ctx, caller?.client ?? null, phone);
    sendClientToken(ctx, request, reply, started.clientToken);
    return signUpResponse(ctx, started.client.id, started.signUp.id);
  });

  app.get<SignUpParams>('/v1/client/sign_ups/:sign_up_id', async (request) => {
    const { caller, signUp } = await requireSignUp(ctx, request);
    return signUpResponse(ctx, caller.client.id, signUp.id);
  });

  app.patch<SignUpParams>('/v1/client/sign_ups/:sign_up_id', async (request) => {
    const body = readBody(request, ['phone_number', 'strategy', ...CLIENT_EXTRAS]);
    phoneCodeStrategy(body);
    const phone = signUpNumber(ctx, body);
    const { caller, signUp } = await requireSignUp(ctx, request);

    if (phone && phone.e164 !== signUp.phone_number) await changeSignUpNumber(ctx, signUp, phone);
    return signUpResponse(ctx, caller.client.id, signUp.id);
  });

  app.post<SignUpParams>('/v1/client/sign_ups/:sign_up_id/prepare_verification', async (request) => {
    const body = readBody(request, ['strategy', ...CLIENT_EXTRAS]);
    const strategy = requiredString(body, 'strategy');
    if (strategy !== 'phone_code') throw errors.paramValueInvalid('strategy', 'strategy must be phone_code.');
    const { caller, signUp } = await requireSignUp(ctx, request);

    await sendCode(ctx, signUpRecipient(signUp), { ip: request.ip, events: eventsOf(ctx, request) });
    return signUpResponse(ctx, caller.client.id, signUp.id);
  });

  app.post<SignUpParams>('/v1/client/sign_ups/:sign_up_id/attempt_verification', async (request) => {
    const body = readBody(request, ['strategy', 'code', 'signature', 'token', ...CLIENT_EXTRAS]);
    const strategy = requiredString(body, 'strategy');
    if (strategy !== 'phone_code') throw errors.paramValueInvalid('strategy', 'strategy must be phone_code.');
    const code = requiredString(body, 'code').trim();
    const { caller, signUp } = await requireSignUp(ctx, request);
    signUpRecipient(signUp);

    await checkCode(ctx, { slot: flowSlot(signUp.id, 'sign_up'), userId: null, ip: request.ip }, code,
      (tx, now) => completeSignUp(ctx, tx, eventsOf(ctx, request), signUp, caller.client, now));
    return signUpResponse(ctx, caller.client.id, signUp.id);
  });
}
