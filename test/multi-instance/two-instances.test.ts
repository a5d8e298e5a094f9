import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/db.js';
import { listSms } from '../../src/store/sms-messages.js';
import type { SmsMessageRow } from '../../src/store/schema.js';
import { addNumber, bapi, createUser, expectClerkError, fapi, signIn } from '../helpers/fapi.js';
import { freshDatabaseUrl, RELAXED_LIMITS_ENV } from '../helpers/server.js';
import { startInstance, secretKeyForTest, WebhookGateway, type Instance } from './harness.js';

// Two server processes on one PostgreSQL schema and one Redis, as a fleet behind a load balancer runs:
// every guarantee that one process could keep in memory must hold when requests alternate between them.

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const haveRedis = await redisAnswers();
if (!haveRedis) console.warn(`!!! multi-instance tests SKIPPED: no Redis answers at ${REDIS_URL} (set TEST_REDIS_URL)`);

const MAX_ATTEMPTS = 5;
let phoneCounter = 0;
/** Valid US numbers outside the test-mode range (555-0100..0199), distinct per run of this file. */
const runDigits = String(randomBytes(2).readUInt16BE() % 90 + 10);
const freshPhone = () => `+1202555${runDigits}${String(phoneCounter++).padStart(2, '0')}`;

describe.skipIf(!haveRedis)('two instances on one PostgreSQL and one Redis', () => {
  const gateway = new WebhookGateway();
  const keyPrefix = `pnmi_${randomBytes(4).toString('hex')}`;
  let database: { url: string; cleanup: () => Promise<void> };
  let store: DatabaseHandle;
  let a: Instance;
  let b: Instance;
  const both = () => [a, b];

  beforeAll(async () => {
    await gateway.start();
    database = freshDatabaseUrl();
    const env = {
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '5',
      REDIS_URL,
      RATE_LIMIT_KEY_PREFIX: keyPrefix,
      CLERK_SECRET_KEY: secretKeyForTest(),
      INSTANCE_TYPE: 'development',
      SMS_PROVIDER: 'webhook',
      SMS_WEBHOOK_URL: gateway.url,
      SMS_WEBHOOK_SECRET: gateway.secret,
      OUTBOX_POLL_MS: '50',
      OTP_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      // Generous limits: this file tests the shared state, not the limiter.
      ...RELAXED_LIMITS_ENV,
    };
    // Started together on an empty schema: both migrate, one waits on the other's advisory lock.
    [a, b] = await Promise.all([startInstance('instance A', env), startInstance('instance B', env)]);
    store = openDatabase(database.url, { poolSize: 2 });
  }, 60_000);

  afterAll(async () => {
    const codes = await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
    await store?.close();
    await database?.cleanup();
    await gateway.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    // A graceful stop exits 0 (SIGTERM: listeners, requests, outbox, pool).
    expect(codes).toEqual(codes.map(() => 0));
  });

  async function signedInUser(via: Instance): Promise<{ userId: string; token: string; sessionId: string }> {
    const userId = await createUser(via.t);
    return { userId, ...(await signIn(via.t, userId)) };
  }

  async function prepare(via: Instance, token: string, id: string): Promise<void> {
    const reply = await fapi(via.t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  }

  /** The outbox rows for these numbers once none is queued or being sent (bounded wait). */
  async function settledMessages(phones: string[]): Promise<SmsMessageRow[]> {
    for (let i = 0; ; i++) {
      const rows = (await listSms(store.db, { limit: 1000 })).filter((row) => phones.includes(row.to_phone));
      if (rows.every((r) => r.status !== 'queued' && r.status !== 'sending') || i === 100) return rows;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('both started on the empty schema, migrated once, and agree on the keys', async () => {
    for (const instance of both()) {
      const health = await fetch(new URL('/v1/health', instance.t.fapiUrl));
      expect(await health.json()).toEqual({ status: 'healthy' });
    }
    const migrations = await store.db.selectFrom('kysely_migration' as never).selectAll().execute();
    expect(migrations.length).toBeGreaterThan(0);
    expect(new Set(migrations.map((m) => (m as { name: string }).name)).size).toBe(migrations.length);
    // The JWKS both serve comes from the one signing key generated in the database.
    const jwks = await Promise.all(both().map(async (i) => (await bapi(i.t, 'GET', '/v1/jwks')).body));
    expect(jwks[0].keys).toHaveLength(1);
    expect(jwks[0]).toEqual(jwks[1]);
  });

  it(`stops parallel wrong codes spread over both instances at exactly OTP_MAX_ATTEMPTS (${MAX_ATTEMPTS})`, async () => {
    const { token } = await signedInUser(a);
    const phone = freshPhone();
    const id = await addNumber(b.t, token, phone);
    const before = gateway.deliveries.length;
    await prepare(a, token, id);
    const code = await gateway.codeFor(phone, before);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    const replies = await Promise.all(Array.from({ length: 24 }, (_, i) =>
      fapi((i % 2 ? a : b).t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code: wrong } })));
    const codes = replies.map((r) => r.body.errors?.[0]?.code);
    expect(codes.filter((c) => c === 'form_code_incorrect')).toHaveLength(MAX_ATTEMPTS - 1);
    expect(codes.filter((c) => c === 'verification_failed')).toHaveLength(24 - (MAX_ATTEMPTS - 1));

    for (const instance of both()) {
      const read = await fapi(instance.t, 'GET', `/v1/me/phone_numbers/${id}`, { token });
      expect(read.body.response.verification).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    }
    // The right code is refused too now: the verification is spent.
    expectClerkError(await fapi(b.t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } }), 422, 'verification_failed');
  });

  it('lets exactly one of two users verifying one number at the same moment win; the other gets form_identifier_exists', async () => {
    for (let round = 0; round < 4; round++) {
      const phone = freshPhone();
      const first = await signedInUser(a);
      const second = await signedInUser(b);
      const firstId = await addNumber(a.t, first.token, phone);
      const secondId = await addNumber(b.t, second.token, phone);
      let seen = gateway.deliveries.length;
      await prepare(a, first.token, firstId);
      const firstCode = await gateway.codeFor(phone, seen);
      seen = gateway.deliveries.length;
      await prepare(b, second.token, secondId);
      const secondCode = await gateway.codeFor(phone, seen);

      const [one, two] = await Promise.all([
        fapi(a.t, 'POST', `/v1/me/phone_numbers/${firstId}/attempt_verification`, { token: first.token, form: { code: firstCode } }),
        fapi(b.t, 'POST', `/v1/me/phone_numbers/${secondId}/attempt_verification`, { token: second.token, form: { code: secondCode } }),
      ]);
      const statuses = [one.status, two.status].sort();
      expect(statuses, JSON.stringify([one.body, two.body])).toEqual([200, 422]);
      const loser = one.status === 422 ? one : two;
      expectClerkError(loser, 422, 'form_identifier_exists', 'phone_number');
      const winner = one.status === 200 ? one : two;
      expect(winner.body.response).toMatchObject({ phone_number: phone, verification: { status: 'verified' } });

      const owners = await store.db.selectFrom('phone_numbers').select('user_id').where('verified_phone_number', '=', phone).execute();
      expect(owners).toHaveLength(1);
      expect(owners[0]!.user_id).toBe(one.status === 200 ? first.userId : second.userId);
    }
  });

  it('delivers each of 40 messages queued through both instances exactly once, with both workers sending', async () => {
    const before = gateway.deliveries.length;
    const users = await Promise.all(Array.from({ length: 40 }, (_, i) => signedInUser(i % 2 ? a : b)));
    const phones = users.map(() => freshPhone());
    const ids = await Promise.all(users.map((u, i) => addNumber((i % 2 ? b : a).t, u.token, phones[i]!)));
    await Promise.all(users.map((u, i) => prepare(i % 2 ? a : b, u.token, ids[i]!)));
    await gateway.waitFor(before + 40);
    // The gateway has them all; wait until each worker has recorded its answer too.
    const rows = await settledMessages(phones);
    expect(rows).toHaveLength(40);
    // Every row is final: nothing is left that could still be sent a second time.
    expect(rows.map((r) => [r.status, r.tries])).toEqual(rows.map(() => ['sent', 1]));
    const delivered = gateway.deliveries.slice(before);
    expect(delivered.map((d) => d.smsId).sort()).toEqual(rows.map((r) => r.id).sort());
    expect(new Set(delivered.map((d) => d.webhookId)).size).toBe(40);
    expect(gateway.refused).toEqual([]);
    // Both instances' workers took part (each kicks its own worker for what it queued).
    expect(new Set(rows.map((r) => r.claimed_by)).size).toBe(2);
  });

  it('refuses, on the other instance, the next request of a session revoked through one', async () => {
    const { token, sessionId } = await signedInUser(a);
    expect((await fapi(b.t, 'GET', '/v1/me/phone_numbers', { token })).status).toBe(200);
    const revoked = await bapi(a.t, 'POST', `/v1/sessions/${sessionId}/revoke`);
    expect(revoked.status).toBe(200);
    expectClerkError(await fapi(b.t, 'GET', '/v1/me/phone_numbers', { token }), 401, 'signed_out');
    expectClerkError(await fapi(a.t, 'GET', '/v1/me/phone_numbers', { token }), 401, 'signed_out');
  });

  it('keeps the rate-limit counters of both instances in the one Redis', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      expect((await redis.keys(`${keyPrefix}*`)).length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });
});
