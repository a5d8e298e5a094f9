import { sql } from 'kysely';
import { DeliveryQueue } from '../delivery/queue.js';
import { newId } from '../domain/ids.js';
import type { Db } from './db.js';
import type { WebhookDeliveryRow } from './schema.js';

// Webhook events and their deliveries (one per endpoint): a queue of src/delivery/, like the SMS
// outbox. The deliveries of one user to one endpoint go out one at a time, in the order written.

export type WebhookDeliveryStatus = 'queued' | 'sending' | 'sent' | 'dead' | 'disabled';
export const WEBHOOK_DELIVERY_STATUSES: readonly WebhookDeliveryStatus[] = ['queued', 'sending', 'sent', 'dead', 'disabled'];

export interface NewWebhookEvent {
  id: string;
  type: string;
  userId: string | null;
  payloadSealed: string;
  now: number;
}

/** The event and one queued delivery per endpoint, in the caller's transaction. */
export async function insertWebhookEvent(tx: Db, event: NewWebhookEvent, endpoints: string[]): Promise<void> {
  const { seq } = await tx.insertInto('webhook_events')
    .values({ id: event.id, type: event.type, user_id: event.userId, payload_sealed: event.payloadSealed, created_at: event.now })
    .returning('seq').executeTakeFirstOrThrow();
  const orderKey = event.userId ?? event.id;
  await tx.insertInto('webhook_deliveries').values(endpoints.map((endpoint, i) => ({
    id: newId('whd', event.now + i), event_seq: Number(seq), event_id: event.id, event_type: event.type, endpoint, order_key: orderKey,
    status: 'queued', tries: 0, next_attempt_at: event.now, claimed_by: null, claimed_until: null, last_error: null,
    response_status: null, created_at: event.now, updated_at: event.now, sent_at: null,
  }))).execute();
}

/**
 * A delivery is claimed only when no earlier event of the same user is still pending for the same
 * endpoint (queued, being sent, or waiting for its retry): per-user order holds across instances.
 */
export const webhookQueue = new DeliveryQueue<WebhookDeliveryRow>('webhook_deliveries', {
  claimable: sql<boolean>`not exists (select 1 from webhook_deliveries as earlier
    where earlier.endpoint = webhook_deliveries.endpoint and earlier.order_key = webhook_deliveries.order_key
    and earlier.event_seq < webhook_deliveries.event_seq and earlier.status in ('queued', 'sending'))`,
});

export async function webhookPayload(db: Db, eventSeq: number): Promise<{ id: string; payload_sealed: string } | undefined> {
  return db.selectFrom('webhook_events').select(['id', 'payload_sealed']).where('seq', '=', eventSeq).executeTakeFirst();
}

export async function isEndpointDisabled(db: Db, url: string): Promise<boolean> {
  const row = await db.selectFrom('webhook_endpoints').select('disabled_at').where('url', '=', url).executeTakeFirst();
  return row?.disabled_at != null;
}

/** A 410 Gone: the endpoint gets nothing more; its queued deliveries stop too. */
export async function disableEndpoint(db: Db, url: string, now: number): Promise<void> {
  await db.insertInto('webhook_endpoints').values({ url, disabled_at: now })
    .onConflict((oc) => oc.column('url').doUpdateSet({ disabled_at: now })).execute();
  await db.updateTable('webhook_deliveries').set({ status: 'disabled', last_error: 'endpoint disabled: it answered 410 Gone', updated_at: now })
    .where('endpoint', '=', url).where('status', '=', 'queued').execute();
}

export async function enableEndpoint(db: Db, url: string): Promise<void> {
  await db.updateTable('webhook_endpoints').set({ disabled_at: null }).where('url', '=', url).execute();
}

export interface WebhookDeliveryQuery {
  status?: WebhookDeliveryStatus[] | undefined;
  limit?: number | undefined;
}

export async function listWebhookDeliveries(db: Db, query: WebhookDeliveryQuery = {}): Promise<WebhookDeliveryRow[]> {
  let q = db.selectFrom('webhook_deliveries').selectAll();
  if (query.status?.length) q = q.where('status', 'in', query.status);
  return q.orderBy('event_seq', 'desc').orderBy('id', 'desc').limit(query.limit ?? 100).execute();
}

export async function findWebhookDelivery(db: Db, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

/** An operator's retry: a dead or disabled delivery is queued again, and its endpoint enabled again. */
export async function retryWebhookDelivery(db: Db, id: string, now: number): Promise<boolean> {
  const row = await findWebhookDelivery(db, id);
  if (!row) return false;
  if (!(await webhookQueue.requeue(db, id, now, ['dead', 'disabled', 'queued']))) return false;
  await enableEndpoint(db, row.endpoint);
  return true;
}
