import type { Logger } from 'pino';
import { DeliveryWorker, type DeliveryHandler, type DeliveryOptions, type Outcome } from '../delivery/worker.js';
import { unseal } from '../domain/seal.js';
import { endpointLabel, webhookSignature } from '../domain/webhook-events.js';
import type { DatabaseHandle } from '../store/db.js';
import type { WebhookDeliveryRow } from '../store/schema.js';
import { disableEndpoint, isEndpointDisabled, webhookPayload, webhookQueue } from '../store/webhooks.js';

// Webhook deliveries: the shared delivery worker (src/delivery/) with what is particular to a
// webhook: the Standard Webhooks / Svix signature made fresh for each try under the same id, a 2xx
// as success, a 410 Gone as "stop sending to this endpoint". Logs name the event, its type and the
// endpoint's host and path; never the payload (it may carry a code or a phone number).

export interface WebhookWorkerOptions extends DeliveryOptions {
  secret: Buffer;
  timeoutMs: number;
}

function describeThrown(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError') return 'receiver did not answer in time';
  return `could not reach the receiver${e?.cause?.code ? ` (${e.cause.code})` : ''}`;
}

class WebhookHandler implements DeliveryHandler<WebhookDeliveryRow> {
  readonly noun = 'webhook';

  constructor(
    private readonly database: DatabaseHandle,
    private readonly sealKey: Buffer,
    private readonly log: Logger,
    private readonly options: WebhookWorkerOptions,
  ) {}

  logFor(row: WebhookDeliveryRow): Logger {
    return this.log.child({ delivery_id: row.id, event_id: row.event_id, type: row.event_type, endpoint: endpointLabel(row.endpoint) });
  }

  async attempt(row: WebhookDeliveryRow): Promise<Outcome<WebhookDeliveryRow>> {
    const db = this.database.db;
    if (await isEndpointDisabled(db, row.endpoint)) {
      return { kind: 'final', status: 'disabled', error: 'endpoint disabled: it answered 410 Gone', countTry: false };
    }
    const event = await webhookPayload(db, row.event_seq);
    if (!event) return { kind: 'final', status: 'dead', error: 'the event is gone', countTry: false };
    const body = unseal(this.sealKey, event.payload_sealed);
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = webhookSignature(this.options.secret, event.id, timestamp, body);
    let response: Response;
    try {
      response = await fetch(row.endpoint, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'phone-numbers-webhooks',
          'svix-id': event.id, 'svix-timestamp': String(timestamp), 'svix-signature': signature,
          'webhook-id': event.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature,
        },
      });
      // Only the status matters; the body is read and dropped so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      return { kind: 'failed', permanent: false, error: describeThrown(error) };
    }
    const extra = { response_status: response.status };
    if (response.status >= 200 && response.status < 300) {
      return { kind: 'sent', extra: { ...extra, sent_at: Date.now() }, detail: { status: response.status } };
    }
    if (response.status === 410) {
      await disableEndpoint(db, row.endpoint, Date.now());
      this.logFor(row).warn('webhook endpoint answered 410 Gone; it gets nothing more until a delivery is retried');
      return { kind: 'final', status: 'disabled', error: 'endpoint answered 410 Gone', countTry: true, extra };
    }
    return { kind: 'failed', permanent: false, error: `receiver answered ${response.status}`, extra };
  }
}

export class WebhookWorker extends DeliveryWorker<WebhookDeliveryRow> {
  constructor(database: DatabaseHandle, sealKey: Buffer, log: Logger, options: WebhookWorkerOptions) {
    super(database, webhookQueue, new WebhookHandler(database, sealKey, log, options), log, options);
  }
}
