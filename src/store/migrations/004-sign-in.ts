import type { Kysely } from 'kysely';

// Signing in and up with a phone number. Every one-time code that is not a number's own
// verification lives in `verifications`, one row per owner (a sign-in or a sign-up) and purpose, in
// the same columns as a number's verification, so one set of queries counts and completes them all.
// Lockout counts sit on the user; a client points at its sign-in and sign-up in progress.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('verifications')
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('phone_number_id', 'text')
    .addColumn('verification_id', 'text', (c) => c.notNull())
    .addColumn('verification_status', 'text', (c) => c.notNull())
    .addColumn('verification_strategy', 'text', (c) => c.notNull())
    .addColumn('verification_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('verification_expire_at', 'bigint')
    .addColumn('code_digest', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('verifications_pk', ['owner_id', 'purpose'])
    .execute();
  // The outbox asks, just before it sends, whether the code it carries is still the current one.
  await db.schema.createIndex('verifications_verification_id').on('verifications').column('verification_id').execute();

  await db.schema.createTable('sign_ins')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('identifier', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_session_id', 'text')
    .addColumn('abandon_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_ins_client').on('sign_ins').column('client_id').execute();

  await db.schema.createTable('sign_ups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('phone_number', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_user_id', 'text')
    .addColumn('created_session_id', 'text')
    .addColumn('abandon_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_ups_client').on('sign_ups').column('client_id').execute();

  await db.schema.alterTable('clients').addColumn('sign_in_id', 'text').execute();
  await db.schema.alterTable('clients').addColumn('sign_up_id', 'text').execute();

  await db.schema.alterTable('users').addColumn('failed_attempts_in_window', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('users').addColumn('failure_window_started_at', 'bigint').execute();
  await db.schema.alterTable('users').addColumn('consecutive_failed_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('users').addColumn('locked_until', 'bigint').execute();
  // Backup codes were kept as unsalted SHA-256 and no sign-in ever accepted one: those digests go,
  // and a user with two-step on issues new ones (domain/backup-codes.ts keeps them keyed and salted).
  await db.updateTable('users' as never).set({ backup_code_digests: null } as never).execute();
  await db.schema.alterTable('users').addColumn('locked_indefinitely', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['locked_indefinitely', 'locked_until', 'consecutive_failed_attempts', 'failure_window_started_at', 'failed_attempts_in_window']) {
    await db.schema.alterTable('users').dropColumn(column).execute();
  }
  await db.schema.alterTable('clients').dropColumn('sign_up_id').execute();
  await db.schema.alterTable('clients').dropColumn('sign_in_id').execute();
  for (const table of ['sign_ups', 'sign_ins', 'verifications']) await db.schema.dropTable(table).ifExists().execute();
}
