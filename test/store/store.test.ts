import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';
import { isUniqueViolation, migrate, openDatabase, type DatabaseHandle } from '../../src/store/db.js';
import { countPhoneNumbersCreatedSince, insertPhoneNumber, listPhoneNumbers } from '../../src/store/phone-numbers.js';
import { countAttempt, numberSlot } from '../../src/store/verifications.js';
import type { PhoneNumberRow } from '../../src/store/schema.js';
import { getOrCreateSetting } from '../../src/store/settings.js';
import { enqueueSms, smsQueue } from '../../src/store/sms-messages.js';
import { findUsers, insertUser } from '../../src/store/users.js';
import { freshDatabaseUrl } from '../helpers/server.js';
import { testDatabaseMode } from '../helpers/postgres.js';

// The store on whichever database this project runs (SQLite, or PostgreSQL when TEST_DATABASE_URL is
// set): the same queries must give the same answers, and the races that several instances make
// (claims, counters, first-start settings) must come out right when two connections pools race.

let url: string;
let cleanup: () => Promise<void>;
/** Two handles on one database: two pools on PostgreSQL, two connections to one file on SQLite. */
let a: DatabaseHandle;
let b: DatabaseHandle;

beforeAll(async () => {
  ({ url, cleanup } = freshDatabaseUrl());
  a = openDatabase(url, { poolSize: 4 });
  await migrate(a);
  b = openDatabase(url, { poolSize: 4 });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await cleanup?.();
});

async function newUser(db: DatabaseHandle): Promise<string> {
  const now = Date.now();
  const id = newId('user', now);
  await insertUser(db.db, {
    id, external_id: null, first_name: null, last_name: null, username: null, primary_phone_number_id: null,
    backup_code_digests: null, mfa_enabled_at: null, mfa_disabled_at: null, last_sign_in_at: null, created_at: now, updated_at: now,
  });
  return id;
}

function numberRow(userId: string, phone: string, verified: boolean, overrides: Partial<PhoneNumberRow> = {}): PhoneNumberRow {
  const now = Date.now();
  return {
    id: newId('idn', now), user_id: userId, phone_number: phone, verified_phone_number: verified ? phone : null,
    reserved_for_second_factor: 0, default_second_factor: 0, verification_id: null, verification_status: verified ? 'verified' : null,
    verification_strategy: null, verification_attempts: 0, verification_expire_at: null, code_digest: null,
    created_at: now, updated_at: now, ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the write to fail');
}

describe(`the store on ${testDatabaseMode}`, () => {
  it('runs on the database this project names', () => {
    expect(a.dialect).toBe(testDatabaseMode);
    expect(url.startsWith(testDatabaseMode === 'postgres' ? 'postgres' : 'sqlite:')).toBe(true);
  });

  it('reads big integers, counts and 0/1 flags back as JavaScript numbers', async () => {
    const userId = await newUser(a);
    const created = 1_790_000_000_123;
    await insertPhoneNumber(a.db, numberRow(userId, '+12025550301', false, { created_at: created, default_second_factor: 1 }));
    const [row] = await listPhoneNumbers(b.db, [userId]);
    expect(row!.created_at).toBe(created);
    expect(row!.default_second_factor).toBe(1);
    const count = await countPhoneNumbersCreatedSince(b.db, userId, 0);
    expect(count).toBe(1);
    expect(typeof count).toBe('number');
  });

  it('breaks created_at ties by the id\'s bytes, whatever the database\'s collation', async () => {
    const userId = await newUser(a);
    const at = 1_790_000_000_000;
    const tail = 'x'.repeat(19);
    // 'Z' sorts before 'a' byte by byte (and in base62), after it in en_US-like collations.
    const later = numberRow(userId, '+12025550311', false, { id: `idn_0000000a${tail}`, created_at: at });
    const earlier = numberRow(userId, '+12025550312', false, { id: `idn_0000000Z${tail}`, created_at: at });
    await insertPhoneNumber(a.db, later);
    await insertPhoneNumber(a.db, earlier);
    expect((await listPhoneNumbers(b.db, [userId])).map((r) => r.id)).toEqual([earlier.id, later.id]);
    if (a.dialect === 'postgres') {
      // Pinned on the column, so a database made with a linguistic default collation orders the same.
      const { rows } = await (a.raw as { pool: import('pg').Pool }).pool.query<{ table_name: string; collation_name: string }>(
        `select table_name, collation_name from information_schema.columns
          where table_schema = current_schema() and column_name = 'id' and table_name in ('phone_numbers', 'sessions', 'sms_messages')
          order by table_name`);
      expect(rows).toEqual([
        { table_name: 'phone_numbers', collation_name: 'C' },
        { table_name: 'sessions', collation_name: 'C' },
        { table_name: 'sms_messages', collation_name: 'C' },
      ]);
    }
  });

  it('answers an empty list of ids with nothing, not a syntax error', async () => {
    expect(await findUsers(a.db, [])).toEqual([]);
    expect(await listPhoneNumbers(a.db, [])).toEqual([]);
  });

  it('names a unique violation the same way in both dialects', async () => {
    const first = await newUser(a);
    const second = await newUser(a);
    await insertPhoneNumber(a.db, numberRow(first, '+12025550302', true));
    // Same number verified by another user: the index that keeps one verified owner per number.
    expect(isUniqueViolation(await rejection(insertPhoneNumber(b.db, numberRow(second, '+12025550302', true))))).toBe(true);
    // Same number twice on one user.
    expect(isUniqueViolation(await rejection(insertPhoneNumber(b.db, numberRow(first, '+12025550302', false))))).toBe(true);
    // Other failures are not unique violations.
    expect(isUniqueViolation(await rejection(insertPhoneNumber(a.db, numberRow('user_missing', '+12025550303', false))))).toBe(false);
  });

  it('rolls a transaction back when its body throws', async () => {
    const userId = await newUser(a);
    await expect(a.db.transaction().execute(async (tx) => {
      await insertPhoneNumber(tx, numberRow(userId, '+12025550304', false));
      throw new Error('changed my mind');
    })).rejects.toThrow('changed my mind');
    expect(await listPhoneNumbers(b.db, [userId])).toEqual([]);
  });

  it('gives every instance starting at once the same generated setting', async () => {
    const values = await Promise.all([a, b, a, b, a, b].map((handle, i) => getOrCreateSetting(handle.db, 'race_test', () => `value-${i}`)));
    expect(new Set(values).size).toBe(1);
  });

  it('lets parallel wrong attempts through two pools take exactly the allowed number of tries', async () => {
    const userId = await newUser(a);
    const now = Date.now();
    const row = numberRow(userId, '+12025550305', false, {
      verification_id: newId('ver', now), verification_status: 'unverified', verification_expire_at: now + 600_000, code_digest: 'digest',
    });
    await insertPhoneNumber(a.db, row);
    const tries = await Promise.all(Array.from({ length: 24 }, (_, i) => countAttempt((i % 2 ? a : b).db, numberSlot(userId, row.id), now, 5)));
    const counted = tries.filter((t) => t !== undefined).map((t) => t!.verification_attempts);
    expect(counted.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5]);
    const [after] = await listPhoneNumbers(a.db, [userId]);
    expect(after!.verification_attempts).toBe(5);
  });

  it('hands each due SMS to exactly one of two workers claiming at the same time', async () => {
    const now = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const id = newId('sms', now);
      ids.push(id);
      await enqueueSms(a.db, {
        id, user_id: null, phone_number_id: null, verification_id: null, to_phone: '+12025550306', body_sealed: 'sealed',
        provider: 'dev', status: 'queued', tries: 0, next_attempt_at: now - i, claimed_by: null, claimed_until: null,
        last_error: null, provider_message_id: null, created_at: now, updated_at: now, sent_at: null,
      });
    }
    const claimed = new Map<string, string[]>();
    const worker = async (handle: DatabaseHandle, workerId: string) => {
      for (;;) {
        // Four claims at a time per worker, as a pool of connections would make them.
        const batches = await Promise.all([0, 1, 2, 3].map(() => smsQueue.claim(handle.db, handle.dialect, workerId, now, 60_000, 3)));
        const rows = batches.flat();
        if (rows.length === 0) return;
        for (const row of rows) {
          expect(row.claimed_by).toBe(workerId);
          claimed.set(row.id, [...(claimed.get(row.id) ?? []), workerId]);
        }
      }
    };
    await Promise.all([worker(a, 'worker_a'), worker(b, 'worker_b')]);
    expect([...claimed.keys()].sort()).toEqual([...ids].sort());
    expect([...claimed.values()].filter((owners) => owners.length !== 1)).toEqual([]);
  });
});
