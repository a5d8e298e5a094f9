import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DatabaseHandle } from './store/db.js';
import { oldestUnsentSmsAt } from './store/sms-messages.js';

// Prometheus metrics, served at GET /metrics on the Backend API. Each server has its own Registry
// (several servers in one process, as in the tests, never share counts); Node's process metrics
// describe the process, so they live in one registry per process and join each scrape.
//
// No label carries a user, a number, an id or a token: routes are Fastify's patterns (`unmatched`
// when none matched), limits and flows are names from the code, and error codes are the driver's.

export type Api = 'fapi' | 'bapi';
export type SmsOutcome = 'sent' | 'failed' | 'dead' | 'superseded';
export type VerificationOutcome =
  | 'verified' | 'incorrect' | 'failed' | 'expired' | 'no_code' | 'already_verified' | 'locked' | 'rate_limited'
  | 'identifier_exists' | 'error';

const PREFIX = 'phone_numbers_';

/** Latency buckets in seconds: a fast SQLite answer is a millisecond, a slow PostgreSQL one seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let processRegistry: Registry | undefined;

/** CPU, memory, event loop, GC and handles: registered once per process (prom-client's collectors never stop). */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** A driver's error code (SQLSTATE, SQLITE_BUSY, ECONNREFUSED) is a fixed word; anything else is `other`. */
function errorCodeLabel(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === undefined || code === null) return 'none';
  return /^[A-Za-z0-9_]{1,40}$/.test(String(code)) ? String(code) : 'other';
}

export class Metrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];

  private readonly httpRequests = new Counter({
    name: `${PREFIX}http_requests_total`, help: 'Answers of both APIs, by API, method, route pattern and status.',
    labelNames: ['api', 'method', 'route', 'status'] as const, registers: this.registers,
  });

  private readonly httpDuration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`, help: 'Time to answer, by API, method, route pattern and status.',
    labelNames: ['api', 'method', 'route', 'status'] as const, buckets: LATENCY_BUCKETS, registers: this.registers,
  });

  private readonly smsQueued = new Counter({
    name: `${PREFIX}sms_queued_total`, help: 'Verification SMS committed to the outbox, by provider.',
    labelNames: ['provider'] as const, registers: this.registers,
  });

  private readonly smsOutcomes = {
    sent: new Counter({
      name: `${PREFIX}sms_sent_total`, help: 'SMS the provider accepted, by provider.',
      labelNames: ['provider'] as const, registers: this.registers,
    }),
    failed: new Counter({
      name: `${PREFIX}sms_failed_total`, help: 'Send tries that failed and will be retried, by provider.',
      labelNames: ['provider'] as const, registers: this.registers,
    }),
    dead: new Counter({
      name: `${PREFIX}sms_dead_total`, help: 'SMS given up on (permanent refusal, tries used up, code expired first), by provider.',
      labelNames: ['provider'] as const, registers: this.registers,
    }),
    superseded: new Counter({
      name: `${PREFIX}sms_superseded_total`, help: 'SMS not sent because a newer code replaced theirs, by provider.',
      labelNames: ['provider'] as const, registers: this.registers,
    }),
  };

  private readonly verificationAttempts = new Counter({
    name: `${PREFIX}verification_attempts_total`, help: 'Code checks, by flow, strategy and outcome.',
    labelNames: ['flow', 'strategy', 'outcome'] as const, registers: this.registers,
  });

  private readonly rateLimitRefusals = new Counter({
    name: `${PREFIX}rate_limit_refusals_total`, help: 'Requests refused with 429, by the limit that refused them.',
    labelNames: ['limit'] as const, registers: this.registers,
  });

  private readonly queryErrors = new Counter({
    name: `${PREFIX}db_query_errors_total`, help: 'Database queries that failed, by driver error code.',
    labelNames: ['code'] as const, registers: this.registers,
  });

  httpRequest(api: Api, method: string, route: string, status: number, seconds: number): void {
    const labels = { api, method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  smsQueuedFor(provider: string): void {
    this.smsQueued.inc({ provider });
  }

  smsOutcome(provider: string, outcome: SmsOutcome): void {
    this.smsOutcomes[outcome].inc({ provider });
  }

  verificationAttempt(flow: string, strategy: 'phone_code' | 'backup_code', outcome: VerificationOutcome): void {
    this.verificationAttempts.inc({ flow, strategy, outcome });
  }

  rateLimitRefused(limit: string): void {
    this.rateLimitRefusals.inc({ limit });
  }

  queryFailed(error: unknown): void {
    this.queryErrors.inc({ code: errorCodeLabel(error) });
  }

  /** Gauges read from the store at each scrape: the outbox's oldest waiting message, and the pool (PostgreSQL). */
  watchStore(database: DatabaseHandle, now: () => number): void {
    new Gauge({
      name: `${PREFIX}sms_oldest_unsent_age_seconds`,
      help: 'Age of the oldest SMS not yet sent (queued, or claimed by a worker); 0 when none waits, NaN when the database did not answer.',
      registers: this.registers,
      async collect() {
        try {
          const oldest = await oldestUnsentSmsAt(database.db);
          this.set(oldest === null ? 0 : Math.max(0, (now() - oldest) / 1000));
        } catch {
          // The failed query is counted in db_query_errors_total; a stale age would mislead.
          this.set(Number.NaN);
        }
      },
    });
    if (database.raw.dialect !== 'postgres') return;
    const { pool } = database.raw;
    new Gauge({
      name: `${PREFIX}db_pool_connections`, help: 'PostgreSQL pool connections, by state (in_use, idle).',
      labelNames: ['state'] as const, registers: this.registers,
      collect() {
        this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
        this.set({ state: 'idle' }, pool.idleCount);
      },
    });
    new Gauge({
      name: `${PREFIX}db_pool_waiting`, help: 'Queries waiting for a free PostgreSQL pool connection.',
      registers: this.registers,
      collect() {
        this.set(pool.waitingCount);
      },
    });
    new Gauge({
      name: `${PREFIX}db_pool_max`, help: 'The PostgreSQL pool size (DATABASE_POOL_SIZE).',
      registers: this.registers,
      collect() {
        this.set(pool.options.max ?? 10);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text: this server's metrics, then the process's. */
  async scrape(): Promise<string> {
    return Registry.merge([this.registry, processMetrics()]).metrics();
  }
}
