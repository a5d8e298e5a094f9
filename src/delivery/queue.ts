import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Db, Dialect } from '../store/db.js';
import type { DeliveryColumns } from '../store/schema.js';

// The durable queue behind every delivery that must survive a crash (SMS messages, webhook
// deliveries): rows committed with the change they report, claimed by a worker with a lease, tried
// again with backoff, and given up ("dead") after a number of tries. A table joins by having the
// columns of DeliveryColumns (store/schema.ts); what a row carries and how it is sent stays with its owner.

export type QueueColumns = DeliveryColumns;

/** The tables that are delivery queues. */
export type QueueTable = 'sms_messages' | 'webhook_deliveries';

/** queued -> sending (claimed) -> sent | queued (retry) | dead, plus final states a queue's owner names. */
export type QueueStatus = 'queued' | 'sending' | 'sent' | 'dead';

// The queue code works on the columns every queue table shares; the owner's row type comes back out.
type QueueDb = Record<string, QueueColumns>;
const asQueueDb = (db: Db) => db as unknown as Kysely<QueueDb>;

export interface QueueOptions {
  /** Extra condition a due row must meet to be claimed (e.g. no earlier delivery of the same user pending). */
  claimable?: Expression<SqlBool>;
}

export class DeliveryQueue<Row extends QueueColumns> {
  constructor(readonly table: QueueTable, private readonly options: QueueOptions = {}) {}

  /**
   * Claims up to `limit` due rows for one worker. PostgreSQL skips rows another worker holds
   * (FOR UPDATE SKIP LOCKED); SQLite runs one writer at a time, so the UPDATE alone is atomic.
   * A row whose lease ran out (its worker died) is due again.
   */
  async claim(db: Db, dialect: Dialect, workerId: string, now: number, leaseMs: number, limit: number): Promise<Row[]> {
    const q = asQueueDb(db);
    let due = q.selectFrom(this.table).select('id')
      .where((eb) => eb.or([
        eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', now)]),
        eb.and([eb('status', '=', 'sending'), eb('claimed_until', '<', now)]),
      ]));
    if (this.options.claimable) due = due.where(this.options.claimable);
    const ordered = due.orderBy('next_attempt_at').limit(limit);
    const lockedDue = dialect === 'postgres' ? ordered.forUpdate().skipLocked() : ordered;
    const claimed = await q.updateTable(this.table)
      .set({ status: 'sending', claimed_by: workerId, claimed_until: now + leaseMs, updated_at: now })
      .where('id', 'in', lockedDue)
      .returningAll()
      .execute();
    // RETURNING follows no order on PostgreSQL: oldest due first, as the claim chose them.
    return (claimed as unknown as Row[]).sort((a, b) => a.next_attempt_at - b.next_attempt_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Every outcome write checks the claim, so a worker whose lease ran out cannot overwrite a newer claim. */
  private owned(db: Db, id: string, workerId: string) {
    return asQueueDb(db).updateTable(this.table).where('id', '=', id).where('claimed_by', '=', workerId).where('status', '=', 'sending');
  }

  /** Delivered; `extra` holds the owner's columns for a success (provider id, time sent...). */
  async markSent(db: Db, id: string, workerId: string, now: number, extra: Partial<Row> = {}): Promise<void> {
    await this.owned(db, id, workerId)
      .set((eb) => ({ ...(extra as Partial<QueueColumns>), status: 'sent', updated_at: now, tries: eb('tries', '+', 1), claimed_until: null, last_error: null }))
      .execute();
  }

  async markRetry(db: Db, id: string, workerId: string, error: string, nextAttemptAt: number, now: number, extra: Partial<Row> = {}): Promise<void> {
    await this.owned(db, id, workerId)
      .set((eb) => ({ ...(extra as Partial<QueueColumns>), status: 'queued', last_error: error, next_attempt_at: nextAttemptAt, updated_at: now, tries: eb('tries', '+', 1), claimed_until: null }))
      .execute();
  }

  /** Done without success: dead, or a final state of the owner's (an SMS superseded, an endpoint disabled). */
  async markFinal(db: Db, id: string, workerId: string, status: string, error: string | null, now: number, countTry: boolean, extra: Partial<Row> = {}): Promise<void> {
    await this.owned(db, id, workerId)
      .set((eb) => ({ ...(extra as Partial<QueueColumns>), status, last_error: error, updated_at: now, claimed_until: null, tries: countTry ? eb('tries', '+', 1) : eb.ref('tries') }))
      .execute();
  }

  /** Gives claimed, untried rows back to the queue (a worker stopping), due at once for other workers. */
  async release(db: Db, ids: string[], workerId: string, now: number): Promise<void> {
    if (ids.length === 0) return;
    await asQueueDb(db).updateTable(this.table)
      .set({ status: 'queued', claimed_by: null, claimed_until: null, updated_at: now })
      .where('id', 'in', ids).where('claimed_by', '=', workerId).where('status', '=', 'sending')
      .execute();
  }

  /** Puts a row in one of `from` (dead, by default, or still queued) back in the queue now, with a fresh count of tries. */
  async requeue(db: Db, id: string, now: number, from: readonly string[] = ['dead', 'queued']): Promise<boolean> {
    const result = await asQueueDb(db).updateTable(this.table)
      .set({ status: 'queued', next_attempt_at: now, tries: 0, claimed_by: null, claimed_until: null, updated_at: now })
      .where('id', '=', id).where('status', 'in', [...from])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** When the next queued row falls due, so an idle worker sleeps exactly that long. */
  async nextDueAt(db: Db): Promise<number | null> {
    const row = await asQueueDb(db).selectFrom(this.table).select(sql<number | null>`min(next_attempt_at)`.as('at'))
      .where('status', '=', 'queued').executeTakeFirst();
    return row?.at == null ? null : Number(row.at);
  }
}
