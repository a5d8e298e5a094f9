import { randomBytes, randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { unseal } from '../domain/seal.js';
import { maskPhone } from '../domain/phone.js';
import type { DatabaseHandle } from '../store/db.js';
import {
  claimDueSms, codeNoLongerUsable, releaseSmsClaims, markSmsFinal, markSmsRetry, markSmsSent, nextDueAt,
} from '../store/sms-messages.js';
import type { SmsMessageRow } from '../store/schema.js';
import type { SmsProvider } from './provider.js';
import type { Metrics } from '../metrics.js';
import { withoutNumbers } from './providers/http.js';

// The outbox worker: claims due messages, sends them through the provider, and records the outcome.
// Every message is committed before it is sent, so a crash loses nothing: the lease runs out and
// another worker (or this one after restart) sends it.

export interface OutboxOptions {
  maxTries: number;
  pollMs: number;
  leaseMs?: number;
  batchSize?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  clock?: () => number;
  /** Counts each message's outcome (sent, failed, dead, superseded) by provider. */
  metrics: Metrics;
}

/** Exponential backoff with full jitter: retries from many messages spread out instead of arriving together. */
export function backoffMs(tries: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, tries - 1));
  return Math.max(1, randomInt(Math.max(2, Math.floor(ceiling))));
}

function describeThrown(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError') return 'provider did not answer in time';
  // Stored and logged: a provider's own error may quote the request, so numbers are taken out.
  return withoutNumbers(`${e?.message ?? 'send failed'}${e?.cause?.code ? ` (${e.cause.code})` : ''}`);
}

export class OutboxWorker {
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
    private readonly provider: SmsProvider,
    private readonly sealKey: Buffer,
    private readonly log: Logger,
    private readonly options: OutboxOptions,
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

  /** Work now rather than at the next poll (called after a message is committed). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.drain()
      .then(() => undefined)
      .catch((error: unknown) => this.log.error({ err: error }, 'outbox pass failed'))
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

  /** Stops claiming; resolves when the message in flight is recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Sends everything due now; returns how many messages were handled. */
  async drain(): Promise<number> {
    let handled = 0;
    for (;;) {
      if (this.stopped && handled > 0) return handled;
      const batch = await claimDueSms(this.database.db, this.database.dialect, this.id, this.clock(), this.leaseMs, this.batchSize);
      if (batch.length === 0) return handled;
      for (const [i, message] of batch.entries()) {
        if (this.stopped && i > 0) {
          // Shutting down: finish the message in flight, hand the rest back for another worker now.
          await releaseSmsClaims(this.database.db, batch.slice(i).map((m) => m.id), this.id, this.clock());
          return handled + i;
        }
        await this.deliver(message);
      }
      handled += batch.length;
    }
  }

  private async scheduleNext(): Promise<void> {
    if (this.stopped) return;
    let delay = this.options.pollMs;
    try {
      const due = await nextDueAt(this.database.db);
      if (due !== null) delay = Math.min(delay, Math.max(0, due - this.clock()));
    } catch {
      // The database may be closing; the regular poll interval is the fallback.
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => this.kick(), delay);
    this.timer.unref();
  }

  private async deliver(message: SmsMessageRow): Promise<void> {
    const db = this.database.db;
    const log = this.log.child({ sms_id: message.id, to: maskPhone(message.to_phone) });
    // A code that was replaced (or its number deleted, or its tries used up) or that expired is not worth paying for.
    const unusable = message.verification_id
      ? await codeNoLongerUsable(db, message.phone_number_id, message.verification_id, this.clock())
      : null;
    if (unusable === 'replaced') {
      await markSmsFinal(db, message.id, this.id, 'superseded', null, this.clock(), false);
      this.options.metrics.smsOutcome(this.provider.name, 'superseded');
      log.info('sms superseded by a newer code; not sent');
      return;
    }
    if (unusable === 'expired') {
      await markSmsFinal(db, message.id, this.id, 'dead', 'the code expired before it could be sent', this.clock(), false);
      this.options.metrics.smsOutcome(this.provider.name, 'dead');
      log.warn('sms code expired before sending; not sent');
      return;
    }
    const body = unseal(this.sealKey, message.body_sealed);
    let result;
    try {
      result = await this.provider.send({ id: message.id, to: message.to_phone, body });
    } catch (error) {
      // Network failures and timeouts: worth another try. The message names the cause, never the request.
      result = { ok: false as const, permanent: false, error: describeThrown(error) };
    }
    const now = this.clock();
    if (result.ok) {
      await markSmsSent(db, message.id, this.id, result.providerMessageId, now);
      this.options.metrics.smsOutcome(this.provider.name, 'sent');
      log.info({ provider: this.provider.name }, 'sms sent');
      return;
    }
    const tries = message.tries + 1;
    if (result.permanent || tries >= this.options.maxTries) {
      await markSmsFinal(db, message.id, this.id, 'dead', result.error, now, true);
      this.options.metrics.smsOutcome(this.provider.name, 'dead');
      log.warn({ tries, error: result.error, permanent: result.permanent }, 'sms dead');
      return;
    }
    const next = now + backoffMs(tries, this.baseBackoffMs, this.maxBackoffMs);
    await markSmsRetry(db, message.id, this.id, result.error, next, now);
    this.options.metrics.smsOutcome(this.provider.name, 'failed');
    log.warn({ tries, error: result.error, retry_in_ms: next - now }, 'sms send failed; will retry');
  }
}
