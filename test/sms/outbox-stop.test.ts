import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { OutboxWorker } from '../../src/sms/outbox.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../../src/sms/provider.js';
import { migrate, openDatabase, type DatabaseHandle } from '../../src/store/db.js';
import { enqueueSms, listSms } from '../../src/store/sms-messages.js';
import { seal } from '../../src/domain/seal.js';
import { freshDatabaseUrl } from '../helpers/server.js';

// A worker told to stop finishes the message in flight and hands the rest of its batch back at once,
// instead of sending them during shutdown or leaving them locked until the lease runs out.

const key = Buffer.alloc(32, 3);
let database: DatabaseHandle | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await database?.close();
  await cleanup?.();
});

/** A provider whose first send waits until the test lets it go. */
function heldProvider(): SmsProvider & { sent: string[]; started: Promise<void>; release: () => void } {
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const startedPromise = new Promise<void>((r) => { started = r; });
  const sent: string[] = [];
  return {
    name: 'held',
    sent,
    started: startedPromise,
    release,
    async send(message: OutgoingSms): Promise<SendResult> {
      if (sent.length === 0) {
        started();
        await gate;
      }
      sent.push(message.id);
      return { ok: true, providerMessageId: null };
    },
  };
}

describe('outbox shutdown', () => {
  it('stop() delivers the message in flight and releases the rest of the claimed batch', async () => {
    const fresh = freshDatabaseUrl();
    cleanup = fresh.cleanup;
    database = openDatabase(fresh.url);
    await migrate(database);
    const now = Date.now();
    for (let i = 0; i < 4; i++) {
      await enqueueSms(database.db, {
        id: `sms_test${i}`, user_id: null, phone_number_id: null, verification_id: null, to_phone: '+12025552400',
        body_sealed: seal(key, `message ${i}`), provider: 'held', status: 'queued', tries: 0, next_attempt_at: now + i,
        claimed_by: null, claimed_until: null, last_error: null, provider_message_id: null, created_at: now + i, updated_at: now, sent_at: null,
      });
    }
    const provider = heldProvider();
    const worker = new OutboxWorker(database, provider, key, createLogger('silent'), { maxTries: 3, pollMs: 60_000, leaseMs: 60_000, batchSize: 10, metrics: new Metrics() });
    worker.start();
    await provider.started;
    const stopping = worker.stop();
    provider.release();
    await stopping;

    expect(provider.sent).toEqual(['sms_test0']);
    const rows = await listSms(database.db, { limit: 10 });
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get('sms_test0')).toMatchObject({ status: 'sent', tries: 1 });
    for (const id of ['sms_test1', 'sms_test2', 'sms_test3']) {
      expect(byId.get(id)).toMatchObject({ status: 'queued', tries: 0, claimed_by: null, claimed_until: null });
    }
  });
});
