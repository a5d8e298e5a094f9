import type { Command } from 'commander';
import { normalisePhone } from '../domain/phone.js';
import { readDevInbox } from '../sms/dev-inbox.js';
import { findSms, listSms, requeueSms, type SmsStatus } from '../store/sms-messages.js';
import type { SmsMessageRow } from '../store/schema.js';
import { withContext } from './admin.js';
import { iso, positive, print, statusList } from './output.js';

// `phone-numbers sms`: the development inbox, the outbox as an operator sees it, and a manual retry.

const STATUSES: readonly SmsStatus[] = ['queued', 'sending', 'sent', 'dead', 'superseded'];

/** An outbox row for people: its state and history, never its body (that holds a live code). */
function outboxEntry(row: SmsMessageRow) {
  return {
    id: row.id, to: row.to_phone, provider: row.provider, status: row.status, tries: row.tries,
    next_attempt_at: row.status === 'queued' ? iso(row.next_attempt_at) : null,
    last_error: row.last_error, provider_message_id: row.provider_message_id,
    created_at: iso(row.created_at), sent_at: iso(row.sent_at),
  };
}

export function smsCommands(program: Command): void {
  const sms = program.command('sms').description('see and act on the SMS messages the server sent or will send');

  sms.command('inbox')
    .description('development inbox: messages the dev provider delivered, newest first, with their text')
    .option('--phone <e164>', 'only messages to this number')
    .action(async (options: { phone?: string }) => {
      await withContext(async (ctx) => {
        const to = options.phone ? normalisePhone(options.phone).e164 : undefined;
        const messages = await readDevInbox(ctx.database.db, ctx.keys.derived.seal, { to, limit: 50 });
        print(messages.map(({ row: r, body }) => ({ id: r.id, to: r.to_phone, status: r.status, created_at: iso(r.created_at), body })));
      });
    });

  sms.command('outbox')
    .description('every message of every provider, newest first: status, tries, last error (never the text)')
    .option('--status <list>', `only these statuses, comma-separated (${STATUSES.join(', ')})`, statusList(STATUSES))
    .option('--phone <e164>', 'only messages to this number')
    .option('--limit <n>', 'at most this many', positive, 50)
    .action(async (options: { status?: SmsStatus[]; phone?: string; limit: number }) => {
      await withContext(async (ctx) => {
        const to = options.phone ? normalisePhone(options.phone).e164 : undefined;
        const rows = await listSms(ctx.database.db, { to, status: options.status, limit: options.limit });
        print(rows.map(outboxEntry));
      });
    });

  sms.command('retry <id>')
    .description('queue a dead message again, with a fresh count of tries; a running server sends it at its next poll')
    .action(async (id: string) => {
      await withContext(async (ctx) => {
        const row = await findSms(ctx.database.db, id);
        if (!row) throw new Error(`no SMS message ${id}`);
        if (!(await requeueSms(ctx.database.db, id, Date.now()))) {
          throw new Error(`${id} is ${row.status}; only dead or queued messages can be retried`);
        }
        print(outboxEntry((await findSms(ctx.database.db, id))!));
      });
    });
}
