import type { Kysely } from 'kysely';

// A user's numbers are listed `order by created_at, id`. The index had only (user_id, created_at),
// so SQLite sorted every list again in a temporary B-tree for the id tie-break; with the id in the
// index the rows come out in order.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('phone_numbers_user_created_id').on('phone_numbers').columns(['user_id', 'created_at', 'id']).execute();
  await db.schema.dropIndex('phone_numbers_user_created').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('phone_numbers_user_created').on('phone_numbers').columns(['user_id', 'created_at']).execute();
  await db.schema.dropIndex('phone_numbers_user_created_id').execute();
}
