import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

// Kysely's SQLite driver calls prepare() for every query, and compiling the SQL was a sixth of the
// server's CPU under load. This hands Kysely a database whose prepare() reuses the compiled
// statement for SQL text it has seen. Safe because Kysely runs one query at a time on its single
// SQLite connection, and SQLite re-prepares a cached statement by itself after a schema change.
//
// Rows of a query are read as arrays and made into objects here: better-sqlite3 builds each row
// object property by property through its native API, which cost ~40% of reading a list of numbers.

/** Distinct SQL texts kept; `in (?, ?, ...)` lists of different lengths are distinct texts. */
const MAX_STATEMENTS = 1000;

type Row = Record<string, unknown>;

/** A reader statement whose all() and iterate() return plain objects built from array rows. */
function readingArrays(statement: SQLite.Statement): SqliteStatement {
  const arrays = statement.raw(true);
  // Asking SQLite for the names costs more than reading ten rows, so they are kept. A schema change
  // (another process migrating) makes SQLite re-prepare the statement; a `select *` that then
  // returns a different number of columns gets its names again. Same keys in the same order for
  // every row, so V8 gives all rows one shape; a name repeated in a join keeps its last value, as an
  // object row would.
  let names = arrays.columns().map((c) => c.name);
  const toObject = (values: unknown[]): Row => {
    if (values.length !== names.length) names = arrays.columns().map((c) => c.name);
    const row: Row = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
    return row;
  };
  return {
    reader: true,
    all: (parameters: ReadonlyArray<unknown>) => (arrays.all(parameters) as unknown[][]).map(toObject),
    run: (parameters: ReadonlyArray<unknown>) => arrays.run(parameters),
    *iterate(parameters: ReadonlyArray<unknown>) {
      for (const values of arrays.iterate(parameters) as IterableIterator<unknown[]>) yield toObject(values);
    },
  } as unknown as SqliteStatement;
}

export function withStatementCache(sqlite: SQLite.Database, max = MAX_STATEMENTS): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (statement === undefined) {
        const prepared = sqlite.prepare(sql);
        statement = prepared.reader ? readingArrays(prepared) : (prepared as unknown as SqliteStatement);
        // Oldest first out: the hot queries are prepared again within a request or two.
        if (statements.size >= max) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
