import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fapi, signIn } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { testDatabaseMode } from '../helpers/postgres.js';

// Changes that read several of a user's rows and then write: on PostgreSQL a pool runs them side by
// side (as several instances do), so each must see the others' writes, not a stale read.

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

let counter = 0;
const phone = () => `+1202555${String(3000 + counter++).padStart(4, '0')}`;

async function userWithVerifiedNumbers(count: number): Promise<{ token: string; ids: string[] }> {
  const numbers = Array.from({ length: count }, phone);
  const userId = await createUser(t, numbers);
  const { token } = await signIn(t, userId);
  const list = await fapi(t, 'GET', '/v1/me/phone_numbers', { token });
  return { token, ids: list.body.map((n: { id: string }) => n.id) };
}

const patch = (token: string, id: string, form: Record<string, string>) =>
  fapi(t, 'PATCH', `/v1/me/phone_numbers/${id}`, { token, form });

describe(`concurrent second-factor changes on ${testDatabaseMode}`, () => {
  it('reserving three numbers at once makes exactly one default and hands out backup codes once', async () => {
    for (let round = 0; round < 3; round++) {
      const { token, ids } = await userWithVerifiedNumbers(3);
      const replies = await Promise.all(ids.map((id) => patch(token, id, { reserved_for_second_factor: 'true' })));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(replies.filter((r) => r.body.response.backup_codes?.length).length).toBe(1);
      const after = (await fapi(t, 'GET', '/v1/me/phone_numbers', { token })).body;
      expect(after.filter((n: { default_second_factor: boolean }) => n.default_second_factor)).toHaveLength(1);
      expect(after.every((n: { reserved_for_second_factor: boolean }) => n.reserved_for_second_factor)).toBe(true);
    }
  });

  it('making two numbers the default at once leaves exactly one default', async () => {
    for (let round = 0; round < 3; round++) {
      const { token, ids } = await userWithVerifiedNumbers(3);
      for (const id of ids) expect((await patch(token, id, { reserved_for_second_factor: 'true' })).status).toBe(200);
      await Promise.all(ids.slice(1).map((id) => patch(token, id, { default_second_factor: 'true' })));
      const after = (await fapi(t, 'GET', '/v1/me/phone_numbers', { token })).body;
      expect(after.filter((n: { default_second_factor: boolean }) => n.default_second_factor)).toHaveLength(1);
    }
  });
});
