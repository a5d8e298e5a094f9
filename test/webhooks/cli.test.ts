import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWebhookDeliveries } from '../../src/store/webhooks.js';
import { createUser } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { CLI, requireFreshBuild } from '../sms/child-server.js';
import { eventually } from '../sms/provider-server.js';
import { startReceiver, verified, type Receiver } from './receiver.js';

// `phone-numbers webhooks list` and `webhooks retry <id>`, run as an operator would next to a running
// server on the same SQLite file: a delivery the receiver kept refusing is seen dead, retried, and
// then arrives with its original svix-id.

const run = promisify(execFile);
const PHONE = '+12025558101';

describe('phone-numbers webhooks', () => {
  let dir: string;
  let receiver: Receiver;
  let t: TestServer;
  let accept = false;
  let deliveryId: string;
  const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], {
    env: { ...process.env, DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'silent' }, timeout: 20_000,
  });

  beforeAll(async () => {
    requireFreshBuild();
    dir = mkdtempSync(join(tmpdir(), 'phone-numbers-webhooks-cli-'));
    receiver = await startReceiver(() => ({ status: accept ? 204 : 500 }));
    t = await startTestServer({
      DATABASE_URL: `sqlite:${join(dir, 'server.db')}`, OUTBOX_BACKOFF_BASE_MS: '20', WEBHOOK_MAX_TRIES: '2',
      WEBHOOK_URL: `${receiver.url}/clerk-webhooks?token=query-credential`, WEBHOOK_SECRET: receiver.secret,
    });
    await createUser(t, [PHONE]);
    const dead = await eventually('the delivery to be dead', async () => {
      const [row] = await listWebhookDeliveries(t.server.ctx.database.db);
      return row?.status === 'dead' ? row : undefined;
    });
    deliveryId = dead.id;
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('webhooks list shows event, endpoint, status, tries and the last error; never the payload or the URL\'s query', async () => {
    const { stdout } = await cli('webhooks', 'list', '--status', 'dead,queued');
    expect(JSON.parse(stdout)).toEqual([{
      id: deliveryId, event_id: receiver.requests[0]!.headers['svix-id'], type: 'user.created', endpoint: `${receiver.url}/clerk-webhooks`,
      status: 'dead', tries: 2, next_attempt_at: null, last_error: 'receiver answered 500', response_status: 500,
      created_at: expect.stringMatching(/^\d{4}-/), sent_at: null,
    }]);
    expect(stdout).not.toContain(PHONE.slice(2));
    expect(stdout).not.toContain('query-credential');
    expect(JSON.parse((await cli('webhooks', 'list', '--status', 'sent')).stdout)).toEqual([]);
    await expect(cli('webhooks', 'list', '--status', 'lost')).rejects.toMatchObject({ stderr: expect.stringContaining('--status: expected queued, sending, sent, dead, disabled') });
  });

  it('webhooks retry <id> queues a dead delivery again; the running server delivers the same event', async () => {
    accept = true;
    const { stdout } = await cli('webhooks', 'retry', deliveryId);
    expect(JSON.parse(stdout)).toMatchObject({ id: deliveryId, status: 'queued', tries: 0 });
    const sent = await eventually('the retried delivery to be sent', async () => {
      const [row] = await listWebhookDeliveries(t.server.ctx.database.db);
      return row?.status === 'sent' ? row : undefined;
    });
    expect(sent).toMatchObject({ id: deliveryId, tries: 1, response_status: 204 });
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests[2]!.headers['svix-id']).toBe(receiver.requests[0]!.headers['svix-id']);
    expect(receiver.requests[2]!.body).toBe(receiver.requests[0]!.body);
    expect(await verified(receiver.requests[2]!, receiver.secret)).toMatchObject({ type: 'user.created' });
  });

  it('webhooks retry refuses a sent delivery and an unknown id', async () => {
    await expect(cli('webhooks', 'retry', deliveryId)).rejects.toMatchObject({ stderr: expect.stringContaining(`${deliveryId} is sent; only dead, disabled or queued deliveries can be retried`) });
    await expect(cli('webhooks', 'retry', 'whd_nope')).rejects.toMatchObject({ stderr: expect.stringContaining('no webhook delivery whd_nope') });
  });
});
