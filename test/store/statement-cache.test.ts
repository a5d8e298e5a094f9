import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/store/db.js';
import { clientWithActiveSessionsQuery } from '../../src/store/clients.js';
import { listPhoneNumbers } from '../../src/store/phone-numbers.js';
import { findUsers, insertUser, newUserRow } from '../../src/store/users.js';
import { withStatementCache } from '../../src/store/statement-cache.js';

// The SQLite handle Kysely reads through: cached statements, rows read as arrays and made into objects.

describe('SQLite statements as Kysely reads them', () => {
  it('rows are plain objects with every column, nulls and numbers kept; a repeated name keeps its last value', () => {
    const sqlite = new SQLite(':memory:');
    sqlite.exec("create table a (id text, n integer, note text); insert into a values ('x', 1, null), ('y', 9007199254740991, 'z')");
    const cached = withStatementCache(sqlite);
    const rows = cached.prepare('select * from a order by id').all([]);
    expect(rows).toEqual([{ id: 'x', n: 1, note: null }, { id: 'y', n: 9007199254740991, note: 'z' }]);
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
    expect(cached.prepare("select id, n as id from a where id = ?").all(['x'])).toEqual([{ id: 1 }]);
    expect([...cached.prepare('select id from a order by id').iterate([] as never)]).toEqual([{ id: 'x' }, { id: 'y' }]);
  });

  it('the same text is prepared once; writes still report their changes', () => {
    const sqlite = new SQLite(':memory:');
    sqlite.exec('create table a (id integer)');
    const cached = withStatementCache(sqlite);
    expect(cached.prepare('select * from a')).toBe(cached.prepare('select * from a'));
    expect(cached.prepare('insert into a values (?)').run([1])).toMatchObject({ changes: 1 });
  });

  it('a `select *` cached before a column was added returns the new column too', () => {
    const sqlite = new SQLite(':memory:');
    sqlite.exec("create table a (id text); insert into a values ('x')");
    const cached = withStatementCache(sqlite);
    expect(cached.prepare('select * from a').all([])).toEqual([{ id: 'x' }]);
    sqlite.exec("alter table a add column extra text default 'e'");
    expect(cached.prepare('select * from a').all([])).toEqual([{ id: 'x', extra: 'e' }]);
  });

  it('the lists every request reads come out of an index in their order, with no sort of their own', async () => {
    const handle = openDatabase('sqlite::memory:');
    try {
      await migrate(handle);
      if (handle.raw.dialect !== 'sqlite') throw new Error('an in-memory SQLite handle was asked for');
      const sqlite = handle.raw.sqlite;
      const planOf = (query: { sql: string; parameters: readonly unknown[] }) =>
        (sqlite.prepare(`explain query plan ${query.sql}`).all(...query.parameters) as Array<{ detail: string }>).map((r) => r.detail).join('\n');

      const numbers = planOf(handle.db.selectFrom('phone_numbers').selectAll().where('user_id', '=', 'u').orderBy('created_at').orderBy('id').compile());
      expect(numbers).toMatch(/USING (COVERING )?INDEX phone_numbers_user_order/);
      expect(numbers).not.toMatch(/TEMP B-TREE/);
      expect(await listPhoneNumbers(handle.db, ['u'])).toEqual([]);

      const sessions = planOf(clientWithActiveSessionsQuery('digest', 0).compile(handle.db));
      expect(sessions).toMatch(/USING (COVERING )?INDEX sessions_client_order/);
      expect(sessions).not.toMatch(/TEMP B-TREE/);
    } finally {
      await handle.close();
    }
  });

  it('a read that skips Kysely\'s queue never sees what an open transaction wrote: it waits for the commit or rollback', async () => {
    const handle = openDatabase('sqlite::memory:');
    await migrate(handle);
    const committed = newUserRow('user_committed', { external_id: null, first_name: null, last_name: null, username: null }, 1);
    await insertUser(handle.db, committed);
    expect(await findUsers(handle.db, [committed.id])).toEqual([committed]);

    let rollBack!: () => void;
    const gate = new Promise<void>((resolve) => { rollBack = resolve; });
    let inserted!: () => void;
    const insertDone = new Promise<void>((resolve) => { inserted = resolve; });
    const open = newUserRow('user_uncommitted', { external_id: null, first_name: null, last_name: null, username: null }, 2);
    const transaction = handle.db.transaction().execute(async (tx) => {
      await insertUser(tx, open);
      inserted();
      await gate;
      throw new Error('rolled back on purpose');
    });
    await insertDone;
    // Read while the transaction holds the connection, its row written and not committed.
    let answered: unknown = 'not yet';
    const read = findUsers(handle.db, [open.id]).then((rows) => { answered = rows; });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe('not yet');
    rollBack();
    await expect(transaction).rejects.toThrow('rolled back on purpose');
    await read;
    expect(answered).toEqual([]);
    // And with no transaction open the read answers at once, from committed rows.
    expect(await findUsers(handle.db, [committed.id])).toEqual([committed]);
    await handle.close();
  });
});
