import type { Logger } from 'pino';
import { unseal } from '../domain/seal.js';
import { maskPhone } from '../domain/phone.js';
import { DeliveryWorker, type DeliveryHandler, type DeliveryOptions, type Outcome } from '../delivery/worker.js';
import type { DatabaseHandle } from '../store/db.js';
import { codeNoLongerUsable, smsQueue } from '../store/sms-messages.js';
import type { SmsMessageRow } from '../store/schema.js';
import type { Metrics, SmsOutcome } from '../metrics.js';
import type { SmsProvider } from './provider.js';
import { withoutNumbers } from './providers/http.js';

// The SMS outbox: the shared delivery worker (src/delivery/) with what is particular to an SMS:
// a code that no longer counts is not paid for, the body is unsealed only to send it, and a
// provider's error is stored without numbers.

export interface OutboxOptions extends DeliveryOptions {
  /** Counts each message's outcome (sent, failed, dead, superseded) by provider. */
  metrics: Metrics;
}

function describeThrown(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError') return 'provider did not answer in time';
  // Stored and logged: a provider's own error may quote the request, so numbers are taken out.
  return withoutNumbers(`${e?.message ?? 'send failed'}${e?.cause?.code ? ` (${e.cause.code})` : ''}`);
}

class SmsHandler implements DeliveryHandler<SmsMessageRow> {
  readonly noun = 'sms';

  constructor(
    private readonly database: DatabaseHandle,
    private readonly provider: SmsProvider,
    private readonly sealKey: Buffer,
    private readonly log: Logger,
    private readonly clock: () => number,
    private readonly metrics: Metrics,
  ) {}

  recorded(_message: SmsMessageRow, outcome: string): void {
    this.metrics.smsOutcome(this.provider.name, outcome as SmsOutcome);
  }

  logFor(message: SmsMessageRow): Logger {
    return this.log.child({ sms_id: message.id, to: maskPhone(message.to_phone) });
  }

  async attempt(message: SmsMessageRow): Promise<Outcome<SmsMessageRow>> {
    // A code that was replaced (or its number deleted, or its tries used up) or that expired is not worth paying for.
    const unusable = message.verification_id
      ? await codeNoLongerUsable(this.database.db, message.phone_number_id, message.verification_id, this.clock())
      : null;
    if (unusable === 'replaced') {
      this.logFor(message).info('sms superseded by a newer code; not sent');
      return { kind: 'final', status: 'superseded', error: null, countTry: false };
    }
    if (unusable === 'expired') {
      this.logFor(message).warn('sms code expired before sending; not sent');
      return { kind: 'final', status: 'dead', error: 'the code expired before it could be sent', countTry: false };
    }
    const body = unseal(this.sealKey, message.body_sealed);
    try {
      const result = await this.provider.send({ id: message.id, to: message.to_phone, body, userId: message.user_id, phoneNumberId: message.phone_number_id });
      if (result.ok) {
        return { kind: 'sent', extra: { provider_message_id: result.providerMessageId, sent_at: this.clock() }, detail: { provider: this.provider.name } };
      }
      return { kind: 'failed', error: result.error, permanent: result.permanent };
    } catch (error) {
      // Network failures and timeouts: worth another try. The message names the cause, never the request.
      return { kind: 'failed', permanent: false, error: describeThrown(error) };
    }
  }
}

export class OutboxWorker extends DeliveryWorker<SmsMessageRow> {
  constructor(database: DatabaseHandle, provider: SmsProvider, sealKey: Buffer, log: Logger, options: OutboxOptions) {
    super(database, smsQueue, new SmsHandler(database, provider, sealKey, log, options.clock ?? Date.now, options.metrics), log, options);
  }
}
