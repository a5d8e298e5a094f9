import type { Logger } from 'pino';
import type { Config } from './config.js';
import { newId } from './domain/ids.js';
import { deriveKeys, newSecretKey, publishableKey, type DerivedKeys } from './domain/keys.js';
import { EventLog } from './operations/events.js';
import { lockoutPolicy } from './operations/lockout.js';
import { openDatabase, prepareDatabase, type DatabaseHandle } from './store/db.js';
import { DEV_SECRET_KEY_SETTING, getOrCreateSetting } from './store/settings.js';
import { createLogger } from './logger.js';
import { createSmsProvider } from './sms/providers/index.js';
import { OutboxWorker } from './sms/outbox.js';
import { webhookSecretBytes } from './domain/webhook-events.js';
import { WebhookWorker } from './webhooks/worker.js';
import { createAbuseGuard, type AbuseGuard } from './abuse/guard.js';
import { SessionTokens } from './tokens/session-tokens.js';
import { loadSigningKey } from './tokens/signing-key.js';
import { Metrics } from './metrics.js';

// Everything a request handler needs, built once at start: config, database, keys, logger, outbox.

export interface InstanceKeys {
  secretKey: string;
  publishableKey: string;
  derived: DerivedKeys;
}

export interface AppContext {
  config: Config;
  database: DatabaseHandle;
  keys: InstanceKeys;
  log: Logger;
  /** This server's Prometheus registry and the counters every layer adds to. */
  metrics: Metrics;
  outbox: OutboxWorker;
  /** Webhook events: written by operations in their transactions. */
  events: EventLog;
  /** Sends the events; null when no WEBHOOK_URL is set. */
  webhooks: WebhookWorker | null;
  abuse: AbuseGuard;
  /** Signs session tokens (RS256) and serves the public key as JWKS. */
  sessionTokens: SessionTokens;
  /** Where clients reach the Frontend API (PUBLIC_URL, else the listening address, set once it is known). */
  frontendApiUrl: string;
  now: () => number;
}

export interface ContextOptions {
  logger?: Logger;
  /** Frontend API URL when PUBLIC_URL is unset, e.g. once the port is known. */
  frontendApiUrl?: string;
}

/** In development an unset secret key is generated once and kept, so restarts keep the same keys. */
async function resolveSecretKey(config: Config, database: DatabaseHandle): Promise<string> {
  if (config.secretKey) return config.secretKey;
  return getOrCreateSetting(database.db, DEV_SECRET_KEY_SETTING, () => newSecretKey(false));
}

export async function createContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  const log = options.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics();
  const database = openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize, onQueryError: (error) => metrics.queryFailed(error) });
  try {
    await prepareDatabase(database);
    const secretKey = await resolveSecretKey(config, database);
    const live = secretKey.startsWith('sk_live_');
    const frontendApiUrl = config.publicUrl ?? options.frontendApiUrl ?? `http://localhost:${config.port}`;
    const derived = deriveKeys(secretKey);
    // Clerk's instance_id in every event: made once, kept, so restarts and other instances agree.
    const instanceId = await getOrCreateSetting(database.db, 'instance_id', () => newId('ins'));
    const sms = createSmsProvider(config, { instanceId, appDomain: new URL(frontendApiUrl).hostname });
    const outbox = new OutboxWorker(database, sms, derived.seal, log.child({ component: 'outbox' }), {
      maxTries: config.smsMaxSendTries,
      pollMs: config.outboxPollMs,
      leaseMs: config.outboxLeaseMs,
      baseBackoffMs: config.outboxBackoffBaseMs,
      metrics,
    });
    const events = EventLog.fromConfig(config, instanceId, derived.seal, lockoutPolicy(config));
    const webhooks = config.webhooks.endpoints.length === 0 ? null : new WebhookWorker(database, derived.seal, log.child({ component: 'webhooks' }), {
      secret: webhookSecretBytes(config.webhooks.secret!)!,
      timeoutMs: config.webhooks.timeoutMs,
      maxTries: config.webhooks.maxTries,
      pollMs: config.outboxPollMs,
      leaseMs: config.outboxLeaseMs,
      baseBackoffMs: config.outboxBackoffBaseMs,
    });
    const sessionTokens = new SessionTokens(await loadSigningKey(database.db, derived.signingKeySeal, config.jwtPrivateKey));
    const abuse = await createAbuseGuard(config, { database, keySecret: derived.rateLimitKeys, metrics });

    const ctx: AppContext = {
      config,
      database,
      keys: { secretKey, publishableKey: publishableKey(frontendApiUrl, live), derived },
      log,
      metrics,
      outbox,
      events,
      webhooks,
      abuse,
      sessionTokens,
      frontendApiUrl,
      now: Date.now,
    };
    metrics.watchStore(database, () => ctx.now());
    return ctx;
  } catch (error) {
    await database.close();
    throw error;
  }
}
