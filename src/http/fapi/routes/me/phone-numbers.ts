import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.js';
import { errors } from '../../../../domain/errors.js';
import { newId } from '../../../../domain/ids.js';
import { codeDigest, codeMatches, generateCode } from '../../../../domain/otp.js';
import { isTestPhoneNumber, normalisePhone, TEST_MODE_CODE } from '../../../../domain/phone.js';
import { seal } from '../../../../domain/seal.js';
import { attemptRefusal, statusAfterWrongCode } from '../../../../domain/verification.js';
import { isUniqueViolation } from '../../../../store/db.js';
import {
  completeVerification, countAttempt, failVerification, findPhoneNumber, insertPhoneNumber,
  listPhoneNumbers, phoneNumberTaken, startVerification,
} from '../../../../store/phone-numbers.js';
import { enqueueSms } from '../../../../store/sms-messages.js';
import type { PhoneNumberRow } from '../../../../store/schema.js';
import { verificationMessage } from '../../../../sms/message.js';
import { applySecondFactorChange, removePhoneNumber, setPrimaryIfNone } from '../../../../operations/phone-numbers.js';
import { phoneNumberJson } from '../../../json/phone-number.js';
import { deletedObjectJson } from '../../../json/client.js';
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
    await ctx.abuse.checkNewNumber(userId, phone);

    if (await phoneNumberTaken(db, userId, phone.e164)) throw errors.identifierExists();
    const now = ctx.now();
    const row: PhoneNumberRow = {
      id: newId('idn', now), user_id: userId, phone_number: phone.e164, verified_phone_number: null,
      reserved_for_second_factor: 0, default_second_factor: 0,
      verification_id: null, verification_status: null, verification_strategy: null, verification_attempts: 0,
      verification_expire_at: null, code_digest: null, created_at: now, updated_at: now,
    };
    try {
      await insertPhoneNumber(db, row);
    } catch (error) {
      if (isUniqueViolation(error)) throw errors.identifierExists();
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

    const { row, backupCodes } = await applySecondFactorChange(db, userId, request.params.phone_number_id, change, ctx.now());
    return wrap(ctx, caller, phoneNumberJson(row, ctx.now(), backupCodes));
  });

  // DeletePhoneNumber
  app.delete<IdParams>('/v1/me/phone_numbers/:phone_number_id', async (request) => {
    readBody(request, []);
    const caller = await requireSession(ctx, request);
    const id = request.params.phone_number_id;
    if (!(await removePhoneNumber(db, caller.session.user_id, id, ctx.now()))) throw errors.resourceNotFound();
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
    const testNumber = ctx.config.testMode && isTestPhoneNumber(row.phone_number);
    if (!testNumber) await ctx.abuse.checkPrepare({ userId, phoneNumber: row.phone_number, ip: request.ip });

    const now = ctx.now();
    const code = testNumber ? TEST_MODE_CODE : generateCode();
    const verificationId = newId('ver', now);
    await db.transaction().execute(async (tx) => {
      await startVerification(tx, userId, row.id, {
        verificationId, codeDigest: codeDigest(ctx.keys.derived.otp, verificationId, code),
        expireAt: now + ctx.config.otpTtlSeconds * 1000, now,
      });
      if (testNumber) return;
      const text = verificationMessage(ctx.config.appName, code, new URL(ctx.frontendApiUrl).hostname);
      await enqueueSms(tx, {
        id: newId('sms', now), user_id: userId, phone_number_id: row.id, verification_id: verificationId,
        to_phone: row.phone_number, body_sealed: seal(ctx.keys.derived.seal, text), provider: ctx.config.smsProvider,
        status: 'queued', tries: 0, next_attempt_at: now, claimed_by: null, claimed_until: null, last_error: null,
        provider_message_id: null, created_at: now, updated_at: now, sent_at: null,
      });
    });
    if (!testNumber) ctx.outbox.kick();
    return wrapNumber(ctx, caller, row.id);
  });

  // verifyPhoneNumber: the attempt is counted atomically before the code is compared.
  app.post<IdParams>('/v1/me/phone_numbers/:phone_number_id/attempt_verification', async (request) => {
    const body = readBody(request, ['code']);
    const code = requiredString(body, 'code').trim();
    const caller = await requireSession(ctx, request);
    const userId = caller.session.user_id;
    const id = request.params.phone_number_id;
    const max = ctx.config.otpMaxAttempts;
    const before = await ownNumber(ctx, userId, id);
    await ctx.abuse.checkAttempt(request.ip);

    const now = ctx.now();
    const refusal = attemptRefusal(
      { status: before.verification_status as never, attempts: before.verification_attempts, expireAt: before.verification_expire_at }, now, max);
    if (refusal) throw refusal;
    const counted = await countAttempt(db, userId, id, now, max);
    if (!counted) {
      // Another request took the last try, or the state changed since we read it.
      const after = await ownNumber(ctx, userId, id);
      throw attemptRefusal({ status: after.verification_status as never, attempts: after.verification_attempts, expireAt: after.verification_expire_at }, now, max)
        ?? errors.verificationFailed();
    }
    if (!codeMatches(ctx.keys.derived.otp, counted.verification_id, code, counted.code_digest)) {
      if (statusAfterWrongCode(counted.verification_attempts, max) === 'failed') {
        await failVerification(db, id, counted.verification_id, ctx.now());
        throw errors.verificationFailed();
      }
      throw errors.codeIncorrect();
    }
    try {
      const completed = await db.transaction().execute(async (tx) => {
        if (!(await completeVerification(tx, id, counted.verification_id, ctx.now()))) return false;
        await setPrimaryIfNone(tx, userId, id, ctx.now());
        return true;
      });
      if (!completed) throw errors.alreadyVerified();
    } catch (error) {
      if (isUniqueViolation(error)) throw errors.identifierExists();
      throw error;
    }
    return wrapNumber(ctx, caller, id);
  });
}
