import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';

// Opens the database a DATABASE_URL names, and hides what differs between SQLite and PostgreSQL.

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database> | Transaction<Database>;

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The driver underneath, for libraries that need it (rate-limiter-flexible's SQL stores). */
  raw: { dialect: 'sqlite'; sqlite: SQLite.Database } | { dialect: 'postgres'; pool: pg.Pool };
  close(): Promise<void>;
}

export interface OpenOptions {
  poolSize?: number;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

function openSqlite(url: string): DatabaseHandle {
  const location = url.slice('sqlite:'.length);
  const memory = location === ':memory:' || location === '';
  if (!memory) mkdirSync(dirname(location), { recursive: true });
  const sqlite = new SQLite(memory ? ':memory:' : location);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Several processes may share one file (CLI next to the server, a restarted worker): wait, don't fail.
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', raw: { dialect: 'sqlite', sqlite }, close: () => db.destroy() };
}

/** `?schema=name` puts every table in that schema (created when missing): one schema per test run. */
function openPostgres(url: string, options: OpenOptions): DatabaseHandle {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error('DATABASE_URL: schema must be a lower-case SQL identifier');
  }
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: options.poolSize ?? 10,
    // bigint and numeric columns come back as JS numbers, as better-sqlite3 returns them.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool,
      onCreateConnection: schema
        ? async (connection) => { await connection.executeQuery(sql`create schema if not exists ${sql.id(schema)}`.compile(db)); }
        : undefined,
    }),
  });
  return { db, dialect: 'postgres', raw: { dialect: 'postgres', pool }, close: () => db.destroy() };
}

export function openDatabase(url: string, options: OpenOptions = {}): DatabaseHandle {
  if (url.startsWith('sqlite:')) return openSqlite(url);
  return openPostgres(url, options);
}

/** Runs pending migrations. On PostgreSQL Kysely holds an advisory lock, so instances starting together take turns. */
export async function migrate(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when a write failed on a unique constraint, in either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
