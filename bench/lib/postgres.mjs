// The PostgreSQL and Redis side of a benchmark run (BENCH_POSTGRES_URL): a schema of its own per
// measured set-up, dropped at the end, and the run's rate-limit keys in Redis, deleted at the end.
import pg from 'pg';
import { Redis } from 'ioredis';

/** A DATABASE_URL naming `schema` in the database `baseUrl` names (the server's migrations create the schema). */
export function schemaUrl(baseUrl, schema) {
  const url = new URL(baseUrl);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** A connected client on `baseUrl` whose unqualified table names are those of `schema`. */
export async function connect(baseUrl, schema) {
  const client = new pg.Client({ connectionString: baseUrl, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  await client.connect();
  return client;
}

export async function serverVersion(baseUrl) {
  const client = await connect(baseUrl);
  try {
    return (await client.query('show server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
}

export async function countPhoneNumbersPostgres(client) {
  return Number((await client.query('select count(*) as n from phone_numbers')).rows[0].n);
}

export async function dropSchema(baseUrl, schema) {
  const client = await connect(baseUrl);
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** Deletes every key of the run's RATE_LIMIT_KEY_PREFIX (the server names them `<prefix>:<name>:<subject>`); returns how many there were. */
export async function deleteRedisKeys(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}
