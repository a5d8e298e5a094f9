import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAbuseGuard, type AbuseGuard } from '../../src/abuse/guard.js';
import { loadConfig } from '../../src/config.js';
import { Metrics } from '../../src/metrics.js';
import { ClerkError } from '../../src/domain/errors.js';
import { normalisePhone } from '../../src/domain/phone.js';
import { migrate, openDatabase, type DatabaseHandle } from '../../src/store/db.js';
import { addNumber, expectClerkError, fapi, newSignedInUser } from '../helpers/fapi.js';
import { dropSchema, freshPostgresUrl, withPostgres } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/server.js';

// The same limits on each store the guard can use: the SQLite file, PostgreSQL and Redis. Two guards
// on one store play two instances of the server: the limits hold across them, exactly.
// (Runs once, in the SQLite project: it opens each store itself.)

const POSTGRES_URL = process.env.TEST_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL?.trim() || 'redis://127.0.0.1:6379';

async function reachable(kind: string, probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    console.warn(`!!! ${kind} limiter tests SKIPPED: ${kind} does not answer (${(error as Error).message})`);
    return false;
  }
}

const redisAnswers = () => reachable('Redis', async () => {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
});
const postgresAnswers = () => reachable('PostgreSQL', () => withPostgres((c) => c.query('select 1'), POSTGRES_URL));

interface Fleet {
  guards: [AbuseGuard, AbuseGuard];
  /** Every key the store holds for this run, to check what it reveals. */
  storedKeys(): Promise<string[]>;
  close(): Promise<void>;
}

const PHONE = '+12025555001';
const IP = '198.51.100.99';

function guardConfig(env: Record<string, string>) {
  return loadConfig({
    NODE_ENV: 'test', SMS_RESEND_COOLDOWN_SECONDS: '30', SMS_MAX_PER_NUMBER_PER_HOUR: '3', ATTEMPTS_MAX_PER_IP_PER_HOUR: '5',
    SMS_MAX_PER_USER_PER_HOUR: '1000', SMS_MAX_PER_IP_PER_HOUR: '1000', RATE_LIMIT_KEY_PREFIX: `t${randomBytes(5).toString('hex')}`, ...env,
  });
}

const keySecret = randomBytes(32);

async function sqliteFleet(): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), 'phone-numbers-limits-'));
  const url = `sqlite:${join(dir, 'limits.db')}`;
  const config = guardConfig({ DATABASE_URL: url });
  const handles = [openDatabase(url), openDatabase(url)];
  const guards = [await createAbuseGuard(config, { database: handles[0]!, keySecret, metrics: new Metrics() }), await createAbuseGuard(config, { database: handles[1]!, keySecret, metrics: new Metrics() })] as [AbuseGuard, AbuseGuard];
  return {
    guards,
    storedKeys: async () => (handles[0]!.raw as { sqlite: { prepare(s: string): { all(): Array<{ key: string }> } } }).sqlite
      .prepare('select key from rate_limit_points').all().map((r) => r.key),
    async close() {
      await Promise.all(guards.map((g) => g.close()));
      await Promise.all(handles.map((h) => h.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresFleet(): Promise<Fleet> {
  const fresh = freshPostgresUrl(POSTGRES_URL);
  await withPostgres((c) => c.query(`create schema "${fresh.schema}"`), POSTGRES_URL);
  const config = guardConfig({ DATABASE_URL: fresh.url });
  const handles = [openDatabase(fresh.url), openDatabase(fresh.url)];
  const guards = [await createAbuseGuard(config, { database: handles[0]!, keySecret, metrics: new Metrics() }), await createAbuseGuard(config, { database: handles[1]!, keySecret, metrics: new Metrics() })] as [AbuseGuard, AbuseGuard];
  return {
    guards,
    storedKeys: () => withPostgres(async (c: pg.Client) => (await c.query<{ key: string }>(`select key from "${fresh.schema}".rate_limit_points`)).rows.map((r) => r.key), POSTGRES_URL),
    async close() {
      await Promise.all(guards.map((g) => g.close()));
      await Promise.all(handles.map((h) => h.close()));
      await dropSchema(fresh.schema, POSTGRES_URL);
    },
  };
}

async function redisFleet(): Promise<Fleet> {
  const config = guardConfig({ DATABASE_URL: 'sqlite::memory:', REDIS_URL });
  // The SQL database is not used when REDIS_URL is set; each "instance" still has its own.
  const handles: DatabaseHandle[] = [openDatabase('sqlite::memory:'), openDatabase('sqlite::memory:')];
  const guards = [await createAbuseGuard(config, { database: handles[0]!, keySecret, metrics: new Metrics() }), await createAbuseGuard(config, { database: handles[1]!, keySecret, metrics: new Metrics() })] as [AbuseGuard, AbuseGuard];
  const inspector = new Redis(REDIS_URL);
  return {
    guards,
    storedKeys: () => inspector.keys(`${config.rateLimitKeyPrefix}:*`),
    async close() {
      const keys = await inspector.keys(`${config.rateLimitKeyPrefix}:*`);
      if (keys.length) await inspector.del(...keys);
      inspector.disconnect();
      await Promise.all(guards.map((g) => g.close()));
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}

async function refusal(promise: Promise<unknown>): Promise<ClerkError | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    if (error instanceof ClerkError) return error;
    throw error;
  }
}

function sameLimitsOn(name: string, available: () => Promise<boolean>, open: () => Promise<Fleet>) {
  describe(`rate limits on ${name}`, () => {
    let fleet: Fleet | undefined;
    beforeAll(async () => {
      if (await available()) fleet = await open();
    });
    afterAll(async () => { await fleet?.close(); });

    it('the resend cooldown set by one instance holds on the other, with its Retry-After', async (ctx) => {
      if (!fleet) return ctx.skip();
      const [a, b] = fleet.guards;
      await a.checkPrepare({ userId: 'user_1', phoneNumber: PHONE, ip: IP });
      const refused = await refusal(b.checkPrepare({ userId: 'user_2', phoneNumber: PHONE, ip: '198.51.100.100' }));
      expect(refused).toMatchObject({ status: 429, code: 'too_many_requests' });
      expect(refused!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused!.retryAfterSeconds).toBeLessThanOrEqual(30);
    });

    it('parallel attempts from one IP across both instances: exactly ATTEMPTS_MAX_PER_IP_PER_HOUR pass', async (ctx) => {
      if (!fleet) return ctx.skip();
      const [a, b] = fleet.guards;
      const outcomes = await Promise.all(Array.from({ length: 14 }, (_, i) => refusal((i % 2 ? a : b).checkAttempt(IP))));
      expect(outcomes.filter((o) => o === null)).toHaveLength(5);
      const refused = outcomes.filter((o) => o !== null);
      expect(refused).toHaveLength(9);
      for (const r of refused) expect(r!.retryAfterSeconds).toBeGreaterThan(3_000);
    });

    it('the cap on new numbers and the country policy are checked at create', async (ctx) => {
      if (!fleet) return ctx.skip();
      const [a] = fleet.guards;
      expect(await refusal((async () => a.checkDestination(normalisePhone('+19002345678')))())).toMatchObject({ status: 422, code: 'form_param_value_invalid' });
      expect(await refusal((async () => a.checkDestination(normalisePhone('+12025555002')))())).toBeNull();
      expect(await refusal(a.chargeNewNumber('user_9'))).toBeNull();
    });

    it('keys reveal no phone number, IP address or user id', async (ctx) => {
      if (!fleet) return ctx.skip();
      const keys = await fleet.storedKeys();
      expect(keys.length).toBeGreaterThanOrEqual(4);
      for (const key of keys) {
        expect(key).not.toContain('2025555001');
        expect(key).not.toContain('198.51.100');
        for (const userId of ['user_1', 'user_2', 'user_9']) expect(key).not.toContain(userId);
      }
    });
  });
}

sameLimitsOn('SQLite', async () => true, sqliteFleet);
sameLimitsOn('PostgreSQL', postgresAnswers, postgresFleet);
sameLimitsOn('Redis', redisAnswers, redisFleet);

describe('a server with REDIS_URL', () => {
  it('limits through Redis: the cooldown answers 429 with Retry-After', async (ctx) => {
    if (!(await redisAnswers())) return ctx.skip();
    const t = await startTestServer({ REDIS_URL, SMS_RESEND_COOLDOWN_SECONDS: '20' });
    try {
      expect(t.server.ctx.config.redisUrl).toBe(REDIS_URL);
      const { token } = await newSignedInUser(t);
      const id = await addNumber(t, token, '+12025555003');
      const prepare = () => fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
      expect((await prepare()).status).toBe(200);
      const limited = await prepare();
      expectClerkError(limited, 429, 'too_many_requests');
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(20);
    } finally {
      await t.close();
    }
  });

  it('a Redis that does not answer stops start-up with a clear message', async () => {
    await expect(startTestServer({ REDIS_URL: 'redis://127.0.0.1:1' })).rejects.toThrow(/REDIS_URL: cannot connect/);
  });
});

describe('the SQLite limiter beside a transaction on the same connection', () => {
  it('a charge made while another request holds a transaction open survives that transaction rolling back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phone-numbers-limits-'));
    const url = `sqlite:${join(dir, 'limits.db')}`;
    const handle = openDatabase(url);
    await migrate(handle);
    const guard = await createAbuseGuard(guardConfig({ DATABASE_URL: url, ATTEMPTS_MAX_PER_IP_PER_HOUR: '1' }), { database: handle, keySecret, metrics: new Metrics() });
    try {
      let charged: Promise<void> | undefined;
      // One request's transaction is open and waiting (on I/O, say) when another request is charged.
      await expect(handle.db.transaction().execute(async (tx) => {
        await tx.insertInto('instance_settings').values({ key: 'rolled back', value: 'x' }).execute();
        charged = guard.checkAttempt(IP);
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error('this request fails');
      })).rejects.toThrow('this request fails');
      await charged;
      // The single allowed attempt was used: the next one is refused.
      await expect(guard.checkAttempt(IP)).rejects.toMatchObject({ status: 429 });
    } finally {
      await guard.close();
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
