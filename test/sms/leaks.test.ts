import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { codeInMessage } from '../../src/sms/message.js';
import { listSms } from '../../src/store/sms-messages.js';
import { addNumber, fapi, newSignedInUser } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventually, startProviderServer, type ProviderServer } from './provider-server.js';

// Codes and numbers go where they must (the provider) and nowhere else: not in clear in the SQLite
// file or its write-ahead log, not in the log output at debug level, not even when the provider
// fails and quotes the number back. (SQLite project only: it reads the database file's bytes.)

const SID = 'AC0123456789abcdef0123456789abcdef';
const NUMBERS = ['+12025556001', '+12025556002', '+12025556003', '+447400123456'];
const REFUSED_NUMBER = NUMBERS[2]!;

/** A code appears "in clear" when its six digits stand alone, not inside a longer run of digits (a number, a timestamp). */
function containsCode(text: string, code: string): boolean {
  return new RegExp(`(?<!\\d)${code}(?!\\d)`).test(text);
}

describe('no code in clear at rest or in logs', () => {
  let dir: string;
  let dbFile: string;
  let twilio: ProviderServer;
  let t: TestServer;
  let logText = '';
  const codes: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phone-numbers-leaks-'));
    dbFile = join(dir, 'leaks.db');
    twilio = await startProviderServer((request, index) => {
      const to = new URLSearchParams(request.body).get('To');
      if (to === REFUSED_NUMBER) return { status: 400, json: { code: 21614, message: `'To' number ${to} is not a valid mobile number`, status: 400 } };
      if (index === 0) return { status: 500, json: { message: `upstream failed for ${to}` } };
      return { status: 201, json: { sid: `SM${index}` } };
    });
    const logger = createLogger('debug', { write: (line: string) => { logText += line; } });
    t = await startTestServer({
      DATABASE_URL: `sqlite:${dbFile}`, LOG_LEVEL: 'debug', OUTBOX_BACKOFF_BASE_MS: '20',
      SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'token-token-token', TWILIO_FROM: '+15005550006', TWILIO_API_URL: twilio.url,
    }, { logger });

    // Every path a code takes: sent, retried, replaced, refused by the provider, guessed wrong, verified.
    const { token } = await newSignedInUser(t);
    for (const phone of NUMBERS) {
      const id = await addNumber(t, token, phone);
      const times = phone === NUMBERS[1] ? 2 : 1;
      for (let i = 0; i < times; i++) {
        expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } })).status).toBe(200);
      }
      const rows = await eventually(`the messages to ${phone} to settle`, async () => {
        const all = await listSms(t.server.ctx.database.db, { to: phone });
        return all.length === times && all.every((r) => ['sent', 'dead', 'superseded'].includes(r.status)) ? all : undefined;
      });
      if (rows.some((r) => r.status === 'sent')) {
        const sentBodies = twilio.requests.map((r) => new URLSearchParams(r.body)).filter((f) => f.get('To') === phone);
        const code = codeInMessage(sentBodies.at(-1)!.get('Body')!)!;
        const wrong = code === '000000' ? '000001' : '000000';
        await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code: wrong } });
        expect((await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code } })).status).toBe(200);
      }
    }
    // Every code that was made, the refused and replaced ones included, as the provider saw them.
    for (const request of twilio.requests) codes.push(codeInMessage(new URLSearchParams(request.body).get('Body')!)!);
  });

  afterAll(async () => {
    await t?.close();
    await twilio?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the flows really ran: several codes, a retry, a permanent refusal', async () => {
    expect(new Set(codes).size).toBeGreaterThanOrEqual(4);
    // The detector sees a code where one is in clear: the provider's request body.
    expect(containsCode(decodeURIComponent(twilio.requests[0]!.body.replace(/\+/g, ' ')), codes[0]!)).toBe(true);
    const statuses = (await listSms(t.server.ctx.database.db, {})).map((r) => r.status);
    expect(statuses).toHaveLength(5);
    expect(statuses.filter((s) => s === 'dead')).toHaveLength(1);
    // The number asked twice got two messages: the first sent, or superseded if the second came first.
    expect(statuses.filter((s) => s === 'sent').length).toBeGreaterThanOrEqual(3);
    expect(logText).toContain('sms send failed; will retry');
    expect(logText).toContain('sms dead');
  });

  it('the database file and its write-ahead log hold no code in clear', () => {
    const files = [dbFile, `${dbFile}-wal`].filter(existsSync);
    expect(files).toContain(dbFile);
    const bytes = files.map((f) => readFileSync(f).toString('latin1')).join('\n');
    expect(bytes.length).toBeGreaterThan(10_000);
    // The check can see what it looks for: the numbers themselves are stored (that is the service).
    expect(bytes).toContain(NUMBERS[0]);
    for (const code of codes) expect(containsCode(bytes, code), `code ${code} found in the database files`).toBe(false);
  });

  it('the debug log output holds no code and no full phone number', () => {
    expect(logText.length).toBeGreaterThan(1_000);
    for (const code of codes) expect(containsCode(logText, code), `code ${code} found in the log`).toBe(false);
    for (const phone of NUMBERS) {
      expect(logText).not.toContain(phone);
      expect(logText).not.toContain(phone.slice(1));
      expect(logText).not.toContain(phone.slice(-10));
    }
  });
});
