import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClerkApiError } from '../../src/client/index.js';
import { loadCapability, parseCapability, PHONE_NUMBERS_CAPABILITY_PATH } from '../../src/capability/loader.js';
import { CapabilityInputError, runOperation, type RunTarget } from '../../src/capability/runner.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { newSignedInUser } from '../helpers/fapi.js';

// The capability runner against a real server: each operation by name, inputs placed as the file
// says, outputs mapped, the base URL from the target or the publishable key the file binds.

const capability = loadCapability();
let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

let testNumber = 120;
const nextTestNumber = () => `+1201555${String(testNumber++).padStart(4, '0')}`;

async function signedInTarget(): Promise<RunTarget & { sessionId: string }> {
  const { token, sessionId } = await newSignedInUser(t);
  return { baseUrl: t.fapiUrl, token, sessionId };
}

const notSent: typeof fetch = async () => { throw new Error('a request was sent for inputs that should have been refused'); };

async function rejection<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(type);
  return error as T;
}

describe('runOperation', () => {
  it('runs all seven operations against the server, each answer mapped by "$." to the whole JSON', async () => {
    const target = await signedInTarget();
    const phone = nextTestNumber();
    const created = await runOperation(capability, 'postPhoneNumbers', { body: { phone_number: phone } }, target);
    expect(created.status).toBe(200);
    const wrapped = created.outputs.result as { response: { id: string; phone_number: string }; client: { object: string } };
    expect(Object.keys(created.outputs)).toEqual(['result']);
    expect(wrapped.response.phone_number).toBe(phone);
    expect(wrapped.client.object).toBe('client');
    const id = wrapped.response.id;

    expect((await runOperation(capability, 'getPhoneNumbers', {}, target)).outputs.result).toMatchObject([{ id, phone_number: phone }]);
    expect((await runOperation(capability, 'ReadPhoneNumber', { phone_number_id: id }, target)).outputs.result)
      .toMatchObject({ response: { id, verification: null } });
    expect((await runOperation(capability, 'sendVerificationSMS', { phone_number_id: id, body: { strategy: 'phone_code' } }, target)).outputs.result)
      .toMatchObject({ response: { verification: { status: 'unverified', strategy: 'phone_code' } } });
    expect((await runOperation(capability, 'verifyPhoneNumber', { phone_number_id: id, body: { code: '424242' } }, target)).outputs.result)
      .toMatchObject({ response: { verification: { status: 'verified' } } });
    expect((await runOperation(capability, 'UpdatePhoneNumber', { phone_number_id: id, body: { reserved_for_second_factor: true } }, target)).outputs.result)
      .toMatchObject({ response: { reserved_for_second_factor: true } });
    expect((await runOperation(capability, 'DeletePhoneNumber', { phone_number_id: id }, target)).outputs.result)
      .toMatchObject({ response: { object: 'phone_number', id, deleted: true } });
    expect((await runOperation(capability, 'getPhoneNumbers', {}, target)).outputs.result).toEqual([]);
  });

  it('places _clerk_session_id in the query: the right session works, another is signed_out', async () => {
    const target = await signedInTarget();
    expect((await runOperation(capability, 'getPhoneNumbers', { _clerk_session_id: target.sessionId }, target)).status).toBe(200);
    const error = await rejection(runOperation(capability, 'getPhoneNumbers', { _clerk_session_id: 'sess_other' }, target), ClerkApiError);
    expect([error.status, error.code]).toEqual([401, 'signed_out']);
  });

  it('sends the body as a form: a JSON string body is accepted too', async () => {
    const target = await signedInTarget();
    const phone = nextTestNumber();
    const seen: { contentType: string | null; body: unknown }[] = [];
    const recording: typeof fetch = async (input, init) => {
      seen.push({ contentType: new Headers(init?.headers).get('content-type'), body: init?.body });
      return fetch(input, init);
    };
    await runOperation(capability, 'postPhoneNumbers', { body: JSON.stringify({ phone_number: phone }) }, { ...target, fetch: recording });
    expect(seen).toEqual([{ contentType: 'application/x-www-form-urlencoded', body: `phone_number=${encodeURIComponent(phone)}` }]);
  });

  it('finds the server from the publishable key when the file\'s baseUri is empty', async () => {
    const { token } = await signedInTarget();
    const result = await runOperation(capability, 'getPhoneNumbers', {}, { publishableKey: t.server.ctx.keys.publishableKey, token });
    expect(result.outputs.result).toEqual([]);
    await expect(runOperation(capability, 'getPhoneNumbers', {}, { token, fetch: notSent }))
      .rejects.toThrow(/empty baseUri: give a base URL \(FAPI_URL\) or a publishable key \(CLERK_PUBLISHABLE_KEY\)/);
  });

  it('maps outputs by their JSONPath', async () => {
    const text = readFileSync(PHONE_NUMBERS_CAPABILITY_PATH, 'utf8');
    const at = text.indexOf('name: postPhoneNumbers');
    const edited = parseCapability(text.slice(0, at) + text.slice(at).replace(
      '- name: result\n          type: object\n          value: $.',
      '- name: id\n          type: string\n          value: $.response.id\n        - name: status\n          type: string\n          value: $.response.verification',
    ));
    const target = await signedInTarget();
    const { outputs } = await runOperation(edited, 'postPhoneNumbers', { body: { phone_number: nextTestNumber() } }, target);
    expect(Object.keys(outputs)).toEqual(['id', 'status']);
    expect(outputs.id).toMatch(/^idn_/);
    expect(outputs.status).toBeNull();
  });

  it('answers Clerk errors as ClerkApiError', async () => {
    const target = await signedInTarget();
    const missing = await rejection(runOperation(capability, 'ReadPhoneNumber', { phone_number_id: 'idn_missing' }, target), ClerkApiError);
    expect([missing.status, missing.code]).toEqual([404, 'resource_not_found']);
    const invalid = await rejection(runOperation(capability, 'postPhoneNumbers', { body: { phone_number: 'call me' } }, target), ClerkApiError);
    expect([invalid.status, invalid.code, invalid.errors[0]?.meta?.paramName]).toEqual([422, 'form_param_format_invalid', 'phone_number']);
  });

  it('refuses inputs that do not fit the operation before sending anything', async () => {
    const target = { baseUrl: t.fapiUrl, token: 'x', fetch: notSent };
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['nope', {}, /no operation "nope" .* there are: getPhoneNumbers, postPhoneNumbers/],
      ['ReadPhoneNumber', {}, /ReadPhoneNumber: phone_number_id is required/],
      ['postPhoneNumbers', {}, /postPhoneNumbers: body is required/],
      ['getPhoneNumbers', { phone_number_id: 'idn_x' }, /unknown input phone_number_id; it takes _clerk_session_id/],
      ['ReadPhoneNumber', { phone_number_id: 7 }, /phone_number_id must be a string/],
      ['postPhoneNumbers', { body: ['+12015550100'] }, /body must be an object of form fields/],
      ['postPhoneNumbers', { body: { phone_number: { nested: true } } }, /body\.phone_number must be a string, number or boolean/],
      ['postPhoneNumbers', { body: '{not json' }, /body is not valid JSON/],
    ];
    for (const [name, inputs, message] of cases) {
      const error = await rejection(runOperation(capability, name, inputs, target), CapabilityInputError);
      expect(error.message).toMatch(message);
    }
  });

  it('says which server it cannot reach, and why', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    await expect(runOperation(capability, 'getPhoneNumbers', {}, { baseUrl: `http://127.0.0.1:${port}` }))
      .rejects.toThrow(`cannot reach http://127.0.0.1:${port}: ECONNREFUSED`);
  });
});
