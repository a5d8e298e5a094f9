import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Webhooks: every event is written in the same transaction as the change it reports, with one
// delivery row per endpoint (a queue of src/delivery/, like the SMS outbox). `seq` numbers events in
// the order they were written, so one user's events go out in that order.

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.createTable('webhook_events')
    .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    // The svix-id / webhook-id of the event: the same on every try and every endpoint.
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    // The JSON body sealed with AES-256-GCM: an sms.created event carries the code.
    .addColumn('payload_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_seq', 'bigint', (c) => c.notNull().references('webhook_events.seq').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    // Deliveries with the same key go out one at a time, in event order (a user's id, else the event's).
    .addColumn('order_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('tries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('response_status', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_order').on('webhook_deliveries').columns(['endpoint', 'order_key', 'event_seq']).execute();
  if (postgres) await sql`alter table webhook_deliveries alter column id type text collate "C"`.execute(db);

  // An endpoint that answered 410 Gone gets nothing more until an operator retries one of its deliveries.
  await db.schema.createTable('webhook_endpoints')
    .addColumn('url', 'text', (c) => c.primaryKey())
    .addColumn('disabled_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_endpoints').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhook_events').execute();
}
