import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { listWebhookDeliveries } from '../../src/store/webhooks.js';
import { createUser } from '../helpers/fapi.js';
import { killHard, requireFreshBuild, startChildServer, stopChild, type ChildServer } from '../sms/child-server.js';
import { startReceiver, verified, type Receiver } from './receiver.js';

// Webhook delivery loses nothing: a server process killed with SIGKILL after a change and its event
// were committed, but before the event was delivered, leaves the delivery to the next process on the
// same SQLite file, which delivers the same event (same svix-id, same body). At least once: the
// receiver may see it twice when the first process died after sending, and drops it by svix-id.
// (SQLite project only: the processes share one database file.)

const SECRET_KEY = `sk_test_${randomBytes(18).toString('hex')}`;

let dir: string;
let receiver: Receiver | undefined;
const children: ChildServer[] = [];

beforeAll(() => {
  requireFreshBuild();
});
afterEach(async () => {
  for (const child of children.splice(0)) await stopChild(child);
  await receiver?.close();
  receiver = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function childEnv(databaseFile: string, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: `sqlite:${databaseFile}`, LOG_LEVEL: 'warn',
    WEBHOOK_URL: `${receiver!.url}/clerk-webhooks`, WEBHOOK_SECRET: receiver!.secret,
    OUTBOX_POLL_MS: '100', OUTBOX_LEASE_MS: '1500', WEBHOOK_TIMEOUT_MS: '1000', SMS_SEND_TIMEOUT_MS: '1000', ...extra,
  };
}

async function start(env: Record<string, string>): Promise<ChildServer> {
  const child = await startChildServer(env, SECRET_KEY);
  children.push(child);
  return child;
}

async function deliveriesOnDisk(databaseFile: string) {
  const handle = openDatabase(`sqlite:${databaseFile}`);
  try {
    return await listWebhookDeliveries(handle.db);
  } finally {
    await handle.close();
  }
}

async function sent(databaseFile: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rows = await deliveriesOnDisk(databaseFile);
    if (rows.length === 1 && rows[0]!.status === 'sent') return rows[0]!;
    if (Date.now() > deadline) throw new Error(`the event was not delivered: ${JSON.stringify(rows.map((r) => r.status))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('kill -9 between commit and delivery', () => {
  it('killed before any worker claimed the event: the next process delivers it, once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'phone-numbers-webhook-crash-'));
    const file = join(dir, 'shared.db');
    receiver = await startReceiver();

    // No worker in the first process: the event is committed with the user and nothing else happens to it.
    const first = await start(childEnv(file, { OUTBOX_WORKER: 'false' }));
    const userId = await createUser(first.api);
    await killHard(first);
    const [orphan] = await deliveriesOnDisk(file);
    expect(orphan).toMatchObject({ status: 'queued', tries: 0, event_type: 'user.created' });
    expect(receiver.requests).toHaveLength(0);

    await start(childEnv(file));
    const [delivery] = await receiver.waitForRequests(1);
    expect(await sent(file)).toMatchObject({ id: orphan!.id, tries: 1 });
    const event = await verified(delivery!, receiver.secret);
    expect(delivery!.headers['svix-id']).toBe(orphan!.event_id);
    expect(event).toMatchObject({ type: 'user.created', data: { id: userId } });
    expect(receiver.requests).toHaveLength(1);
  });

  it('killed while the delivery is in flight: the next process delivers the same event once the lease ends', async () => {
    dir = mkdtempSync(join(tmpdir(), 'phone-numbers-webhook-crash-'));
    const file = join(dir, 'shared.db');
    // The receiver takes the first request and never answers it: the first process dies waiting.
    receiver = await startReceiver((_request, index) => (index === 0 ? 'hold' : { status: 200 }));

    const first = await start(childEnv(file));
    const userId = await createUser(first.api);
    const [inFlight] = await receiver.waitForRequests(1);
    await killHard(first);
    const [orphan] = await deliveriesOnDisk(file);
    expect(orphan).toMatchObject({ status: 'sending', tries: 0 });

    await start(childEnv(file));
    const [, again] = await receiver.waitForRequests(2);
    expect(await sent(file)).toMatchObject({ id: orphan!.id, tries: 1 });
    // The same event: same svix-id (the receiver's key to drop the duplicate), same body; a fresh signature.
    expect(again!.headers['svix-id']).toBe(inFlight!.headers['svix-id']);
    expect(again!.body).toBe(inFlight!.body);
    expect(await verified(again!, receiver.secret)).toMatchObject({ type: 'user.created', data: { id: userId } });
    expect(receiver.requests).toHaveLength(2);
  });
});
