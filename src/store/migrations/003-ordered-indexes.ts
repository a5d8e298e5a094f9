import type { Kysely } from 'kysely';

// Two lists read on every request come out in `created_at, id` order: a user's numbers and a
// client's active sessions. Their indexes stopped before the id (numbers) or before created_at
// (sessions), so SQLite sorted each list again in a temporary B-tree; with the whole order in the
// index the rows come out sorted. Each new index starts with the old one's columns, which it replaces.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('phone_numbers_user_order').on('phone_numbers').columns(['user_id', 'created_at', 'id']).execute();
  await db.schema.dropIndex('phone_numbers_user_created').execute();
  await db.schema.createIndex('sessions_client_order').on('sessions').columns(['client_id', 'status', 'created_at', 'id']).execute();
  await db.schema.dropIndex('sessions_client').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('sessions_client').on('sessions').columns(['client_id', 'status']).execute();
  await db.schema.dropIndex('sessions_client_order').execute();
  await db.schema.createIndex('phone_numbers_user_created').on('phone_numbers').columns(['user_id', 'created_at']).execute();
  await db.schema.dropIndex('phone_numbers_user_order').execute();
}
