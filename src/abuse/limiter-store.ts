import type { Redis as RedisClient } from 'ioredis';
import { redactUrl, settingFailed } from '../config.js';
import {
  RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterSQLite, type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { DatabaseHandle } from '../store/db.js';

// Where rate-limit counters live: a store every instance shares, so limits hold across a fleet.
// Redis when REDIS_URL is set, else the application's own SQL database (SQLite file or PostgreSQL).

export interface LimitSpec {
  /** Short name, part of every key: `<prefix>:<name>:<subject>`. */
  name: string;
  points: number;
  durationSeconds: number;
}

/** What the guard asks of a limiter: take a point, give one back. */
export type Limiter = Pick<RateLimiterAbstract, 'consume' | 'reward'>;

export interface LimiterStore {
  limiter(spec: LimitSpec): Limiter;
  close(): Promise<void>;
}

export interface LimiterStoreOptions {
  database: DatabaseHandle;
  redisUrl: string | undefined;
  keyPrefix: string;
}

/** One table holds every limiter's counters; rate-limiter-flexible's keys carry the limiter name. */
const TABLE = 'rate_limit_points';
const SWEEP_EVERY_MS = 5 * 60_000;

type SqlLimiter = RateLimiterSQLite | RateLimiterPostgres;
type SqlOptions = Omit<ConstructorParameters<typeof RateLimiterSQLite>[0], 'storeClient'>;
/** Both SQL limiters have it; the type declarations leave it out. */
type Sweepable = { clearExpired(beforeMs: number): Promise<void> };

/** Creates the table once (the library's callback says when), before any limiter uses it. */
function createTable(make: (options: SqlOptions, ready: (error?: Error) => void) => SqlLimiter, options: SqlOptions): Promise<SqlLimiter> {
  return new Promise((resolve, reject) => {
    const limiter: SqlLimiter = make(options, (error) => (error ? reject(error) : resolve(limiter)));
  });
}

/**
 * On SQLite the limiter writes through Kysely's one connection, behind Kysely's back. Called while
 * another request's transaction is open on it, its write would join that transaction and vanish
 * if it rolled back. Holding Kysely's connection for the call makes it wait for its own turn.
 */
function onItsOwnTurn(database: DatabaseHandle): <T>(call: () => Promise<T>) => Promise<T> {
  if (database.raw.dialect !== 'sqlite') return (call) => call();
  return (call) => database.db.connection().execute(call);
}

async function sqlStore(options: LimiterStoreOptions): Promise<LimiterStore> {
  const { database, keyPrefix } = options;
  const raw = database.raw;
  const base = { tableName: TABLE, clearExpiredByTimeout: false, points: 1, duration: 1, keyPrefix: `${keyPrefix}:setup` };
  const make: (o: SqlOptions, ready?: (error?: Error) => void) => SqlLimiter = raw.dialect === 'sqlite'
    // The same connection as Kysely: a second one would wait on SQLite's write lock held by our own thread.
    ? (o, ready) => new RateLimiterSQLite({ ...o, storeClient: raw.sqlite, storeType: 'better-sqlite3' }, ready)
    : (o, ready) => new RateLimiterPostgres({ ...o, storeClient: raw.pool, storeType: 'pool', ...(database.schema ? { schemaName: database.schema } : {}) }, ready);
  const ownTurn = onItsOwnTurn(database);
  const janitor = await createTable(make, base).catch((error: { code?: string }) => {
    // Instances starting together on PostgreSQL race to create the table; losing that race is fine.
    if (error?.code === '42P07' || error?.code === '23505') return make({ ...base, tableCreated: true });
    throw error;
  });

  // Our own sweep instead of the library's timer, so close() can stop it before the database goes.
  const sweep = setInterval(() => {
    void ownTurn(() => (janitor as unknown as Sweepable).clearExpired(Date.now() - 3_600_000)).catch(() => undefined);
  }, SWEEP_EVERY_MS);
  sweep.unref();

  return {
    limiter: (spec) => {
      const limiter = make({
        ...base, tableCreated: true, keyPrefix: `${keyPrefix}:${spec.name}`, points: spec.points, duration: spec.durationSeconds,
      });
      return {
        consume: (key, points) => ownTurn(() => limiter.consume(key, points)),
        reward: (key, points) => ownTurn(() => limiter.reward(key, points)),
      };
    },
    async close() {
      clearInterval(sweep);
    },
  };
}

async function redisStore(url: string, keyPrefix: string): Promise<LimiterStore> {
  // No offline queue: a command while Redis is away fails at once and the insurance limiter answers.
  // Loaded only when REDIS_URL is set: without Redis the process never pays the client's memory.
  const { Redis } = await import('ioredis');
  const client: RedisClient = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  // connect() itself only says "Connection is closed."; the socket's own error says why.
  let cause: Error | undefined;
  client.on('error', (error: Error) => { cause ??= error; });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw settingFailed('REDIS_URL', `cannot connect to ${redactUrl(url)}`, cause ?? error);
  }
  return {
    limiter: (spec) => {
      const common = { keyPrefix: `${keyPrefix}:${spec.name}`, points: spec.points, duration: spec.durationSeconds };
      // If Redis goes away, each instance keeps limiting on its own until it is back.
      return new RateLimiterRedis({ ...common, storeClient: client, insuranceLimiter: new RateLimiterMemory(common) });
    },
    async close() {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

export function openLimiterStore(options: LimiterStoreOptions): Promise<LimiterStore> {
  return options.redisUrl ? redisStore(options.redisUrl, options.keyPrefix) : sqlStore(options);
}
