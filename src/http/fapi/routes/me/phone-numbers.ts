import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.js';
import { errors } from '../../../../domain/errors.js';
import { newId } from '../../../../domain/ids.js';
import { normalisePhone } from '../../../../domain/phone.js';
import { findPhoneNumber, listPhoneNumbers, phoneNumberTaken } from '../../../../store/phone-numbers.js';
import type { PhoneNumberRow } from '../../../../store/schema.js';
import { numberSlot } from '../../../../store/verifications.js';
import { checkCode, sendCode } from '../../../../operations/verification.js';
import { addPhoneNumber, applySecondFactorChange, numberVerified, removePhoneNumber } from '../../../../operations/phone-numbers.js';
import { phoneNumberJson } from '../../../json/phone-number.js';
import { deletedObjectJson } from '../../../json/client.js';
import { eventsOf } from '../../../origin.js';
import { optionalBoolean, readBody, requiredString } from '../../../params.js';
import { requireSession } from '../../auth.js';
import { wrap, wrapNumber } from '../../respond.js';

// The seven operations of the phone-numbers capability. Each handler reads top to bottom:
// parse, authorise, apply the domain rules, store, serialise.

type IdParams = { Params: { phone_number_id: string } };

async function ownNumber(ctx: AppContext, userId: string, id: string): Promise<PhoneNumberRow> {
  const row = await findPhoneNumber(ctx.database.db, userId, id);
  if (!row) throw errors.resourceNotFound();
  return row;
}

export function phoneNumberRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = ctx.database.db;

  // getPhoneNumbers: the bare array, as Clerk answers this one.
  app.get('/v1/me/phone_numbers', async (request) => {
    const { session } = await requireSession(ctx, request);
    const rows = await listPhoneNumbers(db, [session.user_id]);
    const now = ctx.now();
    return rows.map((row) => phoneNumberJson(row, now));
  });

  // postPhoneNumbers
  app.post('/v1/me/phone_numbers', async (request) => {
    const body = readBody(request, ['phone_number', 'reserved_for_second_factor']);
    const phone = normalisePhone(requiredString(body, 'phone_number'));
    if (optionalBoolean(body, 'reserved_for_second_factor')) {
      throw errors.paramValueInvalid('reserved_for_second_factor',
        'A new phone number is not verified yet, so it cannot be reserved for second factor authentication.');
    }
    const caller = await requireSession(ctx, request);
    const userId = caller.session.user_id;
    ctx.abuse.checkDestination(phone);
    // Only a number actually added spends the daily allowance: a refused add is checked first, and a lost race refunded.
    if (await phoneNumberTaken(db, userId, phone.e164)) throw errors.identifierExists();
    await ctx.abuse.chargeNewNumber(userId);
    const now = ctx.now();
    const row: PhoneNumberRow = {
      id: newId('idn', now), user_id: userId, phone_number: phone.e164, verified_phone_number: null,
      reserved_for_second_factor: 0, default_second_factor: 0,
      verification_id: null, verification_status: null, verification_strategy: null, verification_attempts: 0,
      verification_expire_at: null, code_digest: null, created_at: now, updated_at: now,
    };
    try {
      await addPhoneNumber(db, eventsOf(ctx, request), row);
    } catch (error) {
      await ctx.abuse.refundNewNumber(userId);
      throw error;
    }
    return wrap(ctx, caller, phoneNumberJson(row, now));
  });

  // ReadPhoneNumber
  app.get<IdParams>('/v1/me/phone_numbers/:phone_number_id', async (request) => {
    const caller = await requireSession(ctx, request);
    return wrapNumber(ctx, caller, request.params.phone_number_id);
  });

  // UpdatePhoneNumber
  app.patch<IdParams>('/v1/me/phone_numbers/:phone_number_id', async (request) => {
    const body = readBody(request, ['reserved_for_second_factor', 'default_second_factor']);
    const change = {
      reserved: optionalBoolean(body, 'reserved_for_second_factor'),
      isDefault: optionalBoolean(body, 'default_second_factor'),
    };
    const caller = await requireSession(ctx, request);
    const userId = caller.session.user_id;
    await ownNumber(ctx, userId, request.params.phone_number_id);

    const { row, backupCodes } = await applySecondFactorChange(db, eventsOf(ctx, request), ctx.keys.derived.backupCodes, userId, request.params.phone_number_id, change, ctx.now());
    return wrap(ctx, caller, phoneNumberJson(row, ctx.now(), backupCodes));
  });

  // DeletePhoneNumber
  app.delete<IdParams>('/v1/me/phone_numbers/:phone_number_id', async (request) => {
    readBody(request, []);
    const caller = await requireSession(ctx, request);
    const id = request.params.phone_number_id;
    if (!(await removePhoneNumber(db, eventsOf(ctx, request), caller.session.user_id, id, ctx.now()))) throw errors.resourceNotFound();
    return wrap(ctx, caller, deletedObjectJson('phone_number', id));
  });

  // sendVerificationSMS: a new code replaces any earlier one; the SMS is committed with it and sent by the outbox.
  app.post<IdParams>('/v1/me/phone_numbers/:phone_number_id/prepare_verification', async (request) => {
    const body = readBody(request, ['strategy', 'channel', 'proof_token']);
    const strategy = requiredString(body, 'strategy');
    if (strategy !== 'phone_code') throw errors.paramValueInvalid('strategy', 'strategy must be phone_code.');
    const caller = await requireSession(ctx, request);
    const userId = caller.session.user_id;
    const row = await ownNumber(ctx, userId, request.params.phone_number_id);
    if (row.verified_phone_number !== null) throw errors.alreadyVerified();

    await sendCode(ctx, {
      flow: 'phone_number', slot: numberSlot(userId, row.id), phoneNumber: row.phone_number, phoneNumberId: row.id,
      userId, limitSubject: userId, deliverable: true,
    }, { ip: request.ip, events: eventsOf(ctx, request) });
    return wrapNumber(ctx, caller, row.id);
  });

  // verifyPhoneNumber: the user's first verified number becomes their primary.
  app.post<IdParams>('/v1/me/phone_numbers/:phone_number_id/attempt_verification', async (request) => {
    const body = readBody(request, ['code', 'strategy']);
    const code = requiredString(body, 'code').trim();
    const caller = await requireSession(ctx, request);
    const userId = caller.session.user_id;
    const id = request.params.phone_number_id;
    await ownNumber(ctx, userId, id);

    await checkCode(ctx, { slot: numberSlot(userId, id), userId, ip: request.ip }, code, numberVerified(eventsOf(ctx, request), userId, id));
    return wrapNumber(ctx, caller, id);
  });
}
