import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.js';
import { errors } from '../../../domain/errors.js';
import { newId } from '../../../domain/ids.js';
import { normalisePhone } from '../../../domain/phone.js';
import { signInWithTicket } from '../../../operations/sessions.js';
import {
  createSignIn, firstFactorRecipient, isAbandoned, loadSignInAttempt, passFirstFactor, passSecondFactor, refuseLockedUser,
  requireStatus, secondFactorRecipient, type SignInAttempt,
} from '../../../operations/sign-ins.js';
import { checkBackupCode, checkCode, sendCode } from '../../../operations/verification.js';
import { findClientByIdWithActiveSessions } from '../../../store/clients.js';
import { findSignIn } from '../../../store/sign-ins.js';
import { flowSlot } from '../../../store/verifications.js';
import { clientJson, completedTicketSignInJson } from '../../json/client.js';
import { signInJson } from '../../json/sign-in.js';
import { eventsOf } from '../../origin.js';
import { optionalString, readBody, requiredString } from '../../params.js';
import { loadCaller, type Caller } from '../auth.js';
import { sendClientToken } from '../client-token.js';
import { loadClientView } from '../respond.js';

// Signing in: with a phone number and its SMS code (then a second code or a backup code when the
// user has two-step verification on), or with a ticket from the Backend API. Each step reads
// parse, authorise (the sign-in belongs to the calling client), call the operation, serialise.

type SignInParams = { Params: { sign_in_id: string } };

/** What clerk-js sends beside the fields each step reads; Clerk ignores them when they do not apply. */
const CLIENT_EXTRAS = ['locale', 'timezone', 'channel', 'proof_token', 'captcha_token', 'captcha_error', 'captcha_widget_type',
  'redirect_url', 'action_complete_redirect_url', 'transfer', 'oidc_login_hint', 'oidc_prompt'];

/** The caller's own sign-in, or 404: a sign-in of another client is as unknown as one that never existed. */
async function requireSignIn(ctx: AppContext, request: FastifyRequest<SignInParams>): Promise<{ caller: Caller; attempt: SignInAttempt }> {
  const caller = await loadCaller(ctx, request);
  const signIn = caller ? await findSignIn(ctx.database.db, request.params.sign_in_id, caller.client.id) : undefined;
  if (!caller || !signIn || isAbandoned(signIn, ctx.now())) throw errors.resourceNotFound();
  return { caller, attempt: await loadSignInAttempt(ctx, ctx.database.db, signIn) };
}

/** `{response, client}` as they stand after the step: the client is read again, since the step may have changed it. */
async function signInResponse(ctx: AppContext, clientId: string, signInId: string) {
  const db = ctx.database.db;
  const now = ctx.now();
  const caller = await findClientByIdWithActiveSessions(db, clientId, now);
  const signIn = await findSignIn(db, signInId, clientId);
  if (!caller || !signIn) throw errors.resourceNotFound();
  const view = await loadClientView(ctx, caller);
  const attempt = view.signIn?.signIn.id === signInId ? view.signIn : await loadSignInAttempt(ctx, db, signIn);
  return { response: signInJson(attempt, now), client: clientJson(view, now) };
}

function phoneCodeStrategy(body: Record<string, unknown>, required: boolean): void {
  const strategy = required ? requiredString(body, 'strategy') : optionalString(body, 'strategy') ?? 'phone_code';
  if (strategy !== 'phone_code') throw errors.strategyForUserInvalid();
}

export function signInRoutes(app: FastifyInstance, ctx: AppContext): void {
  // createSignIn: a phone number identifies the account; with strategy=phone_code its code is sent at once.
  app.post('/v1/client/sign_ins', async (request, reply) => {
    const body = readBody(request, ['strategy', 'identifier', 'ticket', 'password', ...CLIENT_EXTRAS]);
    const strategy = optionalString(body, 'strategy');
    if (strategy === 'ticket') return ticketSignIn(ctx, request, reply, requiredString(body, 'ticket'));
    // Strategies this instance does not offer at all, as Clerk answers them: the value is invalid, whoever signs in.
    if (strategy !== undefined && strategy !== 'phone_code') throw errors.paramValueInvalid('strategy', 'strategy must be phone_code or ticket.');
    if (optionalString(body, 'password') !== undefined) throw errors.paramValueInvalid('password', 'Passwords are not used on this instance.');
    const identifierText = strategy === 'phone_code' ? requiredString(body, 'identifier') : optionalString(body, 'identifier');
    const identifier = identifierText?.trim() ? normalisePhone(identifierText, 'identifier') : null;
    const caller = await loadCaller(ctx, request);

    const started = await createSignIn(ctx, caller?.client ?? null, identifier);
    sendClientToken(ctx, request, reply, started.clientToken);
    if (strategy === 'phone_code') {
      const attempt = await loadSignInAttempt(ctx, ctx.database.db, started.signIn);
      refuseLockedUser(attempt, ctx.now());
      await sendCode(ctx, firstFactorRecipient(attempt, undefined), { ip: request.ip, events: eventsOf(ctx, request) });
    }
    return signInResponse(ctx, started.client.id, started.signIn.id);
  });

  app.get<SignInParams>('/v1/client/sign_ins/:sign_in_id', async (request) => {
    const { caller, attempt } = await requireSignIn(ctx, request);
    return signInResponse(ctx, caller.client.id, attempt.signIn.id);
  });

  app.post<SignInParams>('/v1/client/sign_ins/:sign_in_id/prepare_first_factor', async (request) => {
    const body = readBody(request, ['strategy', 'phone_number_id', 'email_address_id', 'web3_wallet_id', 'passkey_id', 'trusted_device_id', ...CLIENT_EXTRAS]);
    phoneCodeStrategy(body, true);
    const phoneNumberId = optionalString(body, 'phone_number_id');
    const { caller, attempt } = await requireSignIn(ctx, request);
    requireStatus(attempt, 'needs_first_factor');
    refuseLockedUser(attempt, ctx.now());

    await sendCode(ctx, firstFactorRecipient(attempt, phoneNumberId), { ip: request.ip, events: eventsOf(ctx, request) });
    return signInResponse(ctx, caller.client.id, attempt.signIn.id);
  });

  app.post<SignInParams>('/v1/client/sign_ins/:sign_in_id/attempt_first_factor', async (request) => {
    const body = readBody(request, ['strategy', 'code', 'password', 'signature', 'token', 'ticket', 'public_key_credential', ...CLIENT_EXTRAS]);
    phoneCodeStrategy(body, true);
    const code = requiredString(body, 'code').trim();
    const { caller, attempt } = await requireSignIn(ctx, request);
    requireStatus(attempt, 'needs_first_factor');

    const check = { slot: flowSlot(attempt.signIn.id, 'first_factor'), userId: attempt.user?.id ?? null, ip: request.ip };
    await checkCode(ctx, check, code, (tx, now) => passFirstFactor(ctx, tx, eventsOf(ctx, request), attempt, caller.client, now));
    return signInResponse(ctx, caller.client.id, attempt.signIn.id);
  });

  app.post<SignInParams>('/v1/client/sign_ins/:sign_in_id/prepare_second_factor', async (request) => {
    const body = readBody(request, ['strategy', 'phone_number_id', 'email_address_id', ...CLIENT_EXTRAS]);
    phoneCodeStrategy(body, false);
    const phoneNumberId = optionalString(body, 'phone_number_id');
    const { caller, attempt } = await requireSignIn(ctx, request);
    requireStatus(attempt, 'needs_second_factor');
    refuseLockedUser(attempt, ctx.now());

    await sendCode(ctx, secondFactorRecipient(attempt, phoneNumberId), { ip: request.ip, events: eventsOf(ctx, request) });
    return signInResponse(ctx, caller.client.id, attempt.signIn.id);
  });

  // attemptSecondFactor: an SMS code to a number reserved for two-step verification, or a backup code.
  app.post<SignInParams>('/v1/client/sign_ins/:sign_in_id/attempt_second_factor', async (request) => {
    const body = readBody(request, ['strategy', 'code', ...CLIENT_EXTRAS]);
    const strategy = requiredString(body, 'strategy');
    const code = requiredString(body, 'code').trim();
    const { caller, attempt } = await requireSignIn(ctx, request);
    requireStatus(attempt, 'needs_second_factor');
    const userId = attempt.user!.id;

    if (strategy === 'phone_code') {
      const check = { slot: flowSlot(attempt.signIn.id, 'second_factor'), userId, ip: request.ip };
      await checkCode(ctx, check, code, (tx, now) => passSecondFactor(ctx, tx, eventsOf(ctx, request), attempt, caller.client, 'phone_code', now));
    } else if (strategy === 'backup_code' && attempt.user!.backup_code_digests !== null) {
      await checkBackupCode(ctx, userId, request.ip, code, (tx, now) => passSecondFactor(ctx, tx, eventsOf(ctx, request), attempt, caller.client, 'backup_code', now));
    } else {
      throw errors.strategyForUserInvalid();
    }
    return signInResponse(ctx, caller.client.id, attempt.signIn.id);
  });
}

/** strategy=ticket: a sign-in token from the Backend API completes a session at once. */
async function ticketSignIn(ctx: AppContext, request: FastifyRequest, reply: Parameters<typeof sendClientToken>[2], ticket: string) {
  const caller = await loadCaller(ctx, request);
  const now = ctx.now();
  const result = await signInWithTicket(ctx.database.db, eventsOf(ctx, request), ticket, caller?.client ?? null, ctx.config.sessionLifetimeSeconds, now);
  const view = await loadClientView(ctx, { client: result.client, sessions: [...(caller?.sessions ?? []), result.session] });
  const client = clientJson(view, now);
  const session = client.sessions.find((s) => s.id === result.session.id)!;
  sendClientToken(ctx, request, reply, result.clientToken);
  return { response: completedTicketSignInJson(newId('sia', now), result.session.id, session.user, now), client };
}
