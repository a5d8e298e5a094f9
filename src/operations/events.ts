import type { Config } from '../config.js';
import { newId } from '../domain/ids.js';
import type { LockoutPolicy } from '../domain/lockout.js';
import { seal } from '../domain/seal.js';
import type { WebhookEventType } from '../domain/webhook-events.js';
import {
  sessionEventJson, smsEventJson, userDeletedEventJson, userEventJson,
  type RequestOrigin, type SessionEventType, type SmsFacts,
} from '../http/json/events.js';
import type { Db } from '../store/db.js';
import { listPhoneNumbers } from '../store/phone-numbers.js';
import type { SessionRow, UserRow } from '../store/schema.js';
import { findUser } from '../store/users.js';
import { insertWebhookEvent } from '../store/webhooks.js';

// Events for the application's backend (Clerk's webhooks). Each is written by the operation that
// makes the change, in its transaction: a rolled-back change leaves no event, a committed one is
// never lost. The delivery worker (webhooks/worker.ts) sends them.

export type { RequestOrigin };

/** Changes made from the command line: no HTTP request behind them. */
export const NO_REQUEST: RequestOrigin = { client_ip: '', user_agent: '' };

export interface EventSettings {
  instanceId: string;
  endpoints: string[];
  types: WebhookEventType[];
  sealKey: Buffer;
  policy: LockoutPolicy;
}

/** The instance's event log: which events are wanted, and whether any was written since the worker last looked. */
export class EventLog {
  private written = false;
  private readonly wanted: ReadonlySet<WebhookEventType>;

  constructor(readonly settings: EventSettings) {
    this.wanted = new Set(settings.endpoints.length > 0 ? settings.types : []);
  }

  static fromConfig(config: Config, instanceId: string, sealKey: Buffer, policy: LockoutPolicy): EventLog {
    return new EventLog({ instanceId, endpoints: config.webhooks.endpoints, types: config.webhooks.events, sealKey, policy });
  }

  wants(type: WebhookEventType): boolean {
    return this.wanted.has(type);
  }

  /** True once after events were written: the worker is worth waking (after the transaction committed). */
  takeWritten(): boolean {
    const was = this.written;
    this.written = false;
    return was;
  }

  noteWritten(): void {
    this.written = true;
  }

  /** The writer for changes one request (or the CLI) makes. */
  for(origin: RequestOrigin): Events {
    return new Events(this, origin);
  }
}

/** Writes the events of one request's changes, each in the transaction given. */
export class Events {
  constructor(private readonly log: EventLog, private readonly origin: RequestOrigin) {}

  private facts(now: number) {
    return { instanceId: this.log.settings.instanceId, origin: this.origin, now };
  }

  private async write(tx: Db, type: WebhookEventType, userId: string | null, payload: unknown, now: number): Promise<void> {
    const { settings } = this.log;
    await insertWebhookEvent(tx, {
      id: newId('msg', now), type, userId, payloadSealed: seal(settings.sealKey, JSON.stringify(payload)), now,
    }, settings.endpoints);
    this.log.noteWritten();
  }

  /** user.created / user.updated: the user as the Backend API shows them, read inside the transaction. */
  async user(tx: Db, type: 'user.created' | 'user.updated', userId: string, now: number): Promise<void> {
    if (!this.log.wants(type)) return;
    const user = await findUser(tx, userId);
    if (!user) return;
    const numbers = await listPhoneNumbers(tx, [userId]);
    await this.write(tx, type, userId, userEventJson(type, user, numbers, this.log.settings.policy, this.facts(now)), now);
  }

  async userDeleted(tx: Db, user: UserRow, now: number): Promise<void> {
    if (!this.log.wants('user.deleted')) return;
    await this.write(tx, 'user.deleted', user.id, userDeletedEventJson(user, this.facts(now)), now);
  }

  /** session.* with the session's user, read inside the transaction. */
  async session(tx: Db, type: SessionEventType, session: SessionRow, now: number): Promise<void> {
    if (!this.log.wants(type)) return;
    const user = await findUser(tx, session.user_id);
    const withNumbers = user ? { row: user, numbers: await listPhoneNumbers(tx, [user.id]) } : null;
    await this.write(tx, type, session.user_id, sessionEventJson(type, session, withNumbers, this.log.settings.policy, this.facts(now)), now);
  }

  async sms(tx: Db, sms: SmsFacts, now: number): Promise<void> {
    if (!this.log.wants('sms.created')) return;
    await this.write(tx, 'sms.created', sms.userId, smsEventJson(sms, this.facts(now)), now);
  }
}
