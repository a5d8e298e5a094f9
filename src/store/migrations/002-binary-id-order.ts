import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Ids end every ORDER BY as the tie-break for rows made in the same millisecond, and their time
// prefix sorts only byte by byte ('Z' before 'a'). SQLite compares text that way; PostgreSQL uses the
// database's collation (en_US and the like put 'a' before 'Z'). Pinning the C collation on the ids
// that are sorted makes both dialects order alike, whatever collation a database was created with.

const SORTED_IDS = ['phone_numbers', 'sessions', 'sms_messages'];

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const table of SORTED_IDS) {
    await sql`alter table ${sql.table(table)} alter column id type text collate "C"`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const table of SORTED_IDS) {
    await sql`alter table ${sql.table(table)} alter column id type text collate "default"`.execute(db);
  }
}
