import { randomBytes, randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { DatabaseHandle } from '../store/db.js';
import type { DeliveryQueue, QueueColumns } from './queue.js';

// The worker loop every durable delivery shares: claim due rows, try each, record the outcome
// (sent, retry with backoff, dead after maxTries), sleep until the next row falls due. Every row is
// committed before it is tried, so a crash loses nothing: the lease runs out and another worker (or
// this one after restart) tries it. Delivery is therefore at least once.

export interface DeliveryOptions {
  maxTries: number;
  pollMs: number;
  leaseMs?: number;
  batchSize?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  clock?: () => number;
}

/** What one try came to; `extra` holds the owner's columns to write with it. */
export type Outcome<Row> =
  | { kind: 'sent'; extra?: Partial<Row>; detail?: Record<string, unknown> }
  | { kind: 'failed'; error: string; permanent: boolean; extra?: Partial<Row> }
  | { kind: 'final'; status: string; error: string | null; countTry: boolean; extra?: Partial<Row> };

export interface DeliveryHandler<Row> {
  /** The word log lines start with ("sms", "webhook"). */
  readonly noun: string;
  /** The logger for one row: its fields must name no secret (no code, no full phone number). */
  logFor(row: Row): Logger;
  /** Tries one claimed row. Should not throw; a throw counts as a failed try worth another. */
  attempt(row: Row): Promise<Outcome<Row>>;
  /** Told each outcome once it is recorded: 'sent', 'failed' (will retry), 'dead', or a final status of the owner's. */
  recorded?(row: Row, outcome: string): void;
}

/** Exponential backoff with full jitter: retries from many rows spread out instead of arriving together. */
export function backoffMs(tries: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, tries - 1));
  return Math.max(1, randomInt(Math.max(2, Math.floor(ceiling))));
}

export class DeliveryWorker<Row extends QueueColumns> {
  readonly id = `worker_${randomBytes(6).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly queue: DeliveryQueue<Row>,
    private readonly handler: DeliveryHandler<Row>,
    private readonly log: Logger,
    private readonly options: DeliveryOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.batchSize = options.batchSize ?? 10;
    this.baseBackoffMs = options.baseBackoffMs ?? 1_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000;
    this.clock = options.clock ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Work now rather than at the next poll (called after a row is committed). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.drain()
      .then(() => undefined)
      .catch((error: unknown) => this.log.error({ err: error }, `${this.handler.noun} delivery pass failed`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        } else {
          void this.scheduleNext();
        }
      });
  }

  /** Stops claiming; resolves when the row in flight is recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Tries everything due now; returns how many rows were handled. */
  async drain(): Promise<number> {
    let handled = 0;
    for (;;) {
      if (this.stopped && handled > 0) return handled;
      const batch = await this.queue.claim(this.database.db, this.database.dialect, this.id, this.clock(), this.leaseMs, this.batchSize);
      if (batch.length === 0) return handled;
      for (const [i, row] of batch.entries()) {
        if (this.stopped && i > 0) {
          // Shutting down: finish the row in flight, hand the rest back for another worker now.
          await this.queue.release(this.database.db, batch.slice(i).map((r) => r.id), this.id, this.clock());
          return handled + i;
        }
        await this.deliver(row);
      }
      handled += batch.length;
    }
  }

  private async scheduleNext(): Promise<void> {
    if (this.stopped) return;
    let delay = this.options.pollMs;
    try {
      const due = await this.queue.nextDueAt(this.database.db);
      if (due !== null) delay = Math.min(delay, Math.max(0, due - this.clock()));
    } catch {
      // The database may be closing; the regular poll interval is the fallback.
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => this.kick(), delay);
    this.timer.unref();
  }

  private async deliver(row: Row): Promise<void> {
    const db = this.database.db;
    const log = this.handler.logFor(row);
    const noun = this.handler.noun;
    let outcome: Outcome<Row>;
    try {
      outcome = await this.handler.attempt(row);
    } catch (error) {
      // The message is not logged: it may quote what was sent.
      outcome = { kind: 'failed', permanent: false, error: `${(error as Error)?.name ?? 'Error'} while sending` };
    }
    const now = this.clock();
    if (outcome.kind === 'final') {
      await this.queue.markFinal(db, row.id, this.id, outcome.status, outcome.error, now, outcome.countTry, outcome.extra);
      this.handler.recorded?.(row, outcome.status);
      return;
    }
    if (outcome.kind === 'sent') {
      await this.queue.markSent(db, row.id, this.id, now, outcome.extra);
      this.handler.recorded?.(row, 'sent');
      log.info(outcome.detail ?? {}, `${noun} sent`);
      return;
    }
    const tries = row.tries + 1;
    if (outcome.permanent || tries >= this.options.maxTries) {
      await this.queue.markFinal(db, row.id, this.id, 'dead', outcome.error, now, true, outcome.extra);
      this.handler.recorded?.(row, 'dead');
      log.warn({ tries, error: outcome.error, permanent: outcome.permanent }, `${noun} dead`);
      return;
    }
    const next = now + backoffMs(tries, this.baseBackoffMs, this.maxBackoffMs);
    await this.queue.markRetry(db, row.id, this.id, outcome.error, next, now, outcome.extra);
    this.handler.recorded?.(row, 'failed');
    log.warn({ tries, error: outcome.error, retry_in_ms: next - now }, `${noun} send failed; will retry`);
  }
}
