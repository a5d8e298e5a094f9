import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/db.js';
import { listWebhookDeliveries } from '../../src/store/webhooks.js';
import { createUser } from '../helpers/fapi.js';
import { freshDatabaseUrl, RELAXED_LIMITS_ENV } from '../helpers/server.js';
import { startInstance, secretKeyForTest, type Instance } from '../multi-instance/harness.js';
import { eventually } from '../sms/provider-server.js';
import { startReceiver, verifiedAll, type Receiver } from './receiver.js';

// Two server processes on one PostgreSQL schema, both running the webhook worker: each event goes
// to the endpoint once, whichever instance wrote it and whichever claims it (FOR UPDATE SKIP LOCKED
// and the lease of src/delivery/). (PostgreSQL project only.)

const EVENTS = 40;

describe('two instances on one PostgreSQL deliver each webhook event once', () => {
  let receiver: Receiver;
  let database: { url: string; cleanup: () => Promise<void> };
  let store: DatabaseHandle;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    receiver = await startReceiver();
    database = freshDatabaseUrl();
    const env = {
      ...RELAXED_LIMITS_ENV,
      DATABASE_URL: database.url, DATABASE_POOL_SIZE: '5', CLERK_SECRET_KEY: secretKeyForTest(), INSTANCE_TYPE: 'development',
      WEBHOOK_URL: `${receiver.url}/clerk-webhooks`, WEBHOOK_SECRET: receiver.secret, OUTBOX_POLL_MS: '50',
    };
    // One after the other: the first start migrates the fresh schema.
    a = await startInstance('a', env);
    b = await startInstance('b', env);
    store = openDatabase(database.url);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await store?.close();
    await receiver?.close();
    await database?.cleanup();
  });

  it(`${EVENTS} user.created events written on both instances arrive once each`, async () => {
    const userIds = await Promise.all(Array.from({ length: EVENTS }, (_, i) => createUser((i % 2 === 0 ? a : b).t)));
    const rows = await eventually('every delivery to be sent', async () => {
      const all = await listWebhookDeliveries(store.db, { limit: 1000 });
      return all.length === EVENTS && all.every((d) => d.status === 'sent') ? all : undefined;
    }, 30_000);

    const deliveries = await verifiedAll(receiver);
    expect(deliveries).toHaveLength(EVENTS);
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(EVENTS);
    expect(deliveries.map((d) => d.event.data.id).sort()).toEqual([...userIds].sort());
    expect(rows.every((d) => d.tries === 1)).toBe(true);
    // Both workers took part: the claims are what was contended.
    expect(new Set(rows.map((d) => d.claimed_by)).size).toBe(2);
    expect(a.output()).not.toMatch(/error/i);
    expect(b.output()).not.toMatch(/error/i);
  });
});
