import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { bapi, createUser } from '../helpers/fapi.js';

// `phone-numbers call` and `phone-numbers sign-in`, compiled and run as a user would, against a real server.

const run = promisify(execFile);
const CLI = join(process.cwd(), 'dist/cli/index.js');

let t: TestServer;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli/index.js is missing: `npm test` builds it first (npm run build)');
  t = await startTestServer();
});
afterAll(async () => { await t.close(); });

/** The environment the command sees: only what each test gives it, never the caller's Clerk settings. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return { ...env, ...extra };
}

async function cli(env: Record<string, string>, ...args: string[]) {
  return run(process.execPath, [CLI, ...args], { env: cleanEnv(env), timeout: 20_000 });
}

async function failing(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await cli(env, ...args).then(() => undefined, (e: { code: number; stdout: string; stderr: string }) => e);
  if (!result) throw new Error(`phone-numbers ${args.join(' ')} succeeded`);
  return result;
}

async function signedInEnv(): Promise<Record<string, string>> {
  const userId = await createUser(t);
  const ticket = (await bapi(t, 'POST', '/v1/sign_in_tokens', { user_id: userId })).body.token as string;
  const { stdout } = await cli({ FAPI_URL: t.fapiUrl }, 'sign-in', '--ticket', ticket);
  const signedIn = JSON.parse(stdout) as { client_token: string; session_id: string };
  expect(signedIn.session_id).toMatch(/^sess_/);
  return { FAPI_URL: t.fapiUrl, CLERK_CLIENT_TOKEN: signedIn.client_token };
}

// Each run starts a Node process that loads the whole CLI: generous on a busy machine.
describe('phone-numbers call', { timeout: 90_000 }, () => {
  it('lists the operations of the capability file when none is named', async () => {
    const { stdout } = await cli({}, 'call');
    for (const name of ['getPhoneNumbers', 'postPhoneNumbers', 'verifyPhoneNumber', 'sendVerificationSMS', 'ReadPhoneNumber', 'UpdatePhoneNumber', 'DeletePhoneNumber']) {
      expect(stdout).toContain(name);
    }
    expect(stdout).toContain('PATCH  /v1/me/phone_numbers/{phone_number_id}');
  });

  it('adds, verifies and deletes a test-mode number, with body fields as --param body.x=… or body=<json>', async () => {
    const env = await signedInEnv();
    const created = JSON.parse((await cli(env, 'call', 'postPhoneNumbers', '--param', 'body.phone_number=+1 201 555 0180')).stdout);
    expect(created.result.response.phone_number).toBe('+12015550180');
    const id = created.result.response.id as string;

    const prepared = JSON.parse((await cli(env, 'call', 'sendVerificationSMS', '--param', `phone_number_id=${id}`, '--param', 'body.strategy=phone_code')).stdout);
    expect(prepared.result.response.verification.status).toBe('unverified');
    const verified = JSON.parse((await cli(env, 'call', 'verifyPhoneNumber', '--param', `phone_number_id=${id}`, '--param', 'body={"code":"424242"}')).stdout);
    expect(verified.result.response.verification.status).toBe('verified');

    const listed = JSON.parse((await cli(env, 'call', 'getPhoneNumbers')).stdout);
    expect(listed.result.map((n: { id: string }) => n.id)).toEqual([id]);
    const deleted = JSON.parse((await cli(env, 'call', 'DeletePhoneNumber', '--param', `phone_number_id=${id}`)).stdout);
    expect(deleted.result.response).toEqual({ object: 'phone_number', id, deleted: true });
  });

  it('finds the server from CLERK_PUBLISHABLE_KEY, as the capability file binds it', async () => {
    const { CLERK_CLIENT_TOKEN } = await signedInEnv();
    const { stdout } = await cli({ CLERK_PUBLISHABLE_KEY: t.server.ctx.keys.publishableKey, CLERK_CLIENT_TOKEN: CLERK_CLIENT_TOKEN! }, 'call', 'getPhoneNumbers');
    expect(JSON.parse(stdout)).toEqual({ result: [] });
  });

  it('a Clerk error is JSON on stderr with exit code 1', async () => {
    const env = await signedInEnv();
    const failed = await failing(env, 'call', 'ReadPhoneNumber', '--param', 'phone_number_id=idn_missing');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(JSON.parse(failed.stderr)).toMatchObject({ status: 404, errors: [{ code: 'resource_not_found' }], clerkTraceId: expect.any(String) });

    const signedOut = await failing({ FAPI_URL: t.fapiUrl }, 'call', 'getPhoneNumbers');
    expect(JSON.parse(signedOut.stderr)).toMatchObject({ status: 401, errors: [{ code: 'signed_out' }] });
  });

  it('inputs that do not fit exit with 2; a missing setting names the variable', async () => {
    const env = { FAPI_URL: t.fapiUrl, CLERK_CLIENT_TOKEN: 'x' };
    const missing = await failing(env, 'call', 'ReadPhoneNumber');
    expect([missing.code, missing.stderr]).toEqual([2, 'phone-numbers call: ReadPhoneNumber: phone_number_id is required\n']);
    const malformed = await failing(env, 'call', 'getPhoneNumbers', '--param', 'no-equals-sign');
    expect([malformed.code, malformed.stderr]).toEqual([2, 'phone-numbers call: --param no-equals-sign: expected name=value\n']);
    const notObject = await failing(env, 'call', 'ReadPhoneNumber', '--param', 'phone_number_id.x=1');
    expect(notObject.stderr).toContain('phone_number_id is not an object input of ReadPhoneNumber');

    const unset = await failing({}, 'call', 'getPhoneNumbers');
    expect([unset.code, unset.stderr]).toEqual([1, 'Configuration error: FAPI_URL: set FAPI_URL (e.g. http://localhost:4000) or CLERK_PUBLISHABLE_KEY\n']);
  });

  it('a broken capability file is reported with its line and field', async () => {
    const { mkdtempSync, readFileSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'capability-'));
    try {
      const file = join(dir, 'broken.yaml');
      const text = readFileSync(join(process.cwd(), 'capabilities/clerk-frontend-api-phone-numbers.yaml'), 'utf8');
      writeFileSync(file, text.replace('method: DELETE', 'method: REMOVE'));
      const failed = await failing({}, 'call', '--capability', file);
      const line = text.slice(0, text.indexOf('method: DELETE')).split('\n').length;
      expect(failed.stderr).toContain(`${file}:${line}:17: capability.consumes[0].resources[3].operations[2].method: Invalid enum value.`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('phone-numbers sign-in --phone', { timeout: 90_000 }, () => {
  /** Runs the command with a terminal of our own: each prompt on stderr is answered with the next line. */
  async function signInAnswering(phone: string, answers: (() => Promise<string>)[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [CLI, 'sign-in', '--phone', phone], { env: cleanEnv({ FAPI_URL: t.fapiUrl }) });
    let stdout = '';
    let stderr = '';
    let answered = 0;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', async (d) => {
      stderr += d;
      // Answers are not echoed, so each prompt is found by its own words, not by where a line ends.
      const prompts = (stderr.match(/Code: |code\): |backup code: /g) ?? []).length;
      while (answered < prompts && answered < answers.length) child.stdin.write(`${await answers[answered++]!()}\n`);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, stdout, stderr };
  }

  it('asks for the SMS code on the terminal, then the second step\'s, and prints the client token', async () => {
    const phone = '+12025556001';
    const userId = await createUser(t, [phone]);
    const { readCode } = await import('../helpers/fapi.js');
    const since = Date.now();
    const plain = await signInAnswering(phone, [() => readCode(t, phone, since)]);
    expect(plain.stderr).toContain('Code sent to +1******6001');
    expect(plain.code, plain.stderr).toBe(0);
    const signedIn = JSON.parse(plain.stdout) as { client_token: string; session_id: string };
    expect(signedIn.session_id).toMatch(/^sess_/);
    const me = await fetch(`${t.fapiUrl}/v1/me?_is_native=1`, { headers: { authorization: `Bearer ${signedIn.client_token}` } });
    expect((await me.json()).response.id).toBe(userId);

    // Two-step on: the same number is the second factor, and a wrong code may be typed again.
    const numberId = (await (await fetch(`${t.fapiUrl}/v1/me/phone_numbers?_is_native=1`, { headers: { authorization: `Bearer ${signedIn.client_token}` } })).json())[0].id;
    const reserved = await fetch(`${t.fapiUrl}/v1/me/phone_numbers/${numberId}?_is_native=1&_method=PATCH`, {
      method: 'POST', headers: { authorization: `Bearer ${signedIn.client_token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'reserved_for_second_factor=true',
    });
    expect(reserved.status).toBe(200);
    const second = Date.now();
    let afterFirst = 0;
    const twoStep = await signInAnswering(phone, [
      async () => { const code = await readCode(t, phone, second); afterFirst = Date.now(); return code; },
      async () => '000000',
      () => readCode(t, phone, afterFirst),
    ]);
    expect(twoStep.stderr).toContain('Second step: code sent to +1******6001');
    expect(twoStep.stderr).toContain('That code is incorrect.');
    expect(twoStep.code, twoStep.stderr).toBe(0);
    expect(JSON.parse(twoStep.stdout).session_id).toMatch(/^sess_/);
  });

  it('a number nobody has is a Clerk error on stderr with exit code 1', async () => {
    const result = await signInAnswering('+12025556099', []);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('form_identifier_not_found');
  });
});
