import { randomBytes } from 'node:crypto';
import type { WebhookEvent } from '@clerk/backend';
import { verifyWebhook } from '@clerk/backend/webhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { NO_REQUEST } from '../../src/operations/events.js';
import { insertPhoneNumber } from '../../src/store/phone-numbers.js';
import { listWebhookDeliveries } from '../../src/store/webhooks.js';
import { bapi, createUser, fapi, readCode, signIn } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../sms/provider-server.js';
import { startReceiver, verified, verifiedAll, type Receiver } from './receiver.js';

// Clerk's webhooks, as an application's backend receives them: every event type after the change
// that causes it, in Clerk's envelope around the Backend API JSON, signed so that `svix` and
// @clerk/backend's verifyWebhook accept it; retries keep the svix-id and the user's order; a change
// that rolls back sends nothing; a 410 stops the endpoint; WEBHOOK_EVENTS picks the types.

const runDigits = String(randomBytes(2).readUInt16BE() % 90 + 10);
let phoneCounter = 0;
/** Valid US numbers outside the test-mode range (555-0100..0199), distinct per run of this file. */
const freshPhone = () => `+1202555${runDigits}${String(phoneCounter++).padStart(2, '0')}`;

let t: TestServer | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const r of receivers.splice(0)) await r.close();
});

async function serverFor(endpoints: Receiver[], env: Record<string, string> = {}, logger?: ReturnType<typeof createLogger>): Promise<TestServer> {
  t = await startTestServer({
    WEBHOOK_URL: endpoints.map((r) => `${r.url}/clerk-webhooks`).join(','),
    WEBHOOK_SECRET: endpoints[0]!.secret,
    OUTBOX_BACKOFF_BASE_MS: '20',
    ...env,
  }, logger ? { logger } : {});
  return t;
}

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

/** Waits until the receiver has `count` deliveries, and answers them verified. */
async function delivered(r: Receiver, count: number): Promise<{ id: string; event: WebhookEvent }[]> {
  await r.waitForRequests(count);
  return verifiedAll(r);
}

/** Waits until no delivery of the server is still queued or being sent. */
async function settled(server: TestServer) {
  return eventually('every delivery to settle', async () => {
    const rows = await listWebhookDeliveries(server.server.ctx.database.db);
    return rows.every((d) => !['queued', 'sending'].includes(d.status)) ? rows : undefined;
  });
}

describe('webhook events', () => {
  it('every event type arrives, in order, with the documented payload, after the change that causes it', async () => {
    const r = await receiver();
    const server = await serverFor([r]);
    const [phoneA, phoneB] = [freshPhone(), freshPhone()];

    // user.created: the Backend API's own answer is the event's data; the request's user agent is in the event.
    const created = await fetch(new URL('/v1/users', server.bapiUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${server.secretKey}`, 'content-type': 'application/json', 'user-agent': 'webhook-test-agent/1.0' },
      body: JSON.stringify({ phone_number: [phoneA], first_name: 'Ada' }),
    });
    expect(created.status).toBe(200);
    const user = await created.json();
    const [first] = await delivered(r, 1);
    expect(first!.event).toEqual({
      data: user, object: 'event', type: 'user.created', timestamp: expect.any(Number), instance_id: expect.stringMatching(/^ins_/),
      event_attributes: { http_request: { client_ip: '127.0.0.1', user_agent: 'webhook-test-agent/1.0' } },
    });
    expect(first!.id).toMatch(/^msg_/);
    expect(Math.abs(first!.event.timestamp - Date.now())).toBeLessThan(60_000);

    // session.created
    const { token, sessionId } = await signIn(server, user.id);
    // user.updated on add, sms.created on prepare, user.updated on verify, reserve, remove.
    const added = await fapi(server, 'POST', '/v1/me/phone_numbers', { token, form: { phone_number: phoneB } });
    expect(added.status).toBe(200);
    const numberB = added.body.response.id;
    expect((await fapi(server, 'POST', `/v1/me/phone_numbers/${numberB}/prepare_verification`, { token, form: { strategy: 'phone_code' } })).status).toBe(200);
    const code = await readCode(server, phoneB);
    expect((await fapi(server, 'POST', `/v1/me/phone_numbers/${numberB}/attempt_verification`, { token, form: { code } })).status).toBe(200);
    expect((await fapi(server, 'PATCH', `/v1/me/phone_numbers/${numberB}`, { token, form: { reserved_for_second_factor: 'true' } })).status).toBe(200);
    expect((await fapi(server, 'DELETE', `/v1/me/phone_numbers/${numberB}`, { token })).status).toBe(200);
    // session.ended, then session.removed and session.revoked on new sessions of the same client.
    expect((await fapi(server, 'POST', `/v1/client/sessions/${sessionId}/end`, { token })).status).toBe(200);
    const second = await signIn(server, user.id, token);
    expect((await fapi(server, 'POST', `/v1/client/sessions/${second.sessionId}/remove`, { token })).status).toBe(200);
    const third = await signIn(server, user.id, token);
    expect((await bapi(server, 'POST', `/v1/sessions/${third.sessionId}/revoke`)).status).toBe(200);
    // user.deleted
    expect((await bapi(server, 'DELETE', `/v1/users/${user.id}`)).status).toBe(200);

    const events = await delivered(r, 13);
    expect(events.map((e) => e.event.type)).toEqual([
      'user.created', 'session.created', 'user.updated', 'sms.created', 'user.updated', 'user.updated', 'user.updated',
      'session.ended', 'session.created', 'session.removed', 'session.created', 'session.revoked', 'user.deleted',
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(13);
    for (const { event } of events) {
      expect(event.object).toBe('event');
      expect(event.instance_id).toBe(first!.event.instance_id);
      expect(event.event_attributes.http_request.client_ip).toBe('127.0.0.1');
    }
    const [, sessionCreated, afterAdd, sms, afterVerify, afterReserve, afterRemove, ended, , removed, , revoked, deleted] = events.map((e) => e.event) as any[];

    expect(sessionCreated.data).toMatchObject({ object: 'session', id: sessionId, user_id: user.id, status: 'active', client_id: expect.stringMatching(/^client_/) });
    expect(sessionCreated.data.user).toMatchObject({ object: 'user', id: user.id, first_name: 'Ada' });

    expect(afterAdd.data.phone_numbers.map((n: { phone_number: string }) => n.phone_number)).toEqual([phoneA, phoneB]);
    expect(afterAdd.data.phone_numbers[1]).toMatchObject({ id: numberB, verification: null });

    expect(sms.data).toEqual({
      object: 'sms_message', id: expect.stringMatching(/^sms_/), from_phone_number: '', to_phone_number: phoneB, phone_number_id: numberB,
      user_id: user.id, message: expect.stringContaining(code), status: 'queued', slug: 'verification_code',
      data: { otp_code: code, app: { name: expect.any(String), domain_name: expect.any(String) } }, delivered_by_clerk: false,
    });

    expect(afterVerify.data.phone_numbers[1]).toMatchObject({ id: numberB, verification: { status: 'verified', strategy: 'phone_code' } });
    expect(afterReserve.data).toMatchObject({ two_factor_enabled: true, backup_code_enabled: true });
    expect(afterReserve.data.phone_numbers[1]).toMatchObject({ id: numberB, reserved_for_second_factor: true });
    expect(afterRemove.data.phone_numbers.map((n: { id: string }) => n.id)).toEqual([user.phone_numbers[0].id]);
    expect(afterRemove.data.two_factor_enabled).toBe(false);

    expect(ended.data).toMatchObject({ object: 'session', id: sessionId, status: 'ended', user: { id: user.id } });
    expect(removed.data).toMatchObject({ id: second.sessionId, status: 'removed' });
    expect(revoked.data).toMatchObject({ id: third.sessionId, status: 'revoked' });
    expect(deleted.data).toEqual({ object: 'user', id: user.id, deleted: true });
  });

  it('a signature made with another secret is refused by both svix and verifyWebhook', async () => {
    const r = await receiver();
    const server = await serverFor([r]);
    await createUser(server);
    const [request] = await r.waitForRequests(1);
    await expect(verified(request!, `whsec_${randomBytes(24).toString('base64')}`)).rejects.toThrow();
    const tampered = { ...request!, body: request!.body.replace('"user.created"', '"user.updated"') };
    await expect(verifyWebhook(new Request('http://receiver.test/', {
      method: 'POST', body: tampered.body,
      headers: { 'svix-id': String(request!.headers['svix-id']), 'svix-timestamp': String(request!.headers['svix-timestamp']), 'svix-signature': String(request!.headers['svix-signature']) },
    }), { signingSecret: r.secret })).rejects.toThrow();
  });

  it('a receiver that fails three times then succeeds gets the event once more with the same svix-id, and the user\'s next event only after it', async () => {
    let logText = '';
    const logger = createLogger('info', { write: (line: string) => { logText += line; } });
    const r = await receiver((_request, index) => ({ status: index < 3 ? 500 : 200 }));
    const server = await serverFor([r], { LOG_LEVEL: 'info' }, logger);
    const phone = freshPhone();
    const userId = await createUser(server, [phone]);
    await signIn(server, userId);

    const events = await delivered(r, 5);
    expect(events.map((e) => e.event.type)).toEqual(['user.created', 'user.created', 'user.created', 'user.created', 'session.created']);
    expect(new Set(events.slice(0, 4).map((e) => e.id)).size).toBe(1);
    expect(events[4]!.id).not.toBe(events[0]!.id);
    // Each try is signed afresh (its own timestamp), under the same id.
    expect(events.slice(0, 4).every((e) => e.event.data.id === userId)).toBe(true);

    const rows = await settled(server);
    const userCreated = rows.find((d) => d.event_type === 'user.created')!;
    expect(userCreated).toMatchObject({ status: 'sent', tries: 4, response_status: 200, last_error: null });
    expect(rows.find((d) => d.event_type === 'session.created')).toMatchObject({ status: 'sent', tries: 1 });
    // Nothing more arrives once both are recorded as sent.
    expect(r.requests).toHaveLength(5);
    // The retries were logged, without the payload: no phone number in the logs.
    expect(logText).toContain('webhook send failed; will retry');
    expect(logText).toContain('receiver answered 500');
    expect(logText).not.toContain(phone);
    expect(logText).not.toContain(phone.slice(1));
  });

  it('a change that rolls back sends nothing; a refused change sends nothing; the next committed change is sent', async () => {
    const r = await receiver();
    const server = await serverFor([r]);
    const ctx = server.server.ctx;
    const taken = freshPhone();
    const owner = await createUser(server, [taken]);
    const other = await createUser(server);
    await delivered(r, 2);

    // A transaction that wrote its event, then failed on the unique index (another user verified that number).
    const now = Date.now();
    await expect(ctx.database.db.transaction().execute(async (tx) => {
      await ctx.events.for(NO_REQUEST).user(tx, 'user.updated', other, now);
      await insertPhoneNumber(tx, {
        id: `idn_rollback${now}`, user_id: other, phone_number: taken, verified_phone_number: taken, reserved_for_second_factor: 0,
        default_second_factor: 0, verification_id: null, verification_status: 'verified', verification_strategy: 'admin',
        verification_attempts: 0, verification_expire_at: null, code_digest: null, created_at: now, updated_at: now,
      });
    })).rejects.toThrow();
    // Refused by the Backend API: that number is someone's already.
    expect((await bapi(server, 'POST', '/v1/users', { phone_number: [taken] })).status).toBe(422);

    expect((await bapi(server, 'DELETE', `/v1/users/${other}`)).status).toBe(200);
    const events = await delivered(r, 3);
    await settled(server);
    expect(events.map((e) => [e.event.type, e.event.data.id])).toEqual([['user.created', owner], ['user.created', other], ['user.deleted', other]]);
    expect(r.requests).toHaveLength(3);
    const stored = await ctx.database.db.selectFrom('webhook_events').select('type').execute();
    expect(stored.map((e) => e.type).sort()).toEqual(['user.created', 'user.created', 'user.deleted']);
  });

  it('an endpoint that answers 410 Gone gets nothing more; the other endpoint gets everything', async () => {
    const gone = await receiver(() => ({ status: 410 }));
    const ok = await receiver(undefined, gone.secret);
    const server = await serverFor([gone, ok]);
    await createUser(server);
    await delivered(ok, 1);
    await settled(server);
    await createUser(server);
    await delivered(ok, 2);
    const rows = await settled(server);
    expect(gone.requests).toHaveLength(1);
    const toGone = rows.filter((d) => d.endpoint.startsWith(gone.url)).sort((a, b) => a.event_seq - b.event_seq);
    expect(toGone.map((d) => [d.status, d.tries])).toEqual([['disabled', 1], ['disabled', 0]]);
    expect(rows.filter((d) => d.endpoint.startsWith(ok.url)).map((d) => d.status)).toEqual(['sent', 'sent']);
  });

  it('WEBHOOK_EVENTS sends only the types it names', async () => {
    const r = await receiver();
    const server = await serverFor([r], { WEBHOOK_EVENTS: 'user.created,user.deleted' });
    const userId = await createUser(server);
    await signIn(server, userId);
    expect((await bapi(server, 'DELETE', `/v1/users/${userId}`)).status).toBe(200);
    const events = await delivered(r, 2);
    await settled(server);
    expect(events.map((e) => e.event.type)).toEqual(['user.created', 'user.deleted']);
    const stored = await server.server.ctx.database.db.selectFrom('webhook_events').select('type').execute();
    expect(stored.map((e) => e.type).sort()).toEqual(['user.created', 'user.deleted']);
  });

  it('the Backend API\'s lock and unlock each send user.updated with the lock as the Backend API shows it', async () => {
    const r = await receiver();
    const server = await serverFor([r], { WEBHOOK_EVENTS: 'user.updated' });
    const userId = await createUser(server);
    const locked = await bapi(server, 'POST', `/v1/users/${userId}/lock`);
    expect(locked.status).toBe(200);
    const unlocked = await bapi(server, 'POST', `/v1/users/${userId}/unlock`);
    expect(unlocked.status).toBe(200);
    const events = await delivered(r, 2);
    expect(events.map((e) => [e.event.type, (e.event.data as { id: string; locked: boolean }).id, (e.event.data as { locked: boolean }).locked]))
      .toEqual([['user.updated', userId, true], ['user.updated', userId, false]]);
    expect((events[0]!.event.data as { locked: boolean }).locked).toBe(locked.body.locked);
  });
});

