import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { listSms } from '../../src/store/sms-messages.js';
import { addNumber, createUser, fapi, signIn } from '../helpers/fapi.js';
import { freshDatabaseUrl } from '../helpers/server.js';
import { testDatabaseMode } from '../helpers/postgres.js';
import { startInstance, secretKeyForTest, WebhookGateway, type Instance } from './harness.js';

// A rolling deploy sends SIGTERM: the instance stops accepting connections at once, but finishes the
// SMS it is sending (and records it) before it closes the pool and exits 0. Runs on both databases.

describe(`graceful shutdown on ${testDatabaseMode}`, () => {
  const gateway = new WebhookGateway();
  let database: { url: string; cleanup: () => Promise<void> };
  let instance: Instance;

  beforeAll(async () => {
    await gateway.start();
    database = freshDatabaseUrl();
    instance = await startInstance('instance', {
      DATABASE_URL: database.url,
      CLERK_SECRET_KEY: secretKeyForTest(),
      SMS_PROVIDER: 'webhook',
      SMS_WEBHOOK_URL: gateway.url,
      SMS_WEBHOOK_SECRET: gateway.secret,
      OUTBOX_POLL_MS: '50',
    });
  }, 60_000);

  afterAll(async () => {
    await instance?.stop();
    await database?.cleanup();
    await gateway.close();
  });

  it('on SIGTERM stops accepting, finishes the SMS in flight, records it, and exits 0', async () => {
    const userId = await createUser(instance.t);
    const { token } = await signIn(instance.t, userId);
    const phone = '+12025559871';
    const id = await addNumber(instance.t, token, phone);
    const held = gateway.hold();
    const prepared = await fapi(instance.t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    expect(prepared.status).toBe(200);
    await held.arrived;

    const exit = new Promise<number | null>((resolve) => instance.child.once('exit', (code) => resolve(code)));
    instance.child.kill('SIGTERM');
    // New connections are refused while the SMS is still in flight (bounded wait for the listener to close).
    let refused = false;
    for (let i = 0; i < 100 && !refused; i++) {
      refused = await fetch(new URL('/v1/health', instance.t.fapiUrl)).then(() => false, () => true);
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refused, instance.output()).toBe(true);
    expect(instance.child.exitCode, 'the process left with a send in flight').toBeNull();

    held.release();
    expect(await exit, instance.output()).toBe(0);
    expect(gateway.deliveries.map((d) => d.to)).toEqual([phone]);
    const store = openDatabase(database.url);
    try {
      const rows = await listSms(store.db, { to: phone });
      expect(rows.map((r) => [r.status, r.tries])).toEqual([['sent', 1]]);
    } finally {
      await store.close();
    }
  });
});
