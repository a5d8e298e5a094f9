import { closeSync, constants, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync, chmodSync, copyFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { postgresUrl } from './db.js';
import { migrations } from './migrations/index.js';

// Backups of a SQLite database, taken while a server writes to it, and putting one back. PostgreSQL has
// its own tools (pg_dump, pg_restore): for it this module only says which command to run.

/** The file a `sqlite:` DATABASE_URL names; undefined for PostgreSQL. Throws for an in-memory database. */
export function sqliteFile(databaseUrl: string): string | undefined {
  if (!databaseUrl.startsWith('sqlite:')) return undefined;
  const location = databaseUrl.slice('sqlite:'.length);
  if (location === '' || location === ':memory:') throw new Error('DATABASE_URL: an in-memory database has nothing to back up or restore');
  return resolve(location);
}

export interface BackupSummary {
  file: string;
  bytes: number;
  /** The newest migration the copy has: the schema version it restores to. */
  migration: string | null;
  /** Rows per table in the copy, as of the moment it was taken. */
  rows: Record<string, number>;
}

const tmpBeside = (file: string, what: string) => join(dirname(file), `.${basename(file)}.${what}-${process.pid}.tmp`);

/** Flushes a file, then its directory entry, so a rename survives a power cut. */
function fsyncPath(path: string, flags = constants.O_RDONLY): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function summarise(sqlite: SQLite.Database, file: string): Omit<BackupSummary, 'bytes'> {
  const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  const rows: Record<string, number> = {};
  for (const table of tables) rows[table] = sqlite.prepare(`SELECT count(*) FROM "${table.replace(/"/g, '""')}"`).pluck().get() as number;
  const migration = tables.includes('kysely_migration')
    ? (sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name DESC LIMIT 1').pluck().get() as string | undefined) ?? null
    : null;
  return { file, migration, rows };
}

/**
 * Copies a live database with SQLite's online backup API into `destination` (refused if it exists).
 * All pages go over in one step, which reads one snapshot: in WAL mode the server's writers carry on
 * meanwhile, and the copy holds exactly the transactions committed before the step began. The copy
 * is written beside the destination, checked, switched to a single-file journal, and renamed into place.
 */
export async function backupSqlite(source: string, destination: string): Promise<BackupSummary> {
  const target = resolve(destination);
  if (!existsSync(source)) throw new Error(`DATABASE_URL: ${source} does not exist`);
  if (existsSync(target)) throw new Error(`${destination} exists: give a new file name`);
  const temporary = tmpBeside(target, 'backup');
  const sqlite = new SQLite(source, { fileMustExist: true });
  try {
    sqlite.pragma('busy_timeout = 5000');
    await sqlite.backup(temporary, { progress: () => 0x7fffffff });
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  } finally {
    sqlite.close();
  }
  try {
    // The copy has every setting in clear (in development the secret key itself): owner only.
    chmodSync(temporary, 0o600);
    const copy = new SQLite(temporary, { fileMustExist: true });
    let summary: Omit<BackupSummary, 'bytes'>;
    try {
      // One self-contained file (no -wal beside it), safe to move as it is.
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`);
      summary = summarise(copy, target);
    } finally {
      copy.close();
    }
    fsyncPath(temporary, constants.O_RDWR);
    renameSync(temporary, target);
    fsyncPath(dirname(target));
    return { ...summary, bytes: statSync(target).size };
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Opens a backup read-only and checks it is one of ours, whole, and not from a newer version. */
function inspectBackup(file: string): BackupSummary {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new Error(`${file} is not a SQLite database (${(error as Error).message})`);
  }
  try {
    let check: unknown;
    try {
      check = sqlite.pragma('quick_check', { simple: true });
    } catch (error) {
      throw new Error(`${file} is not a SQLite database (${(error as Error).message})`);
    }
    if (check !== 'ok') throw new Error(`${file} failed its integrity check: ${String(check)}`);
    const summary = { ...summarise(sqlite, file), bytes: statSync(file).size };
    if (!('instance_settings' in summary.rows) || !('kysely_migration' in summary.rows)) {
      throw new Error(`${file} is not a phone-numbers database (no instance_settings or kysely_migration table)`);
    }
    const applied = sqlite.prepare('SELECT name FROM kysely_migration').pluck().all() as string[];
    const unknown = applied.filter((name) => !(name in migrations));
    if (unknown.length) throw new Error(`${file} was written by a newer version (migrations ${unknown.join(', ')}): restore it with that version`);
    return summary;
  } finally {
    sqlite.close();
  }
}

/**
 * Throws when another connection has the database open (a running server holds a shared lock on a
 * WAL database for as long as it is open, even idle): an exclusive lock is refused at once then.
 */
function assertNotInUse(file: string): void {
  const sqlite = new SQLite(file, { fileMustExist: true });
  try {
    sqlite.pragma('busy_timeout = 0');
    sqlite.pragma('locking_mode = EXCLUSIVE');
    sqlite.exec('BEGIN EXCLUSIVE');
    sqlite.exec('COMMIT');
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new Error(`${file} is in use (a server or another command has it open): stop it first, then restore`);
    }
    throw error;
  } finally {
    // Closing the last connection checkpoints the WAL into the old file and removes it.
    sqlite.close();
  }
}

export interface RestoreOptions {
  /** Replace an existing database (it is lost: back it up first). */
  force: boolean;
}

/**
 * Puts a backup in place of the database at `target`: checked first, copied beside the target, then
 * renamed over it in one step, so the target is at every moment either the old database or the whole
 * backup. Refused while anything has the target open, and, unless forced, when the target exists.
 */
export function restoreSqlite(backup: string, target: string, options: RestoreOptions): BackupSummary {
  const source = resolve(backup);
  const summary = inspectBackup(source);
  if (source === target) throw new Error(`${backup} is the database DATABASE_URL names`);
  if (!existsSync(dirname(target))) throw new Error(`DATABASE_URL: the directory ${dirname(target)} does not exist`);
  if (existsSync(target)) {
    if (!options.force) throw new Error(`${target} exists: --force replaces it (what it holds now is lost; back it up first)`);
    assertNotInUse(target);
  }
  const temporary = tmpBeside(target, 'restore');
  try {
    copyFileSync(source, temporary);
    chmodSync(temporary, 0o600);
    fsyncPath(temporary, constants.O_RDWR);
    // Journals of the old file must not be replayed into the new one.
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${target}${suffix}`, { force: true });
    renameSync(temporary, target);
    fsyncPath(dirname(target));
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  return { ...summary, file: target };
}

/** The pg_dump and pg_restore commands for a `postgres://` DATABASE_URL, with the password left out. */
export function postgresBackupCommands(databaseUrl: string, file: string): { backup: string; restore: string; password: boolean } {
  const { parsed: url, schema } = postgresUrl(databaseUrl);
  const password = url.password !== '';
  url.password = '';
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  const target = quote(url.toString());
  const only = schema ? ` --schema=${schema}` : '';
  return {
    backup: `pg_dump --format=custom${only} --file=${quote(file)} ${target}`,
    restore: `pg_restore --clean --if-exists --no-owner --single-transaction --dbname=${target} ${quote(file)}`,
    password,
  };
}
