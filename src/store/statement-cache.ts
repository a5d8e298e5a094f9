import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

// Kysely's SQLite driver calls prepare() for every query, and compiling the SQL was a sixth of the
// server's CPU under load. This hands Kysely a database whose prepare() reuses the compiled
// statement for SQL text it has seen. Safe because Kysely runs one query at a time on its single
// SQLite connection, and SQLite re-prepares a cached statement by itself after a schema change.

/** Distinct SQL texts kept; `in (?, ?, ...)` lists of different lengths are distinct texts. */
const MAX_STATEMENTS = 1000;

export function withStatementCache(sqlite: SQLite.Database, max = MAX_STATEMENTS): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql);
        // Oldest first out: the hot queries are prepared again within a request or two.
        if (statements.size >= max) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement as unknown as SqliteStatement;
    },
  };
}
