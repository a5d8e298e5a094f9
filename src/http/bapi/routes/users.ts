import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { createSignInToken, createUser, DEFAULT_SIGN_IN_TOKEN_SECONDS, removeUser } from '../../../admin/users.js';
import { errors } from '../../../domain/errors.js';
import { listPhoneNumbers } from '../../../store/phone-numbers.js';
import { findUser } from '../../../store/users.js';
import { lockAccount, lockoutPolicy, unlockAccount } from '../../../operations/lockout.js';
import { backendUserJson, signInTokenJson } from '../../json/backend.js';
import { deletedObjectJson } from '../../json/client.js';
import { eventsOf } from '../../origin.js';
import { optionalInteger, optionalString, readBody, requiredString, type Body } from '../../params.js';

// Users and sign-in tokens, as Clerk's Backend API serves them.

type UserParams = { Params: { user_id: string } };

function phoneNumbersParam(body: Body): string[] {
  const value = body.phone_number;
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.length > 10 || !list.every((p): p is string => typeof p === 'string')) {
    throw errors.paramFormatInvalid('phone_number', 'phone_number must be a list of up to 10 phone numbers.');
  }
  return list;
}

export function userRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = ctx.database.db;
  const policy = lockoutPolicy(ctx.config);

  async function userAnswer(userId: string) {
    const user = await findUser(db, userId);
    if (!user) throw errors.resourceNotFound();
    return backendUserJson(user, await listPhoneNumbers(db, [user.id]), ctx.now(), policy);
  }

  app.post('/v1/users', async (request) => {
    const body = readBody(request, ['phone_number', 'first_name', 'last_name', 'username', 'external_id', 'skip_password_checks', 'skip_password_requirement']);
    const user = await createUser(db, eventsOf(ctx, request), {
      phoneNumbers: phoneNumbersParam(body),
      firstName: optionalString(body, 'first_name'),
      lastName: optionalString(body, 'last_name'),
      username: optionalString(body, 'username'),
      externalId: optionalString(body, 'external_id'),
    }, ctx.now());
    return userAnswer(user.id);
  });

  app.get<UserParams>('/v1/users/:user_id', async (request) => userAnswer(request.params.user_id));

  // Clerk's lock and unlock: an operator's lock lasts the lockout window; unlock also lifts the lifetime cap's lock.
  app.post<UserParams>('/v1/users/:user_id/lock', async (request) => {
    readBody(request, []);
    if (!(await findUser(db, request.params.user_id))) throw errors.resourceNotFound();
    await lockAccount(db, eventsOf(ctx, request), request.params.user_id, policy, ctx.now());
    return userAnswer(request.params.user_id);
  });

  app.post<UserParams>('/v1/users/:user_id/unlock', async (request) => {
    readBody(request, []);
    if (!(await findUser(db, request.params.user_id))) throw errors.resourceNotFound();
    await unlockAccount(db, eventsOf(ctx, request), request.params.user_id, ctx.now());
    return userAnswer(request.params.user_id);
  });

  app.delete<UserParams>('/v1/users/:user_id', async (request) => {
    if (!(await removeUser(db, eventsOf(ctx, request), request.params.user_id, ctx.now()))) throw errors.resourceNotFound();
    return deletedObjectJson('user', request.params.user_id);
  });

  app.post('/v1/sign_in_tokens', async (request) => {
    const body = readBody(request, ['user_id', 'expires_in_seconds']);
    const userId = requiredString(body, 'user_id');
    const expiresIn = optionalInteger(body, 'expires_in_seconds', 1, 315_360_000) ?? DEFAULT_SIGN_IN_TOKEN_SECONDS;
    const token = await createSignInToken(db, userId, expiresIn, ctx.now());
    return signInTokenJson(token, ctx.frontendApiUrl);
  });
}
