// The only module that reads the environment: env -> one typed, validated Config.
// Every setting is checked before start-up stops: ConfigErrors lists each bad one (one line per
// variable), so a first start takes one restart, not one per mistake.

import { createPrivateKey, type KeyObject } from 'node:crypto';
import { isWebhookEventType, webhookSecretBytes, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './domain/webhook-events.js';

export type InstanceType = 'development' | 'production';
export type SmsProviderName = 'dev' | 'twilio' | 'webhook';

export interface Config {
  port: number;
  host: string;
  backendPort: number;
  backendHost: string;
  databaseUrl: string;
  databasePoolSize: number;
  redisUrl: string | undefined;
  instanceType: InstanceType;
  /** Unset in development means "generate once, keep in the database, print at start". */
  secretKey: string | undefined;
  /** Where browsers and apps reach the Frontend API; derives the publishable key and `iss`. */
  publicUrl: string | undefined;
  appName: string;
  testMode: boolean;
  otpTtlSeconds: number;
  otpMaxAttempts: number;
  smsResendCooldownSeconds: number;
  smsMaxPerNumberPerHour: number;
  /** A second, longer window per number: it bounds the guesses on one number per day (see SECURITY.md). */
  smsMaxPerNumberPerDay: number;
  smsMaxPerUserPerHour: number;
  smsMaxPerIpPerHour: number;
  attemptsMaxPerIpPerHour: number;
  newNumbersMaxPerUserPerDay: number;
  smsAllowedCountries: string[];
  smsBlockedCountries: string[];
  smsProvider: SmsProviderName;
  smsMaxSendTries: number;
  /** One provider call may take this long; shorter than the outbox lease, so a slow send is never sent twice. */
  smsSendTimeoutMs: number;
  twilio: {
    accountSid: string | undefined;
    authToken: string | undefined;
    from: string | undefined;
    messagingServiceSid: string | undefined;
    apiUrl: string;
  };
  /** The webhook SMS provider; `clerk` sends each message as Clerk's sms.created event (Svix headers too). */
  webhook: { url: string | undefined; secret: string | undefined; format: 'plain' | 'clerk' };
  /** Clerk-style webhooks to the application's backend: none when `endpoints` is empty. */
  webhooks: {
    endpoints: string[];
    /** whsec_...: signs every delivery (Standard Webhooks / Svix). */
    secret: string | undefined;
    /** The event types sent (default all). */
    events: WebhookEventType[];
    maxTries: number;
    /** One delivery may take this long; shorter than the lease, so a slow receiver is not sent it twice at once. */
    timeoutMs: number;
  };
  allowedOrigins: string[];
  /** PEM (PKCS#8) RSA key that signs session tokens; unset means "generate once, keep sealed in the database". */
  jwtPrivateKey: string | undefined;
  sessionLifetimeSeconds: number;
  logLevel: string;
  /**
   * Believe the proxy in front (only one you run): X-Forwarded-For gives the client IP the rate limits
   * key on, and a sane X-Request-Id is kept as the request's id.
   */
  trustProxy: boolean;
  /**
   * Bearer token for GET /metrics on the Backend API. Unset: /metrics is open while the Backend API
   * listens on loopback, and refused (401) on any other address, so metrics never reach a network by accident.
   */
  metricsToken: string | undefined;
  bodyLimitBytes: number;
  /** Run the outbox worker in this process (off for one-shot CLI commands and some tests). */
  outboxWorker: boolean;
  outboxPollMs: number;
  /** How long a worker owns a claimed message; a worker that dies is replaced after this. */
  outboxLeaseMs: number;
  /** First retry delay ceiling; doubles each try (full jitter), up to five minutes. */
  outboxBackoffBaseMs: number;
  /** Namespace for rate-limit keys, so several deployments (or test runs) can share one Redis. */
  rateLimitKeyPrefix: string;
  /** Clerk's attack_protection.user_lockout: this many failed codes of one user within the window lock them. */
  userLockoutMaxAttempts: number;
  /** The lockout window, and how long a locked user stays locked. */
  userLockoutMinutes: number;
  /** Sign-in with an unknown number behaves like a known one up to the code (nothing is sent, every code fails). */
  enumerationProtection: boolean;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, readonly problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Every bad setting at once; still a ConfigError (its message is one `VARIABLE: problem` line each). */
export class ConfigErrors extends ConfigError {
  constructor(readonly problems: ConfigError[]) {
    super(problems[0]!.variable, problems[0]!.problem);
    this.message = problems.map((p) => p.message).join('\n');
    this.name = 'ConfigErrors';
  }
}

/**
 * Runs one setting's reader; a bad setting is noted and reads as undefined so the rest are still
 * checked. The undefined never escapes: loadConfig throws ConfigErrors when anything was noted.
 */
function collect<T>(problems: ConfigError[], read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error);
    return undefined as T;
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `expected ${min} to ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function countryList(env: Env, name: string): string[] {
  const raw = text(env, name);
  if (raw === undefined) return [];
  const codes = raw.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean);
  for (const code of codes) {
    if (!/^[A-Z]{2}$/.test(code)) throw new ConfigError(name, `"${code}" is not an ISO 3166 alpha-2 country code`);
  }
  return codes;
}

function url(env: Env, name: string): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  try {
    const parsed = new URL(raw);
    if (!['http:', 'https:'].includes(parsed.protocol)) throw new Error('not http');
  } catch {
    // The value is not repeated: a webhook URL may carry a credential.
    throw new ConfigError(name, 'expected an http(s) URL');
  }
  return raw.replace(/\/+$/, '');
}

/** WEBHOOK_URL: one or more endpoints; production refuses plain http except to this machine. */
function webhookEndpoints(env: Env, production: boolean): string[] {
  const raw = text(env, 'WEBHOOK_URL');
  if (raw === undefined) return [];
  const endpoints = raw.split(',').map((u) => u.trim()).filter(Boolean);
  for (const [i, endpoint] of endpoints.entries()) {
    let parsed: URL;
    try {
      parsed = new URL(endpoint);
      if (!['http:', 'https:'].includes(parsed.protocol)) throw new Error('not http');
    } catch {
      // The value is not repeated: a webhook URL may carry a credential.
      throw new ConfigError('WEBHOOK_URL', `entry ${i + 1} is not an http(s) URL`);
    }
    if (production && parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
      throw new ConfigError('WEBHOOK_URL', `entry ${i + 1} is http:// to another machine; production sends webhooks over https:// only`);
    }
  }
  if (new Set(endpoints).size !== endpoints.length) throw new ConfigError('WEBHOOK_URL', 'the same URL is listed twice');
  return endpoints;
}

function webhookEvents(env: Env): WebhookEventType[] {
  const raw = text(env, 'WEBHOOK_EVENTS');
  if (raw === undefined) return [...WEBHOOK_EVENT_TYPES];
  const wanted = raw.split(',').map((t) => t.trim()).filter(Boolean);
  const unknown = wanted.filter((t) => !isWebhookEventType(t));
  if (unknown.length > 0 || wanted.length === 0) {
    throw new ConfigError('WEBHOOK_EVENTS', `expected some of ${WEBHOOK_EVENT_TYPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
  }
  return [...new Set(wanted)] as WebhookEventType[];
}

function rateLimitKeyPrefix(env: Env): string {
  const raw = text(env, 'RATE_LIMIT_KEY_PREFIX') ?? 'pn';
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(raw)) throw new ConfigError('RATE_LIMIT_KEY_PREFIX', 'expected 1 to 40 letters, digits, - or _');
  return raw;
}

/** A PEM in one env line may carry its line breaks as "\\n"; the key must be RSA, 2048 bits or more, as Clerk's SDKs expect. */
function jwtPrivateKey(env: Env): string | undefined {
  const raw = text(env, 'CLERK_JWT_PRIVATE_KEY')?.replace(/\\n/g, '\n');
  if (raw === undefined) return undefined;
  let key: KeyObject;
  try {
    key = createPrivateKey(raw);
  } catch {
    throw new ConfigError('CLERK_JWT_PRIVATE_KEY', 'expected a PEM private key (-----BEGIN PRIVATE KEY-----)');
  }
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new ConfigError('CLERK_JWT_PRIVATE_KEY', 'expected an RSA key of at least 2048 bits (session tokens are RS256)');
  }
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

function metricsToken(env: Env): string | undefined {
  const raw = text(env, 'METRICS_TOKEN');
  if (raw === undefined) return undefined;
  // The value is not repeated: it is a credential.
  if (!/^[\x21-\x7e]{16,200}$/.test(raw)) throw new ConfigError('METRICS_TOKEN', 'expected 16 to 200 printable characters without spaces');
  return raw;
}

/** A listening address only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  return /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(host.trim());
}

/** The code a driver or Node gives an error (SQLITE_READONLY, a SQLSTATE, ECONNREFUSED), also inside an AggregateError. */
export function errorCode(error: unknown): string | undefined {
  // pg and net try each address of "localhost": the AggregateError holds one error per address.
  const first = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  const code = (first as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A setting whose value is well formed but does not work (a read-only file, a port in use, a server
 * that does not answer): still one `VARIABLE: ...` line, saying what failed, the code and the cause.
 */
export function settingFailed(variable: string, what: string, error: unknown): ConfigError {
  const first = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  const message = first instanceof Error ? first.message : String(first);
  const code = errorCode(error);
  return new ConfigError(variable, `${what}${code === undefined ? '' : ` (${code})`}: ${message}`);
}

/** A URL as messages may show it: the user and password, if any, masked (`postgres://***:***@host/db`). */
export function redactUrl(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.username === '' && parsed.password === '') return raw;
    if (parsed.username !== '') parsed.username = '***';
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

function redisUrl(env: Env): string | undefined {
  const raw = text(env, 'REDIS_URL');
  if (raw === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  // The value is not repeated: it may carry Redis's password.
  if (!parsed || !['redis:', 'rediss:'].includes(parsed.protocol) || parsed.hostname === '') {
    throw new ConfigError('REDIS_URL', 'expected redis://[user:password@]host[:port][/db] or rediss://...');
  }
  return raw;
}

/** pino's levels; an unknown one used to stop the start with pino's own words. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function databaseUrl(env: Env): string {
  const raw = text(env, 'DATABASE_URL') ?? 'sqlite:./data/phone-numbers.db';
  if (raw.startsWith('sqlite:') || raw.startsWith('postgres://') || raw.startsWith('postgresql://')) return raw;
  throw new ConfigError('DATABASE_URL', 'expected sqlite:<file>, sqlite::memory: or postgres://...');
}

/** The validated Config; throws ConfigErrors naming every bad setting. */
export function loadConfig(env: Env = process.env): Config {
  const { config, problems } = readConfig(env);
  if (problems.length > 0) throw new ConfigErrors(problems);
  return config;
}

/**
 * Every setting and every problem, without throwing: for `phone-numbers doctor`, which goes on to
 * check what the good settings point at. A setting named in `problems` reads as undefined.
 */
export function readConfig(env: Env = process.env): { config: Config; problems: ConfigError[] } {
  const problems: ConfigError[] = [];
  const check = <T>(read: () => T): T => collect(problems, read);
  const instanceType = check(() => oneOf(env, 'INSTANCE_TYPE', ['development', 'production'] as const, 'development'));
  const production = instanceType === 'production';

  const secretKey = text(env, 'CLERK_SECRET_KEY');
  if (secretKey !== undefined && !/^sk_(test|live)_[A-Za-z0-9]{16,}$/.test(secretKey)) {
    problems.push(new ConfigError('CLERK_SECRET_KEY', 'expected sk_test_... or sk_live_... with at least 16 letters or digits'));
  }
  if (production && secretKey === undefined) {
    problems.push(new ConfigError('CLERK_SECRET_KEY', 'required when INSTANCE_TYPE=production'));
  }

  const smsProvider = check(() => oneOf(env, 'SMS_PROVIDER', ['dev', 'twilio', 'webhook'] as const, 'dev'));
  if (production && smsProvider === 'dev') {
    problems.push(new ConfigError('SMS_PROVIDER', 'the dev inbox sends nothing; choose twilio or webhook in production'));
  }
  const twilio = {
    accountSid: text(env, 'TWILIO_ACCOUNT_SID'),
    authToken: text(env, 'TWILIO_AUTH_TOKEN'),
    from: text(env, 'TWILIO_FROM'),
    messagingServiceSid: text(env, 'TWILIO_MESSAGING_SERVICE_SID'),
    apiUrl: check(() => url(env, 'TWILIO_API_URL')) ?? 'https://api.twilio.com',
  };
  if (smsProvider === 'twilio') {
    if (!twilio.accountSid) problems.push(new ConfigError('TWILIO_ACCOUNT_SID', 'required when SMS_PROVIDER=twilio'));
    if (!twilio.authToken) problems.push(new ConfigError('TWILIO_AUTH_TOKEN', 'required when SMS_PROVIDER=twilio'));
    if (!twilio.from && !twilio.messagingServiceSid) {
      problems.push(new ConfigError('TWILIO_FROM', 'TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required when SMS_PROVIDER=twilio'));
    }
  }
  const webhook = {
    url: check(() => url(env, 'SMS_WEBHOOK_URL')), secret: text(env, 'SMS_WEBHOOK_SECRET'),
    format: check(() => oneOf(env, 'SMS_WEBHOOK_FORMAT', ['plain', 'clerk'] as const, 'plain')),
  };
  if (smsProvider === 'webhook') {
    if (!webhook.url) problems.push(new ConfigError('SMS_WEBHOOK_URL', 'required when SMS_PROVIDER=webhook'));
    if (!webhook.secret) problems.push(new ConfigError('SMS_WEBHOOK_SECRET', 'required when SMS_PROVIDER=webhook'));
  }

  const smsSendTimeoutMs = check(() => integer(env, 'SMS_SEND_TIMEOUT_MS', 10_000, 50, 600_000));
  const outboxLeaseMs = check(() => integer(env, 'OUTBOX_LEASE_MS', 30_000, 100, 3_600_000));
  if (outboxLeaseMs <= smsSendTimeoutMs) {
    problems.push(new ConfigError('OUTBOX_LEASE_MS', `must be longer than SMS_SEND_TIMEOUT_MS (${smsSendTimeoutMs}), or a slow send could be sent twice`));
  }

  const webhooks = {
    endpoints: check(() => webhookEndpoints(env, production)) ?? [],
    secret: text(env, 'WEBHOOK_SECRET'),
    events: check(() => webhookEvents(env)),
    maxTries: check(() => integer(env, 'WEBHOOK_MAX_TRIES', 8, 1, 100)),
    timeoutMs: check(() => integer(env, 'WEBHOOK_TIMEOUT_MS', 15_000, 50, 600_000)),
  };
  if (webhooks.secret !== undefined && webhookSecretBytes(webhooks.secret) === null) {
    // The value is not repeated: it is a secret.
    problems.push(new ConfigError('WEBHOOK_SECRET', 'expected whsec_ followed by base64 of at least 16 bytes, as Svix and Clerk give it'));
  }
  if (webhooks.endpoints.length > 0 && webhooks.secret === undefined) {
    problems.push(new ConfigError('WEBHOOK_SECRET', 'required when WEBHOOK_URL is set'));
  }
  if (webhooks.endpoints.length > 0 && outboxLeaseMs <= webhooks.timeoutMs) {
    problems.push(new ConfigError('OUTBOX_LEASE_MS', `must be longer than WEBHOOK_TIMEOUT_MS (${webhooks.timeoutMs}), or a slow receiver could be sent an event twice at once`));
  }

  const allowed = check(() => countryList(env, 'SMS_ALLOWED_COUNTRIES'));
  const blocked = check(() => countryList(env, 'SMS_BLOCKED_COUNTRIES'));

  const config: Config = {
    port: check(() => integer(env, 'PORT', 4000, 0, 65535)),
    // Development serves the dev inbox and demo sign-in: only this machine by default. Production is the operator's choice.
    host: text(env, 'HOST') ?? (production ? '0.0.0.0' : '127.0.0.1'),
    backendPort: check(() => integer(env, 'BACKEND_PORT', 4001, 0, 65535)),
    backendHost: text(env, 'BACKEND_HOST') ?? '127.0.0.1',
    databaseUrl: check(() => databaseUrl(env)),
    databasePoolSize: check(() => integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000)),
    redisUrl: check(() => redisUrl(env)),
    instanceType,
    secretKey,
    publicUrl: check(() => url(env, 'PUBLIC_URL')),
    appName: text(env, 'APP_NAME') ?? 'Phone Numbers',
    testMode: check(() => boolean(env, 'TEST_MODE', !production)),
    otpTtlSeconds: check(() => integer(env, 'OTP_TTL_SECONDS', 600, 1, 86_400)),
    otpMaxAttempts: check(() => integer(env, 'OTP_MAX_ATTEMPTS', 5, 1, 100)),
    smsResendCooldownSeconds: check(() => integer(env, 'SMS_RESEND_COOLDOWN_SECONDS', 30, 0, 86_400)),
    smsMaxPerNumberPerHour: check(() => integer(env, 'SMS_MAX_PER_NUMBER_PER_HOUR', 5, 1, 10_000)),
    smsMaxPerNumberPerDay: check(() => integer(env, 'SMS_MAX_PER_NUMBER_PER_DAY', 10, 1, 100_000)),
    smsMaxPerUserPerHour: check(() => integer(env, 'SMS_MAX_PER_USER_PER_HOUR', 10, 1, 10_000)),
    smsMaxPerIpPerHour: check(() => integer(env, 'SMS_MAX_PER_IP_PER_HOUR', 20, 1, 1_000_000)),
    attemptsMaxPerIpPerHour: check(() => integer(env, 'ATTEMPTS_MAX_PER_IP_PER_HOUR', 50, 1, 1_000_000)),
    newNumbersMaxPerUserPerDay: check(() => integer(env, 'NEW_NUMBERS_MAX_PER_USER_PER_DAY', 10, 1, 10_000)),
    smsAllowedCountries: allowed,
    smsBlockedCountries: blocked,
    smsProvider,
    smsMaxSendTries: check(() => integer(env, 'SMS_MAX_SEND_TRIES', 6, 1, 100)),
    smsSendTimeoutMs,
    twilio,
    webhook,
    webhooks,
    jwtPrivateKey: check(() => jwtPrivateKey(env)),
    allowedOrigins: (text(env, 'ALLOWED_ORIGINS') ?? '').split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean),
    sessionLifetimeSeconds: check(() => integer(env, 'SESSION_LIFETIME_SECONDS', 7 * 86_400, 60, 365 * 86_400)),
    trustProxy: check(() => boolean(env, 'TRUST_PROXY', false)),
    metricsToken: check(() => metricsToken(env)),
    logLevel: check(() => oneOf(env, 'LOG_LEVEL', LOG_LEVELS, env.NODE_ENV === 'test' ? 'silent' : 'info')),
    bodyLimitBytes: check(() => integer(env, 'BODY_LIMIT_BYTES', 16 * 1024, 1024, 10 * 1024 * 1024)),
    outboxWorker: check(() => boolean(env, 'OUTBOX_WORKER', true)),
    outboxPollMs: check(() => integer(env, 'OUTBOX_POLL_MS', 1000, 10, 600_000)),
    outboxLeaseMs,
    outboxBackoffBaseMs: check(() => integer(env, 'OUTBOX_BACKOFF_BASE_MS', 1000, 1, 600_000)),
    rateLimitKeyPrefix: check(() => rateLimitKeyPrefix(env)),
    userLockoutMaxAttempts: check(() => integer(env, 'USER_LOCKOUT_MAX_ATTEMPTS', 10, 1, 1000)),
    userLockoutMinutes: check(() => integer(env, 'USER_LOCKOUT_MINUTES', 60, 1, 525_600)),
    enumerationProtection: check(() => boolean(env, 'ENUMERATION_PROTECTION', false)),
  };
  return { config, problems };
}

/**
 * Settings that start but are probably a mistake in production: plain-http URLs (codes and
 * tokens cross the network in clear) and a test key. One line each, printed at start.
 */
export function configWarnings(config: Config): string[] {
  if (config.instanceType !== 'production') return [];
  const warnings: string[] = [];
  const plainHttp: [string, string | undefined][] = [['PUBLIC_URL', config.publicUrl], ['SMS_WEBHOOK_URL', config.webhook.url]];
  for (const [variable, value] of plainHttp) {
    if (value?.startsWith('http://')) warnings.push(`${variable} is http:// in production: use https://`);
  }
  if (config.secretKey?.startsWith('sk_test_')) warnings.push('CLERK_SECRET_KEY is an sk_test_ key in production: use an sk_live_ key');
  return warnings;
}

/** Where the `call` and `mcp` commands send requests, and as whom. */
export interface ClientConfig {
  /** FAPI_URL: wins over the publishable key. */
  baseUrl: string | undefined;
  /** CLERK_PUBLISHABLE_KEY: the capability file's bind; decodes to the Frontend API host. */
  publishableKey: string | undefined;
  /** CLERK_CLIENT_TOKEN: a native client token (the Authorization header of a native sign-in). */
  token: string | undefined;
}

export function loadClientConfig(env: Env = process.env): ClientConfig {
  const baseUrl = url(env, 'FAPI_URL');
  const publishableKey = text(env, 'CLERK_PUBLISHABLE_KEY');
  if (publishableKey !== undefined && !/^pk_(test|live)_[A-Za-z0-9+/=_-]+$/.test(publishableKey)) {
    throw new ConfigError('CLERK_PUBLISHABLE_KEY', 'expected pk_test_... or pk_live_...');
  }
  if (baseUrl === undefined && publishableKey === undefined) {
    throw new ConfigError('FAPI_URL', 'set FAPI_URL (e.g. http://localhost:4000) or CLERK_PUBLISHABLE_KEY');
  }
  return { baseUrl, publishableKey, token: text(env, 'CLERK_CLIENT_TOKEN') };
}
