import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addNumber, addVerifiedNumber, expectClerkError, fapi, newSignedInUser, signIn } from '../helpers/fapi.js';

// What Clerk's <UserProfile/> asks of /v1/me beyond the phone-number operations: set the primary
// number, list and revoke active devices, regenerate backup codes. fapi() checks every answer against Clerk's OpenAPI.

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

let counter = 0;
const freshPhone = () => `+1202555${String(4000 + counter++).padStart(4, '0')}`;
const patchMe = (token: string, form: Record<string, string>) => fapi(t, 'POST', '/v1/me', { token, query: { _method: 'PATCH' }, form });

describe('PATCH /v1/me', () => {
  it('sets the primary to another verified number; an unverified one is 422, another user\'s is 404', async () => {
    const { token } = await newSignedInUser(t);
    const first = await addVerifiedNumber(t, token, freshPhone());
    const second = await addVerifiedNumber(t, token, freshPhone());
    const pending = await addNumber(t, token, freshPhone());
    const me = (await fapi(t, 'GET', '/v1/me', { token })).body.response;
    expect(me.primary_phone_number_id).toBe(first);
    // No image URL off this server: Clerk's components draw initials instead of loading Clerk's image host.
    expect(me.image_url).toBe('');
    const moved = await patchMe(token, { primary_phone_number_id: second });
    expect(moved.status).toBe(200);
    expect(moved.body.response.primary_phone_number_id).toBe(second);
    expectClerkError(await patchMe(token, { primary_phone_number_id: pending }), 422, 'form_param_value_invalid', 'primary_phone_number_id');
    const other = await newSignedInUser(t);
    expectClerkError(await patchMe(other.token, { primary_phone_number_id: second }), 404, 'resource_not_found');
    expectClerkError(await patchMe(token, { username: 'ada' }), 422, 'form_param_value_invalid', 'username');
    expectClerkError(await patchMe(token, { nickname: 'x' }), 422, 'form_param_unknown');
  });
});

describe('active devices', () => {
  it('lists the user\'s sessions on every client; revoking one signs that device out; another user\'s is 404', async () => {
    const { userId, token, sessionId } = await newSignedInUser(t);
    const laptop = await signIn(t, userId);
    const list = await fapi(t, 'GET', '/v1/me/sessions/active', { token });
    expect(list.status).toBe(200);
    expect(list.body.map((s: { id: string }) => s.id).sort()).toEqual([sessionId, laptop.sessionId].sort());
    expect(list.body[0].latest_activity).toMatchObject({ object: 'session_activity', is_mobile: false });

    const other = await newSignedInUser(t);
    expectClerkError(await fapi(t, 'POST', `/v1/me/sessions/${laptop.sessionId}/revoke`, { token: other.token }), 404, 'resource_not_found');
    const revoked = await fapi(t, 'POST', `/v1/me/sessions/${laptop.sessionId}/revoke`, { token });
    expect(revoked.status).toBe(200);
    expect(revoked.body.response).toMatchObject({ id: laptop.sessionId, status: 'revoked' });
    expectClerkError(await fapi(t, 'GET', '/v1/me', { token: laptop.token }), 401, 'signed_out');
    expect((await fapi(t, 'GET', '/v1/me/sessions/active', { token })).body.map((s: { id: string }) => s.id)).toEqual([sessionId]);
  });
});

describe('POST /v1/me/backup_codes', () => {
  it('needs two-step on; then gives ten new codes once, and the old ones stop working', async () => {
    const { token } = await newSignedInUser(t);
    expectClerkError(await fapi(t, 'POST', '/v1/me/backup_codes', { token }), 400, 'second_factor_required');
    const id = await addVerifiedNumber(t, token, freshPhone());
    const reserved = await fapi(t, 'POST', `/v1/me/phone_numbers/${id}`, { token, query: { _method: 'PATCH' }, form: { reserved_for_second_factor: 'true' } });
    const first: string[] = reserved.body.response.backup_codes;
    const again = await fapi(t, 'POST', '/v1/me/backup_codes', { token });
    expect(again.status).toBe(200);
    expect(again.body.response).toMatchObject({ object: 'backup_code', id: expect.stringMatching(/^bcode_/) });
    const codes: string[] = again.body.response.codes;
    expect(codes).toHaveLength(10);
    expect(codes.some((c) => first.includes(c))).toBe(false);
    const { consumeBackupCode } = await import('../../src/operations/backup-codes.js');
    const db = t.server.ctx.database.db;
    const userId = (await fapi(t, 'GET', '/v1/me', { token })).body.response.id;
    expect(await consumeBackupCode(db, t.server.ctx.keys.derived.backupCodes, userId, first[0]!, Date.now())).toBe(false);
    expect(await consumeBackupCode(db, t.server.ctx.keys.derived.backupCodes, userId, codes[0]!, Date.now())).toBe(true);
  });
});
