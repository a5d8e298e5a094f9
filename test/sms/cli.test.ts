import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeInMessage } from '../../src/sms/message.js';
import { listSms } from '../../src/store/sms-messages.js';
import { addNumber, fapi, newSignedInUser } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { CLI, requireFreshBuild } from './child-server.js';
import { eventually, startProviderServer, type ProviderServer } from './provider-server.js';

// `phone-numbers sms outbox` and `sms retry <id>`, run as an operator would next to a running server
// on the same SQLite file: a message Twilio refused is seen dead, retried, and then goes out.

const run = promisify(execFile);
const PHONE = '+12025558001';

describe('phone-numbers sms', () => {
  let dir: string;
  let twilio: ProviderServer;
  let t: TestServer;
  let accept = false;
  let messageId: string;
  let token: string;
  let phoneId: string;
  const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], {
    env: { ...process.env, DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'silent' }, timeout: 20_000,
  });

  beforeAll(async () => {
    requireFreshBuild();
    dir = mkdtempSync(join(tmpdir(), 'phone-numbers-sms-cli-'));
    twilio = await startProviderServer((_r, i) => (accept
      ? { status: 201, json: { sid: `SM${i}` } }
      : { status: 400, json: { code: 21408, message: 'Permission to send an SMS has not been enabled for the region', status: 400 } }));
    t = await startTestServer({
      DATABASE_URL: `sqlite:${join(dir, 'server.db')}`, SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
      TWILIO_AUTH_TOKEN: 'token-token-token', TWILIO_FROM: '+15005550006', TWILIO_API_URL: twilio.url,
    });
    ({ token } = await newSignedInUser(t));
    phoneId = await addNumber(t, token, PHONE);
    await fapi(t, 'POST', `/v1/me/phone_numbers/${phoneId}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
    const dead = await eventually('the message to be dead', async () => {
      const [row] = await listSms(t.server.ctx.database.db, { to: PHONE });
      return row?.status === 'dead' ? row : undefined;
    });
    messageId = dead.id;
  });

  afterAll(async () => {
    await t?.close();
    await twilio?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sms outbox shows status, tries and the last error, and never the text', async () => {
    const { stdout } = await cli('sms', 'outbox', '--status', 'dead,queued');
    const listed = JSON.parse(stdout);
    expect(listed).toEqual([{
      id: messageId, to: PHONE, provider: 'twilio', status: 'dead', tries: 1, next_attempt_at: null,
      last_error: expect.stringContaining('error 21408'), provider_message_id: null,
      created_at: expect.stringMatching(/^\d{4}-/), sent_at: null,
    }]);
    const code = codeInMessage(new URLSearchParams(twilio.requests[0]!.body).get('Body')!)!;
    expect(stdout).not.toContain(code);
    expect(JSON.parse((await cli('sms', 'outbox', '--status', 'sent')).stdout)).toEqual([]);
    expect(JSON.parse((await cli('sms', 'outbox', '--phone', '+1 202 555 8001', '--limit', '1')).stdout)).toHaveLength(1);
  });

  it('sms outbox refuses an unknown status with one clear line', async () => {
    await expect(cli('sms', 'outbox', '--status', 'lost')).rejects.toMatchObject({ stderr: expect.stringContaining('--status: expected queued, sending, sent, dead, superseded') });
  });

  it('sms retry <id> queues a dead message again; the running server sends it and its code verifies', async () => {
    accept = true;
    const { stdout } = await cli('sms', 'retry', messageId);
    expect(JSON.parse(stdout)).toMatchObject({ id: messageId, status: 'queued', tries: 0 });
    const sent = await eventually('the retried message to be sent', async () => {
      const [row] = await listSms(t.server.ctx.database.db, { to: PHONE });
      return row?.status === 'sent' ? row : undefined;
    });
    expect(sent).toMatchObject({ id: messageId, tries: 1 });
    expect(twilio.requests).toHaveLength(2);
    expect(twilio.requests[1]!.body).toBe(twilio.requests[0]!.body);
    const code = codeInMessage(new URLSearchParams(twilio.requests[1]!.body).get('Body')!)!;
    expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${phoneId}/attempt_verification`, { token, form: { code } })).status).toBe(200);
  });

  it('sms retry refuses a sent message and an unknown id', async () => {
    await expect(cli('sms', 'retry', messageId)).rejects.toMatchObject({ stderr: expect.stringContaining(`${messageId} is sent; only dead or queued messages can be retried`) });
    await expect(cli('sms', 'retry', 'sms_nope')).rejects.toMatchObject({ stderr: expect.stringContaining('no SMS message sms_nope') });
  });
});
