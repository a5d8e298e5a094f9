import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { createRequire } from 'node:module';
import type pg from 'pg';
import {
  Kysely, Migrator, sql, SqliteDialect, SqliteDriver, type CompiledQuery, type DatabaseConnection, type Driver, type KyselyConfig, type LogEvent,
  type SqliteDialectConfig, type Transaction,
} from 'kysely';
import { ConfigError, errorCode, redactUrl, settingFailed } from '../config.js';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';
import { withStatementCache } from './statement-cache.js';
import { ScopedPostgresDialect } from './scoped-introspector.js';

// Opens the database a DATABASE_URL names, and hides what differs between SQLite and PostgreSQL.

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database> | Transaction<Database>;

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** PostgreSQL only: the schema `?schema=` named, which holds every table (null: the search_path default). */
  schema: string | null;
  /** What messages call it: the SQLite file, or the PostgreSQL URL with its password masked. */
  label: string;
  /** The driver underneath, for libraries that need it (rate-limiter-flexible's SQL stores). */
  raw: { dialect: 'sqlite'; sqlite: SQLite.Database } | { dialect: 'postgres'; pool: pg.Pool };
  /** Closes the connection or pool; safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenOptions {
  poolSize?: number;
  /** Told of every query that fails (the metrics count them); the error still reaches the caller. */
  onQueryError?: (error: unknown) => void;
}

/** Kysely's log hook, used only to see failed queries; query events are ignored. */
function queryErrorLog(options: OpenOptions): KyselyConfig['log'] {
  const onQueryError = options.onQueryError;
  if (onQueryError === undefined) return undefined;
  return (event: LogEvent) => {
    if (event.level === 'error') onQueryError(event.error);
  };
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

function closeOnce(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

type DirectReader = (query: CompiledQuery) => unknown[] | undefined;

/**
 * SQLite reads that may skip Kysely's executor: the statement runs synchronously on the one
 * connection Kysely would queue for, without the executor's connection queue and promise hops,
 * which cost more than a hot indexed read itself. Only on the database, never on a Transaction
 * (which holds the connection), only for a select, and never while a transaction is open on the
 * connection: then the read waits its turn through Kysely, as before, and never sees uncommitted rows.
 */
const directReaders = new WeakMap<object, DirectReader>();
const SELECT = /^\s*select\b/i;

/** Runs a compiled read: straight on SQLite when that is safe (see directReaders), else through Kysely. */
export async function runRead<Row>(db: Db, query: CompiledQuery<Row>): Promise<Row[]> {
  const rows = directReaders.get(db)?.(query);
  if (rows !== undefined) return rows as Row[];
  return (await db.executeQuery(query)).rows;
}

/**
 * On some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM) SQLite ends the transaction by itself. Kysely
 * then sent ROLLBACK anyway, and its "cannot rollback - no transaction is active" replaced the error
 * that said why. This driver rolls back only a transaction SQLite still has open.
 */
class SqliteDialectKeepingCause extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig, private readonly sqlite: SQLite.Database) {
    super(config);
  }

  override createDriver(): Driver {
    const { sqlite } = this;
    return new (class extends SqliteDriver {
      override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
        if (sqlite.inTransaction) await super.rollbackTransaction(connection);
      }
    })(this.config);
  }
}

function openSqlite(url: string, options: OpenOptions): DatabaseHandle {
  const location = url.slice('sqlite:'.length);
  const memory = location === ':memory:' || location === '';
  if (!memory) mkdirSync(dirname(location), { recursive: true });
  const sqlite = new SQLite(memory ? ':memory:' : location);
  try {
    configureSqlite(sqlite);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const statements = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialectKeepingCause({ database: statements }, sqlite), log: queryErrorLog(options) });
  directReaders.set(db, (query) => {
    if (sqlite.inTransaction || !SELECT.test(query.sql)) return undefined;
    try {
      return statements.prepare(query.sql).all(query.parameters) as unknown[];
    } catch (error) {
      options.onQueryError?.(error);
      throw error;
    }
  });
  return { db, dialect: 'sqlite', schema: null, label: memory ? ':memory:' : location, raw: { dialect: 'sqlite', sqlite }, close: closeOnce(() => db.destroy()) };
}

function configureSqlite(sqlite: SQLite.Database): void {
  // Several processes may share one file (CLI next to the server, a restarted worker): wait, don't fail.
  // First, so that switching a new file to WAL also waits for a process doing the same.
  sqlite.pragma('busy_timeout = 5000');
  // A new file starts in rollback mode, where two processes switching it at once can deadlock; SQLite
  // then answers one of them busy at once, without waiting. That one retries.
  whileBusy(() => sqlite.pragma('journal_mode = WAL'));
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
}

/** A `postgres://` DATABASE_URL without our `?schema=` (libpq does not know it), and that schema. */
export function postgresUrl(url: string): { parsed: URL; schema: string | null } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error('DATABASE_URL: schema must be a lower-case SQL identifier');
  }
  return { parsed, schema };
}

/**
 * `?schema=name` puts every table in that schema (one schema per test run). The schema is made by
 * migrate(), which every start runs; until then the search_path simply names a schema not there yet.
 */
function openPostgres(url: string, options: OpenOptions): DatabaseHandle {
  const { parsed, schema } = postgresUrl(url);
  // Loaded only for PostgreSQL URLs: a SQLite deployment never pays the driver's memory.
  const { Pool, types } = createRequire(import.meta.url)('pg') as typeof pg;
  const pool = new Pool({
    connectionString: parsed.toString(),
    max: options.poolSize ?? 10,
    // A database that does not answer fails the request (and the health check) instead of queueing it forever.
    connectionTimeoutMillis: 10_000,
    // bigint and numeric columns come back as JS numbers, as better-sqlite3 returns them.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID ? (value: string) => Number(value) : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
    },
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection the server dropped (restart, failover) is an 'error' event; unhandled it would
  // end the process. The pool discards that connection and the next query opens a new one.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new ScopedPostgresDialect({ pool }), log: queryErrorLog(options) });
  return { db, dialect: 'postgres', schema, label: redactUrl(url), raw: { dialect: 'postgres', pool }, close: closeOnce(() => db.destroy()) };
}

/** Opens the database; a file that cannot be opened is one DATABASE_URL line (see databaseStartError). */
export function openDatabase(url: string, options: OpenOptions = {}): DatabaseHandle {
  try {
    if (url.startsWith('sqlite:')) return openSqlite(url, options);
    return openPostgres(url, options);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw databaseStartError(url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : redactUrl(url), error);
  }
}

function migrator(database: DatabaseHandle): Migrator {
  return new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
    // Kysely looks for its bookkeeping tables in every schema unless told which one is ours.
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
}

function isBusy(error: unknown): boolean {
  return (error as { code?: unknown }).code?.toString().startsWith('SQLITE_BUSY') === true;
}

/** Runs a start-up statement again while SQLite answers busy, for up to five seconds. */
function whileBusy(statement: () => unknown): void {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      statement();
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      // Start-up only, before the server listens: a short synchronous pause blocks no request.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 + Math.random() * 20);
    }
  }
}

/**
 * Takes SQLite's write lock, waiting for other writers without blocking the event loop (busy_timeout
 * would: another connection in this same process could then never finish and let go).
 */
async function beginImmediate(sqlite: SQLite.Database, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
  sqlite.pragma('busy_timeout = 0');
  try {
    for (;;) {
      try {
        sqlite.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        // Extended codes too: SQLITE_BUSY_RECOVERY while another process rebuilds the WAL index on open.
        if (!isBusy(error) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  } finally {
    sqlite.pragma(`busy_timeout = ${busyTimeout}`);
  }
}

/**
 * Runs pending migrations; instances starting together take turns. On PostgreSQL Kysely holds an
 * advisory lock and runs them in one transaction; on SQLite, which Kysely does not lock, one
 * BEGIN IMMEDIATE transaction makes other processes wait their turn and then find nothing to do.
 */
export async function migrate(database: DatabaseHandle): Promise<string[]> {
  const run = async () => {
    const { error, results } = await migrator(database).migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  };
  if (database.raw.dialect === 'postgres') return run();
  const { sqlite } = database.raw;
  await beginImmediate(sqlite);
  try {
    const applied = await run();
    sqlite.exec('COMMIT');
    return applied;
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw error;
  }
}

export interface MigrationState {
  applied: string[];
  /** Known to this version, not yet applied: migrate (or the next start) applies them. */
  pending: string[];
  /** Applied, but unknown to this version: the database belongs to a newer one. */
  unknown: string[];
}

/** A query on a table (or, on PostgreSQL, a schema) not created yet. */
function isMissingTable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e.code === '42P01' || e.code === '3F000' || /no such table/.test(e.message ?? '');
}

/** Which migrations the database has, without applying any. */
export async function migrationState(database: DatabaseHandle): Promise<MigrationState> {
  const known = await migrator(database).getMigrations();
  const table = database.schema ? `${database.schema}.kysely_migration` : 'kysely_migration';
  let applied: string[] = [];
  try {
    applied = (await sql<{ name: string }>`select name from ${sql.table(table)} order by name`.execute(database.db)).rows.map((r) => r.name);
  } catch (error) {
    // A database never migrated has no bookkeeping table (nor, on PostgreSQL, maybe its schema).
    if (!isMissingTable(error)) throw error;
  }
  return {
    applied,
    pending: known.filter((m) => m.executedAt === undefined).map((m) => m.name),
    unknown: applied.filter((name) => !(name in migrations)),
  };
}

/**
 * Start-up: the migrations, then proof that a write goes through, before anything listens. A server
 * on a read-only or full database would otherwise start, answer healthy and fail every write.
 */
export async function prepareDatabase(database: DatabaseHandle): Promise<string[]> {
  try {
    const applied = await migrate(database);
    await probeWritable(database);
    return applied;
  } catch (error) {
    throw databaseStartError(database.label, error);
  }
}

const probeRolledBack = new Error('write probe rolled back');

/** Runs one write in a transaction that is then rolled back: nothing stays. */
async function rolledBack(database: DatabaseHandle, write: (tx: Transaction<Database>) => Promise<unknown>): Promise<void> {
  try {
    await database.db.transaction().execute(async (tx) => {
      await write(tx);
      throw probeRolledBack;
    });
  } catch (error) {
    if (error !== probeRolledBack) throw error;
  }
}

/** Less room than this beside a SQLite file counts as full: the next commit that grows the WAL or the file fails. */
const MIN_FREE_BYTES = 64 * 1024;

/**
 * The rolled-back row never reaches the disk, so a full disk is seen on the file system itself: an
 * ENOSPC error when the directory of the file has less than MIN_FREE_BYTES left.
 */
async function checkRoom(sqlite: SQLite.Database): Promise<void> {
  if (sqlite.memory) return;
  const stats = await statfs(dirname(sqlite.name));
  // Root may write into the blocks kept for it (ext4 keeps 5%); anyone else only into the available ones.
  const free = (process.getuid?.() === 0 ? stats.bfree : stats.bavail) * stats.bsize;
  if (free < MIN_FREE_BYTES) {
    throw Object.assign(new Error(`${Math.floor(free / 1024)} KiB left on its file system`), { code: 'ENOSPC' });
  }
}

/**
 * Proves the database takes writes (the file is writable and has room, the user may write, the server
 * is no read-only replica) with writes rolled back: the start-up check, the health check and doctor.
 * A migrated database gets one row bigger than a page, so SQLite must find pages for it: a database at
 * its size limit fails here as every growing write would. One not migrated yet (doctor before the
 * first start) gets a table of the probe's own.
 */
export async function probeWritable(database: DatabaseHandle): Promise<void> {
  if (database.dialect === 'postgres' && database.schema !== null) {
    const found = await sql<{ ok: boolean }>`select exists (select 1 from pg_namespace where nspname = ${database.schema}) as ok`.execute(database.db);
    // Not there yet: the first migration creates it, which takes CREATE on the database.
    if (!found.rows[0]!.ok) {
      const may = await sql<{ ok: boolean; replica: boolean }>`select has_database_privilege(current_database(), 'CREATE') as ok, pg_is_in_recovery() as replica`.execute(database.db);
      if (may.rows[0]!.replica) throw new Error('the server is a read-only replica');
      if (!may.rows[0]!.ok) throw new Error(`the user may not create the schema ${database.schema}`);
      return;
    }
  }
  if (database.raw.dialect === 'sqlite') await checkRoom(database.raw.sqlite);
  // A key of its own per probe: probes of several instances never wait on each other's row.
  const key = `write_probe:${randomBytes(8).toString('hex')}`;
  const value = database.dialect === 'sqlite' ? sql`zeroblob(16384)` : sql`repeat('x', 16384)`;
  try {
    await rolledBack(database, (tx) => sql`insert into instance_settings (key, value) values (${key}, ${value})`.execute(tx));
  } catch (error) {
    if (!isMissingTable(error)) throw error;
    await rolledBack(database, (tx) => sql`create table phone_numbers_doctor_probe (id integer)`.execute(tx));
  }
}

/** Why a database cannot take writes, as the health check names it. */
export type DatabaseFault = 'read_only' | 'full' | 'unreachable';

export function databaseFault(error: unknown): DatabaseFault {
  const code = errorCode(error) ?? '';
  // 25006: read_only_sql_transaction (a standby, or default_transaction_read_only).
  if (code.startsWith('SQLITE_READONLY') || code === '25006') return 'read_only';
  // 53100: disk_full.
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100') return 'full';
  return 'unreachable';
}

/**
 * A database that cannot be used at start, as one line naming DATABASE_URL, the file (or the URL,
 * its password masked), what is wrong and the driver's code: what to fix, without reading a stack.
 */
export function databaseStartError(label: string, error: unknown): ConfigError {
  const code = errorCode(error) ?? '';
  const fault = databaseFault(error);
  if (fault === 'read_only') return settingFailed('DATABASE_URL', `${label} is read-only`, error);
  if (fault === 'full') return settingFailed('DATABASE_URL', `${label} is full`, error);
  if (code.startsWith('SQLITE_CANTOPEN') || ['EEXIST', 'ENOTDIR', 'EACCES', 'EPERM', 'EROFS'].includes(code)) {
    return settingFailed('DATABASE_URL', `cannot open ${label}`, error);
  }
  // Node's own codes (ECONNREFUSED, ENOTFOUND, ETIMEDOUT): the server is not there.
  if (/^E[A-Z]+$/.test(code)) return settingFailed('DATABASE_URL', `cannot reach ${label}`, error);
  return settingFailed('DATABASE_URL', label, error);
}

/** True when a write failed on a unique constraint, in either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
