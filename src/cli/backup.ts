import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { backupSqlite, postgresBackupCommands, restoreSqlite, sqliteFile } from '../store/backup.js';
import { print } from './output.js';

// `phone-numbers backup <file>` and `restore <file>`: the SQLite database DATABASE_URL names. On
// PostgreSQL they print the pg_dump / pg_restore command instead (exit 1: nothing was copied).

/** The SQLite file, or undefined after telling a PostgreSQL user which command does the job. */
function sqliteTarget(file: string, which: 'backup' | 'restore'): string | undefined {
  const { databaseUrl } = loadConfig();
  const path = sqliteFile(databaseUrl);
  if (path !== undefined) return path;
  const commands = postgresBackupCommands(databaseUrl, file);
  const lines = [
    `DATABASE_URL is PostgreSQL: ${which === 'backup' ? 'back it up with pg_dump' : 'restore a pg_dump file with pg_restore'}:`,
    '',
    `  ${commands[which]}`,
    '',
    ...(commands.password ? ['The password is left out of the URL: give it in PGPASSWORD or ~/.pgpass.', ''] : []),
    'A backup is only as good as the CLERK_SECRET_KEY that sealed it: keep the two together (docs/deploy.md).',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exitCode = 1;
  return undefined;
}

export function backupCommands(program: Command): void {
  program.command('backup')
    .description("copy the SQLite database, consistently, while the server runs (PostgreSQL: prints the pg_dump command)")
    .argument('<file>', 'where to write the copy (must not exist)')
    .action(async (file: string) => {
      const source = sqliteTarget(file, 'backup');
      if (source === undefined) return;
      print(await backupSqlite(source, file));
    });

  program.command('restore')
    .description("put a backup in place of the SQLite database (the server must be stopped; PostgreSQL: prints the pg_restore command)")
    .argument('<file>', 'a file made by phone-numbers backup')
    .option('--force', 'replace the database DATABASE_URL names if it exists (what it holds is lost)', false)
    .action((file: string, options: { force: boolean }) => {
      const target = sqliteTarget(file, 'restore');
      if (target === undefined) return;
      print(restoreSqlite(file, target, { force: options.force }));
    });
}
