import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codeInMessage } from '../../src/sms/message.js';
import { openDatabase } from '../../src/store/db.js';
import { listSms } from '../../src/store/sms-messages.js';
import { addNumber, fapi, newSignedInUser } from '../helpers/fapi.js';
import { killHard, requireFreshBuild, startChildServer, stopChild, type ChildServer } from './child-server.js';
import { receiverAccepts, startProviderServer, type ProviderServer } from './provider-server.js';

// The outbox loses nothing: a server process killed with SIGKILL after the verification and its SMS
// were committed, but before the SMS was sent, leaves the message to the next process on the same
// SQLite file, which sends it exactly as it was written, and its code then verifies.
// (SQLite project only: the processes share one database file.)

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const SECRET_KEY = `sk_test_${randomBytes(18).toString('hex')}`;
const PHONE = '+12025557001';

let dir: string;
let gateway: ProviderServer | undefined;
const children: ChildServer[] = [];

beforeAll(() => {
  requireFreshBuild();
});
afterEach(async () => {
  for (const child of children.splice(0)) await stopChild(child);
  await gateway?.close();
  gateway = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function childEnv(databaseFile: string, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: `sqlite:${databaseFile}`, LOG_LEVEL: 'warn',
    SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: `${gateway!.url}/sms`, SMS_WEBHOOK_SECRET: SECRET,
    OUTBOX_POLL_MS: '100', OUTBOX_LEASE_MS: '1500', SMS_SEND_TIMEOUT_MS: '1000', ...extra,
  };
}

async function start(env: Record<string, string>): Promise<ChildServer> {
  const child = await startChildServer(env, SECRET_KEY);
  children.push(child);
  return child;
}

async function rowsOnDisk(databaseFile: string) {
  const handle = openDatabase(`sqlite:${databaseFile}`);
  try {
    return await listSms(handle.db, { to: PHONE });
  } finally {
    await handle.close();
  }
}

async function settled(databaseFile: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rows = await rowsOnDisk(databaseFile);
    if (rows.length === 1 && rows[0]!.status === 'sent') return rows[0]!;
    if (Date.now() > deadline) throw new Error(`the message was not sent: ${JSON.stringify(rows.map((r) => r.status))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('kill -9 between commit and send', () => {
  it('killed while the provider call is in flight: the next process sends the same message once its lease ends', async () => {
    dir = mkdtempSync(join(tmpdir(), 'phone-numbers-crash-'));
    const file = join(dir, 'shared.db');
    // The gateway takes the first request and never answers it: the first process dies waiting.
    gateway = await startProviderServer((_request, index) => (index === 0 ? 'hold' : { status: 200 }));

    const first = await start(childEnv(file));
    const { token } = await newSignedInUser(first.api);
    const id = await addNumber(first.api, token, PHONE);
    expect((await fapi(first.api, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } })).status).toBe(200);
    const [inFlight] = await gateway.waitForRequests(1);
    await killHard(first);

    const [orphan] = await rowsOnDisk(file);
    expect(orphan).toMatchObject({ status: 'sending', tries: 0, sent_at: null });

    const second = await start(childEnv(file));
    const [, delivered] = await gateway.waitForRequests(2);
    const row = await settled(file);
    expect(row).toMatchObject({ id: orphan!.id, tries: 1 });

    // Exactly the message that was committed: same id (receivers deduplicate on it), same recipient and text.
    expect(delivered!.headers['webhook-id']).toBe(orphan!.id);
    expect(JSON.parse(delivered!.body).data).toEqual(JSON.parse(inFlight!.body).data);
    expect(JSON.parse(delivered!.body).data).toMatchObject({ id: orphan!.id, to: PHONE });
    expect(receiverAccepts(SECRET, delivered!)).toBe(true);
    expect(gateway.requests).toHaveLength(2);

    const code = codeInMessage(JSON.parse(delivered!.body).data.body)!;
    const verified = await fapi(second.api, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } });
    expect(verified.status).toBe(200);
  });

  it('killed before any worker claimed the message: the next process sends it, once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'phone-numbers-crash-'));
    const file = join(dir, 'shared.db');
    gateway = await startProviderServer(() => ({ status: 200 }));

    // No worker in the first process: the message is committed and nothing else happens to it.
    const first = await start(childEnv(file, { OUTBOX_WORKER: 'false' }));
    const { token } = await newSignedInUser(first.api);
    const id = await addNumber(first.api, token, PHONE);
    expect((await fapi(first.api, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } })).status).toBe(200);
    await killHard(first);
    const [orphan] = await rowsOnDisk(file);
    expect(orphan).toMatchObject({ status: 'queued', tries: 0 });
    expect(gateway.requests).toHaveLength(0);

    const second = await start(childEnv(file));
    const [delivered] = await gateway.waitForRequests(1);
    const row = await settled(file);
    expect(row).toMatchObject({ id: orphan!.id, tries: 1 });
    expect(delivered!.headers['webhook-id']).toBe(orphan!.id);
    expect(receiverAccepts(SECRET, delivered!)).toBe(true);
    expect(gateway.requests).toHaveLength(1);
    const code = codeInMessage(JSON.parse(delivered!.body).data.body)!;
    expect((await fapi(second.api, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } })).status).toBe(200);
  });
});
