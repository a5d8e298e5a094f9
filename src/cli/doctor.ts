import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { sql } from 'kysely';
import { ConfigError, configWarnings, readConfig, type Config } from '../config.js';
import { deriveKeys } from '../domain/keys.js';
import { sqliteFile } from '../store/backup.js';
import { migrationState, openDatabase, probeWritable, type DatabaseHandle } from '../store/db.js';
import { DEV_SECRET_KEY_SETTING, getSetting } from '../store/settings.js';
import { checkTwilioAccount, twilioSettingProblems } from '../sms/providers/twilio.js';
import { webhookKey } from '../sms/providers/webhook.js';
import { storedSigningKeyOpens } from '../tokens/signing-key.js';

// `phone-numbers doctor`: every setting, and what the settings point at (the database, Redis, the SMS
// provider), checked without changing anything or sending anything. Every problem is printed, each
// naming the setting to change; the exit code is 1 when any of them would stop or break the service.

type Level = 'ok' | 'warning' | 'fatal' | 'skipped';

interface Finding {
  level: Level;
  /** The setting to change, for a problem; the area, for the rest. */
  subject: string;
  message: string;
}

const TWILIO_API = 'https://api.twilio.com';

class Findings {
  readonly all: Finding[] = [];
  private add(level: Level, subject: string, message: string): void {
    this.all.push({ level, subject, message });
  }
  ok = (subject: string, message: string) => this.add('ok', subject, message);
  warning = (subject: string, message: string) => this.add('warning', subject, message);
  fatal = (subject: string, message: string) => this.add('fatal', subject, message);
  skipped = (subject: string, message: string) => this.add('skipped', subject, message);
}

const reason = (error: unknown) => {
  const e = error as Error & { code?: unknown };
  return typeof e.code === 'string' && !e.message.includes(e.code) ? `${e.message} (${e.code})` : e.message;
};

function checkConfiguration(found: Findings, config: Config, problems: ConfigError[]): void {
  for (const problem of problems) found.fatal(problem.variable, problem.problem);
  for (const warning of configWarnings(config)) {
    const [variable, ...rest] = warning.split(' ');
    found.warning(variable!, rest.join(' '));
  }
  if (problems.length === 0) found.ok('configuration', `every setting reads (INSTANCE_TYPE=${config.instanceType})`);
}

/** A SQLite file not made yet: can it be? Else the path's problem. */
function creatable(file: string): string | undefined {
  let dir = dirname(file);
  while (!existsSync(dir)) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) return `${dir} is not a directory, so ${file} cannot be created`;
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return `${dir} is not writable, so ${file} cannot be created`;
  }
  return undefined;
}

/** The SQLite file's own problems, before anything opens it (opening would create it). */
function checkSqliteFile(found: Findings, config: Config): 'open' | 'done' {
  let file: string | undefined;
  try {
    file = sqliteFile(config.databaseUrl);
  } catch {
    const note = 'in memory: nothing is kept across a restart';
    if (config.instanceType === 'production') found.warning('DATABASE_URL', note);
    else found.ok('database', note);
    return 'done';
  }
  if (file === undefined) return 'open';
  if (!existsSync(file)) {
    const problem = creatable(file);
    if (problem) found.fatal('DATABASE_URL', problem);
    else found.ok('database', `${file} does not exist yet: the first start (or phone-numbers migrate) creates it`);
    return 'done';
  }
  if (!statSync(file).isFile()) {
    found.fatal('DATABASE_URL', `${file} is not a file`);
    return 'done';
  }
  try {
    // SQLite writes its -wal and -shm files beside the database.
    accessSync(file, constants.R_OK | constants.W_OK);
    accessSync(dirname(file), constants.W_OK);
  } catch {
    found.fatal('DATABASE_URL', `${file} or its directory is not writable`);
    return 'done';
  }
  return 'open';
}

async function checkKeys(found: Findings, config: Config, database: DatabaseHandle, secretKeyBad: boolean): Promise<void> {
  if (secretKeyBad) return;
  const stored = await getSetting(database.db, DEV_SECRET_KEY_SETTING);
  const secretKey = config.secretKey ?? stored;
  if (config.secretKey === undefined) {
    found.ok('CLERK_SECRET_KEY', stored === undefined
      ? 'unset: the first start generates one and keeps it in clear in the database'
      : 'unset: the generated development key is kept in clear in the database (a copy of the file is a copy of the key)');
  }
  if (secretKey === undefined || config.jwtPrivateKey !== undefined) return;
  if (await storedSigningKeyOpens(database.db, deriveKeys(secretKey).signingKeySeal) === false) {
    const generated = stored !== undefined && stored !== secretKey ? ' (it was made in development, without CLERK_SECRET_KEY: its generated key is in the row dev_secret_key of instance_settings)' : '';
    found.fatal('CLERK_SECRET_KEY', `the database was sealed with another secret key: set the key it was created with, nothing in it can be used without it${generated}`);
  }
}

async function checkDatabase(found: Findings, config: Config, bad: (variable: string) => boolean): Promise<void> {
  if (bad('DATABASE_URL')) return found.skipped('database', 'not checked: DATABASE_URL is bad');
  if (checkSqliteFile(found, config) === 'done') return;
  let database: DatabaseHandle;
  try {
    database = openDatabase(config.databaseUrl, { poolSize: 1 });
  } catch (error) {
    return found.fatal('DATABASE_URL', `cannot open the database: ${reason(error)}`);
  }
  try {
    try {
      await sql`select 1`.execute(database.db);
    } catch (error) {
      return found.fatal('DATABASE_URL', `cannot reach the database: ${reason(error)}`);
    }
    const state = await migrationState(database);
    if (state.unknown.length) {
      found.fatal('DATABASE_URL', `the database was migrated by a newer version (${state.unknown.join(', ')}): run that version, or restore a backup this one made`);
    }
    try {
      await probeWritable(database);
    } catch (error) {
      found.fatal('DATABASE_URL', `the database does not take writes: ${reason(error)}`);
      return;
    }
    if (state.applied.length === 0) return found.ok('database', 'reachable and writable, no tables yet: the first start (or phone-numbers migrate) creates them');
    if (state.pending.length) {
      found.warning('database', `migrations pending (${state.pending.join(', ')}): phone-numbers migrate applies them, and so does every start`);
    } else if (!state.unknown.length) {
      found.ok('database', `reachable, writable, migrations current (${state.applied.at(-1)})`);
    }
    await checkKeys(found, config, database, bad('CLERK_SECRET_KEY'));
  } finally {
    await database.close();
  }
}

async function checkRedis(found: Findings, config: Config): Promise<void> {
  if (config.redisUrl === undefined) return found.ok('Redis', 'not configured: the rate-limit counters live in the database');
  const { Redis } = await import('ioredis');
  const client = new Redis(config.redisUrl, {
    lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000,
  });
  // The socket's own error says why ("connect ECONNREFUSED ..."); the rejected connect only "Connection is closed".
  let socketError: unknown;
  client.on('error', (error) => { socketError ??= error; });
  try {
    await client.connect();
    await client.set(`${config.rateLimitKeyPrefix}:doctor`, '1', 'PX', 1_000);
    found.ok('Redis', 'answers and takes writes');
  } catch (error) {
    // The URL itself is not repeated: it may hold a password.
    found.fatal('REDIS_URL', `Redis does not answer: ${reason(socketError ?? error)}`);
  } finally {
    client.disconnect();
  }
}

async function checkTwilio(found: Findings, config: Config, online: boolean): Promise<void> {
  const { twilio } = config;
  const own = twilio.apiUrl !== TWILIO_API;
  const shape = twilioSettingProblems({ accountSid: twilio.accountSid!, authToken: twilio.authToken!, from: twilio.from, messagingServiceSid: twilio.messagingServiceSid });
  for (const problem of shape) {
    if (own) found.warning(problem.variable, `${problem.problem} (TWILIO_API_URL is not Twilio's, so it may accept this)`);
    else found.fatal(problem.variable, `${problem.problem}: Twilio would refuse it`);
  }
  if (!online) {
    if (!shape.length) found.ok('SMS provider', 'twilio, settings well-formed (--online asks Twilio whether it accepts them; nothing is sent)');
    return;
  }
  const answer = await checkTwilioAccount({ accountSid: twilio.accountSid!, authToken: twilio.authToken!, apiUrl: twilio.apiUrl, timeoutMs: config.smsSendTimeoutMs });
  if (answer.ok) found.ok('SMS provider', `twilio, credentials accepted, account ${answer.status}`);
  else found.fatal(answer.variable, answer.problem);
}

async function checkSms(found: Findings, config: Config, bad: (variable: string) => boolean, online: boolean): Promise<void> {
  const settings = { dev: [], twilio: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_API_URL'], webhook: ['SMS_WEBHOOK_URL', 'SMS_WEBHOOK_SECRET'] };
  if (bad('SMS_PROVIDER')) return found.skipped('SMS provider', 'not checked: SMS_PROVIDER is bad');
  const missing = settings[config.smsProvider].filter(bad);
  if (missing.length) return found.skipped('SMS provider', `${config.smsProvider} not checked further: ${missing.join(', ')} above`);
  if (config.smsProvider === 'dev') return found.ok('SMS provider', 'dev inbox: nothing leaves this machine');
  if (config.smsProvider === 'twilio') return checkTwilio(found, config, online);
  try {
    webhookKey(config.webhook.secret!);
    found.ok('SMS provider', 'webhook, URL and secret well-formed (not called: a request there would be a delivery)');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    found.fatal(error.variable, error.problem);
  }
}

/** The application's webhook endpoints: well-formed (config.ts checked them), never called (a request there would be a delivery). */
function checkWebhooks(found: Findings, config: Config | undefined, bad: (variable: string) => boolean): void {
  if (!config || bad('WEBHOOK_URL') || bad('WEBHOOK_SECRET') || bad('WEBHOOK_EVENTS')) return;
  const { endpoints, events } = config.webhooks;
  if (endpoints.length === 0) {
    found.skipped('webhook endpoints', 'not configured (no WEBHOOK_URL): no events are sent');
    return;
  }
  found.ok('webhook endpoints', `${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'}, ${events.length} event types, secret well-formed (not called: a request there would be a delivery)`);
}

const LABELS: Record<Level, string> = { ok: 'ok', warning: 'warning', fatal: 'FATAL', skipped: 'skipped' };

export function doctorCommand(program: Command): void {
  program.command('doctor')
    .description('check the settings, the database, Redis and the SMS provider, changing and sending nothing')
    .option('--online', "also ask Twilio whether it accepts the credentials (a GET on the account; nothing is sent)", false)
    .action(async (options: { online: boolean }) => {
      const { config, problems } = readConfig();
      const bad = (variable: string) => problems.some((p) => p.variable === variable);
      const found = new Findings();
      checkConfiguration(found, config, problems);
      await checkDatabase(found, config, bad);
      await checkRedis(found, config);
      await checkSms(found, config, bad, options.online);
      checkWebhooks(found, config, bad);

      const width = Math.max(...found.all.map((f) => f.subject.length));
      const lines = found.all.map((f) => `  ${LABELS[f.level].padEnd(8)} ${`${f.subject}:`.padEnd(width + 1)} ${f.message}`);
      const fatal = found.all.filter((f) => f.level === 'fatal').length;
      const warnings = found.all.filter((f) => f.level === 'warning').length;
      const verdict = fatal
        ? `${fatal} fatal problem${fatal === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}: change the settings named above`
        : `no fatal problem${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`;
      process.stdout.write(`${lines.join('\n')}\n\n${verdict}\n`);
      process.exitCode = fatal ? 1 : 0;
    });
}
