import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.js';
import { phoneNumbers } from '../helpers/cli.js';
import { freshPostgresUrl } from '../helpers/postgres.js';
import { startProviderServer, type ProviderServer } from '../sms/provider-server.js';

// `phone-numbers doctor` run as an operator runs it: the compiled command, real files, a real Redis and
// PostgreSQL, closed ports for what is down, and a local server playing Twilio's account resource.

let dir: string;
const doctor = (env: Record<string, string>, ...args: string[]) => phoneNumbers(env, 'doctor', ...args);

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phone-numbers-doctor-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('phone-numbers doctor', () => {
  it('a good development configuration passes, before the database exists (creating nothing) and after', async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, 'good.db')}` };
    const before = await doctor(env);
    expect(before, before.stdout + before.stderr).toMatchObject({ code: 0 });
    expect(before.stdout).toMatch(/^ {2}ok {7}configuration: +every setting reads \(INSTANCE_TYPE=development\)$/m);
    expect(before.stdout).toContain('good.db does not exist yet: the first start (or phone-numbers migrate) creates it');
    expect(before.stdout).toMatch(/ok {7}SMS provider: +dev inbox/);
    expect(before.stdout).toMatch(/skipped +webhook endpoints: +not configured \(no WEBHOOK_URL\)/);
    expect(before.stdout.trimEnd().split('\n').at(-1)).toBe('no fatal problem');
    expect(existsSync(join(dir, 'good.db'))).toBe(false);

    expect(await phoneNumbers(env, 'users', 'create')).toMatchObject({ code: 0 });
    const after = await doctor(env);
    expect(after, after.stdout).toMatchObject({ code: 0 });
    expect(after.stdout).toMatch(new RegExp(`ok {7}database: +reachable, writable, migrations current \\(${Object.keys(migrations).at(-1)}\\)`));
    expect(after.stdout).toMatch(/ok {7}CLERK_SECRET_KEY: +unset: the generated development key is kept in clear in the database/);
    expect(after.stdout).not.toMatch(/FATAL|warning/);
  });

  it('lists every problem at once, each with its setting, and exits 1', async () => {
    const port = await closedPort();
    const result = await doctor({ DATABASE_URL: 'sqlite:/dev/null/nested/phones.db', REDIS_URL: `redis://127.0.0.1:${port}`, SMS_PROVIDER: 'twilio' });
    expect(result.code).toBe(1);
    const fatal = result.stdout.split('\n').filter((line) => line.startsWith('  FATAL'));
    expect(fatal).toEqual([
      expect.stringMatching(/^ {2}FATAL {4}TWILIO_ACCOUNT_SID: required when SMS_PROVIDER=twilio$/),
      expect.stringMatching(/^ {2}FATAL {4}TWILIO_AUTH_TOKEN: +required when SMS_PROVIDER=twilio$/),
      expect.stringMatching(/^ {2}FATAL {4}TWILIO_FROM: +TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required/),
      expect.stringMatching(/^ {2}FATAL {4}DATABASE_URL: +\/dev\/null is not a directory, so \/dev\/null\/nested\/phones\.db cannot be created$/),
      expect.stringMatching(new RegExp(`^ {2}FATAL {4}REDIS_URL: +Redis does not answer: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`)),
    ]);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('5 fatal problems: change the settings named above');
  });

  describe('Twilio', () => {
    const sid = `AC${'0123456789abcdef'.repeat(2)}`;
    const token = 'f'.repeat(32);
    const wrongToken = 'e'.repeat(32);
    let twilio: ProviderServer;
    let accountStatus = 'active';
    beforeAll(async () => {
      twilio = await startProviderServer((request) => {
        const expected = `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`;
        if (request.headers.authorization !== expected) return { status: 401, json: { code: 20003, message: 'Authenticate' } };
        return { status: 200, json: { sid, status: accountStatus } };
      });
    });
    afterAll(() => twilio?.close());
    const twilioEnv = (authToken: string) => ({
      DATABASE_URL: `sqlite:${join(dir, 'twilio.db')}`, SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: authToken,
      TWILIO_FROM: '+15005550006', TWILIO_API_URL: twilio.url,
    });

    it('without --online nothing is asked; with it, one GET on the account says whether the token is accepted', async () => {
      const offline = await doctor(twilioEnv(token));
      expect(offline, offline.stdout).toMatchObject({ code: 0 });
      expect(offline.stdout).toContain('twilio, settings well-formed');
      expect(twilio.requests).toHaveLength(0);

      const online = await doctor(twilioEnv(token), '--online');
      expect(online, online.stdout).toMatchObject({ code: 0 });
      expect(online.stdout).toMatch(/ok {7}SMS provider: +twilio, credentials accepted, account active/);
      expect(twilio.requests).toHaveLength(1);
      expect(twilio.requests[0]).toMatchObject({ method: 'GET', path: `/2010-04-01/Accounts/${sid}.json`, body: '' });

      const refused = await doctor(twilioEnv(wrongToken), '--online');
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/FATAL {4}TWILIO_AUTH_TOKEN: +Twilio refused TWILIO_ACCOUNT_SID with this token \(HTTP 401\)/);
      expect(refused.stdout).not.toContain(wrongToken);

      accountStatus = 'suspended';
      const suspended = await doctor(twilioEnv(token), '--online');
      expect(suspended.code).toBe(1);
      expect(suspended.stdout).toMatch(/FATAL {4}TWILIO_ACCOUNT_SID: +the account is suspended, not active/);
      expect(twilio.requests).toHaveLength(3);
    });

    it("settings Twilio's API would refuse are fatal, and never repeated", async () => {
      const result = await doctor({ DATABASE_URL: `sqlite:${join(dir, 'twilio.db')}`, SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 'hunter2', TWILIO_FROM: '5550006' });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/FATAL {4}TWILIO_ACCOUNT_SID: +expected AC followed by 32 hex digits: Twilio would refuse it/);
      expect(result.stdout).toMatch(/FATAL {4}TWILIO_AUTH_TOKEN: +expected 32 hex digits/);
      expect(result.stdout).toMatch(/FATAL {4}TWILIO_FROM: +expected an E\.164 number/);
      expect(result.stdout).not.toContain('hunter2');
    });
  });

  it('a bad SMS webhook secret is fatal', async () => {
    const result = await doctor({ DATABASE_URL: `sqlite:${join(dir, 'webhook.db')}`, SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: 'http://127.0.0.1:9/sms', SMS_WEBHOOK_SECRET: 'whsec_not*base64' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FATAL {4}SMS_WEBHOOK_SECRET: +the part after whsec_ must be base64/);
  });

  it('webhook endpoints: well-formed ones are ok (and not called), a bad secret is fatal, naming the variable', async () => {
    const good = await doctor({ DATABASE_URL: `sqlite:${join(dir, 'hooks.db')}`, WEBHOOK_URL: 'http://127.0.0.1:9/hooks,https://hooks.example.com/clerk', WEBHOOK_SECRET: `whsec_${Buffer.alloc(24, 7).toString('base64')}` });
    expect(good.stdout).toMatch(/ok {7}webhook endpoints: +2 endpoints, 8 event types, secret well-formed/);
    const bad = await doctor({ DATABASE_URL: `sqlite:${join(dir, 'hooks.db')}`, WEBHOOK_URL: 'https://hooks.example.com/clerk', WEBHOOK_SECRET: 'whsec_short' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FATAL {4}WEBHOOK_SECRET: +expected whsec_/);
    expect(bad.stdout).not.toContain('whsec_short');
  });

  it('a database sealed with another secret key, or migrated by a newer version, is fatal', async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, 'sealed.db')}` };
    expect(await phoneNumbers(env, 'users', 'create')).toMatchObject({ code: 0 });
    const otherKey = await doctor({ ...env, CLERK_SECRET_KEY: `sk_test_${'A'.repeat(40)}` });
    expect(otherKey.code).toBe(1);
    expect(otherKey.stdout).toMatch(/FATAL {4}CLERK_SECRET_KEY: +the database was sealed with another secret key: .*dev_secret_key/);

    const sqlite = new SQLite(join(dir, 'sealed.db'));
    sqlite.prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)').run('999-from-the-future', new Date().toISOString());
    sqlite.close();
    const newer = await doctor(env);
    expect(newer.code).toBe(1);
    expect(newer.stdout).toMatch(/FATAL {4}DATABASE_URL: +the database was migrated by a newer version \(999-from-the-future\)/);
  });

  const postgresUrl = process.env.TEST_DATABASE_URL?.trim();
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!postgresUrl) console.warn('!!! doctor on PostgreSQL SKIPPED: TEST_DATABASE_URL is not set');
  it.skipIf(!postgresUrl)('PostgreSQL and Redis that answer pass; a PostgreSQL that does not is fatal', async () => {
    const database = freshPostgresUrl(postgresUrl);
    try {
      const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl };
      const empty = await doctor(env);
      expect(empty, empty.stdout).toMatchObject({ code: 0 });
      expect(empty.stdout).toMatch(/ok {7}database: +reachable and writable, no tables yet/);
      expect(empty.stdout).toMatch(/ok {7}Redis: +answers and takes writes/);
      expect(await phoneNumbers(env, 'migrate')).toMatchObject({ code: 0 });
      const migrated = await doctor(env);
      expect(migrated, migrated.stdout).toMatchObject({ code: 0 });
      expect(migrated.stdout).toMatch(new RegExp(`ok {7}database: +reachable, writable, migrations current \\(${Object.keys(migrations).at(-1)}\\)`));
    } finally {
      await database.cleanup();
    }
    const down = new URL(postgresUrl!);
    down.port = String(await closedPort());
    const unreachable = await doctor({ DATABASE_URL: down.toString() });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stdout).toMatch(/FATAL {4}DATABASE_URL: +cannot reach the database: .*ECONNREFUSED/);
  });
});
