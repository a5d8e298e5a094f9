import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type DatabaseHandle } from '../../src/store/db.js';
import { precompiled } from '../../src/store/precompiled.js';
import { freshDatabaseUrl } from '../helpers/server.js';
import { testDatabaseMode } from '../helpers/postgres.js';

// Queries built once and run with new values: the same rows as building them each time, in and out
// of transactions, on each dialect.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function database(): Promise<DatabaseHandle> {
  const { url, cleanup } = freshDatabaseUrl();
  const handle = openDatabase(url);
  cleanups.push(cleanup, () => handle.close());
  await migrate(handle);
  await handle.db.insertInto('instance_settings').values([
    { key: 'a', value: 'first' }, { key: 'b', value: 'second' }, { key: 'c', value: 'third' },
  ]).execute();
  return handle;
}

describe(`precompiled queries on ${testDatabaseMode}`, () => {
  it('each run takes its own values, constants stay, and the rows match the built query', async () => {
    const { db } = await database();
    const between = precompiled((d, low: string, high: string) => d.selectFrom('instance_settings').selectAll()
      .where('key', '>=', low).where('key', '<=', high).where('value', '!=', 'never').orderBy('key'));
    expect(await between(db, 'a', 'b')).toEqual([{ key: 'a', value: 'first' }, { key: 'b', value: 'second' }]);
    expect(await between(db, 'b', 'c')).toEqual([{ key: 'b', value: 'second' }, { key: 'c', value: 'third' }]);
    expect(await between(db, 'b', 'c')).toEqual(
      await db.selectFrom('instance_settings').selectAll().where('key', '>=', 'b').where('key', '<=', 'c').orderBy('key').execute());
  });

  it('runs inside a transaction and sees what it wrote', async () => {
    const { db } = await database();
    const byKey = precompiled((d, key: string) => d.selectFrom('instance_settings').select('value').where('key', '=', key));
    expect(await byKey(db, 'a')).toEqual([{ value: 'first' }]);
    await db.transaction().execute(async (tx) => {
      await tx.updateTable('instance_settings').set({ value: 'changed' }).where('key', '=', 'a').execute();
      expect(await byKey(tx, 'a')).toEqual([{ value: 'changed' }]);
    });
  });

  it('refuses a builder that does not use an argument as a value', async () => {
    const { db } = await database();
    const broken = precompiled((d, _unused: string) => d.selectFrom('instance_settings').selectAll());
    await expect(broken(db, 'a')).rejects.toThrow(/not used as a query value/);
  });
});
