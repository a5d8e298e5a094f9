import type { Command } from 'commander';
import { endpointLabel } from '../domain/webhook-events.js';
import type { WebhookDeliveryRow } from '../store/schema.js';
import {
  findWebhookDelivery, listWebhookDeliveries, retryWebhookDelivery, WEBHOOK_DELIVERY_STATUSES, type WebhookDeliveryStatus,
} from '../store/webhooks.js';
import { withContext } from './admin.js';
import { iso, positive, print, statusList } from './output.js';

// `phone-numbers webhooks`: the webhook deliveries as an operator sees them, and a manual retry.

/** A delivery for people: its state and history, never its payload (it may carry a code or a phone number). */
function deliveryEntry(row: WebhookDeliveryRow) {
  return {
    id: row.id, event_id: row.event_id, type: row.event_type, endpoint: endpointLabel(row.endpoint), status: row.status, tries: row.tries,
    next_attempt_at: row.status === 'queued' ? iso(row.next_attempt_at) : null,
    last_error: row.last_error, response_status: row.response_status, created_at: iso(row.created_at), sent_at: iso(row.sent_at),
  };
}

export function webhookCommands(program: Command): void {
  const webhooks = program.command('webhooks').description('see and act on the webhook deliveries to the application\'s endpoints');

  webhooks.command('list')
    .description('recent deliveries, newest first: event, endpoint, status, tries, next attempt, last error (never the payload)')
    .option('--status <list>', `only these statuses, comma-separated (${WEBHOOK_DELIVERY_STATUSES.join(', ')})`, statusList(WEBHOOK_DELIVERY_STATUSES))
    .option('--limit <n>', 'at most this many', positive, 50)
    .action(async (options: { status?: WebhookDeliveryStatus[]; limit: number }) => {
      await withContext(async (ctx) => {
        print((await listWebhookDeliveries(ctx.database.db, { status: options.status, limit: options.limit })).map(deliveryEntry));
      });
    });

  webhooks.command('retry <id>')
    .description('queue a dead or disabled delivery again with a fresh count of tries (and enable its endpoint again); a running server sends it at its next poll')
    .action(async (id: string) => {
      await withContext(async (ctx) => {
        const row = await findWebhookDelivery(ctx.database.db, id);
        if (!row) throw new Error(`no webhook delivery ${id}`);
        if (!(await retryWebhookDelivery(ctx.database.db, id, Date.now()))) {
          throw new Error(`${id} is ${row.status}; only dead, disabled or queued deliveries can be retried`);
        }
        print(deliveryEntry((await findWebhookDelivery(ctx.database.db, id))!));
      });
    });
}
