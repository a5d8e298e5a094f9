// `npm run bench`: every phone-number operation under load against our compiled server (production
// mode, SQLite), beside a bare Fastify route (this machine's ceiling) and Better Auth's phone-number
// plugin (a peer); reads again with a million stored numbers; with BENCH_POSTGRES_URL, the reads and
// writes again on PostgreSQL, with one instance and with two on one database and one Redis. Prints a
// table, writes bench/results.json and refreshes the table in BENCHMARKS.md. BENCHMARKS.md says what each figure means.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendApi, inParallel, signIn } from './lib/http.mjs';
import { RANGES, rangeNumber, testNumber, validRangeNumbers } from './lib/numbers.mjs';
import { connect, countPhoneNumbersPostgres, deleteRedisKeys, dropSchema, schemaUrl, serverVersion } from './lib/postgres.mjs';
import { freePort, startNode } from './lib/processes.mjs';
import { runScenario } from './lib/scenario.mjs';
import { countPhoneNumbers, seedUsers, seedUsersPostgres } from './lib/seed.mjs';
import { markdownTable, printTable, refreshBenchmarksMd } from './lib/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const settings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  durationSeconds: Number(process.env.BENCH_DURATION ?? 10),
  warmupSeconds: Number(process.env.BENCH_WARMUP ?? 3),
  readUsers: 100,
  createUsers: 1000,
  updateUsers: 100,
  verifyPool: Number(process.env.BENCH_VERIFY_POOL ?? 20_000),
  largeTotal: Number(process.env.BENCH_LARGE_TOTAL ?? 1_000_000),
  numbersPerUser: 10,
  // Off unless set: the PostgreSQL rows (one instance, then two on one database and one Redis) add minutes to a run.
  postgresUrl: process.env.BENCH_POSTGRES_URL?.trim() || null,
  redisUrl: process.env.BENCH_REDIS_URL?.trim() || 'redis://127.0.0.1:6379',
};
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };

function withoutPassword(url) {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
/** 1000 -> 1k, 1000000 -> 1M, as the table names data sizes. */
const short = (n) => (n >= 1e6 ? `${+(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${+(n / 1e3).toFixed(1)}k` : String(n));
const log = (line) => process.stdout.write(`${line}\n`);
const conditions = [];
function noteConditions(stage) {
  conditions.push({ stage, at: new Date().toISOString(), loadavg1: Math.round(loadavg()[0] * 100) / 100 });
}

// ---------------------------------------------------------------- our server

const work = mkdtempSync(join(tmpdir(), 'phone-numbers-bench-'));
const databaseFile = join(work, 'bench.db');
const secretKey = `sk_live_${'Bench'.repeat(8)}`;
const serverPort = await freePort();
const backendPort = await freePort();
const frontendUrl = `http://127.0.0.1:${serverPort}`;
const backendUrl = `http://127.0.0.1:${backendPort}`;

// Limits far above what a benchmark reaches: this measures throughput, not the limiter.
const limits = {
  SMS_RESEND_COOLDOWN_SECONDS: '0',
  SMS_MAX_PER_NUMBER_PER_HOUR: '10000',
  SMS_MAX_PER_USER_PER_HOUR: '10000',
  SMS_MAX_PER_IP_PER_HOUR: '1000000',
  ATTEMPTS_MAX_PER_IP_PER_HOUR: '1000000',
  NEW_NUMBERS_MAX_PER_USER_PER_DAY: '10000',
  OTP_MAX_ATTEMPTS: '100',
};
const productionEnv = {
  NODE_ENV: 'production',
  INSTANCE_TYPE: 'production',
  CLERK_SECRET_KEY: secretKey,
  // Test-mode numbers (+1 XXX 555-0100..0199) never reach a provider; production still has to name one.
  TEST_MODE: 'true',
  SMS_PROVIDER: 'webhook',
  SMS_WEBHOOK_URL: 'http://127.0.0.1:9/',
  SMS_WEBHOOK_SECRET: `whsec_${Buffer.from('bench webhook secret, never used').toString('base64')}`,
  DATABASE_URL: `sqlite:${databaseFile}`,
  PORT: String(serverPort),
  HOST: '127.0.0.1',
  BACKEND_PORT: String(backendPort),
  LOG_LEVEL: 'warn',
  ...limits,
};
const instanceType = 'production';
// BENCH_CPU_PROF=<dir>: profile our server (node --cpu-prof); BENCH_SERVER_ENTRY: another build of it (before/after a fix).
// BENCH_SERVER_NODE_ARGS: node flags for our server only (e.g. `--max-old-space-size=64`, see BENCHMARKS.md).
const serverArgs = [...(process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
  ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
  process.env.BENCH_SERVER_ENTRY ?? join(root, 'dist/cli/index.js'), 'serve'];
const peakRss = [];

function startOurServer() {
  return startNode('phone-numbers', serverArgs, productionEnv, `${frontendUrl}/v1/health`);
}

/** Several server processes measured as one: their CPU time summed, the largest peak RSS. */
function serverGroup(servers) {
  return {
    cpuSeconds: () => servers.reduce((total, s) => total + s.cpuSeconds(), 0),
    peakRssMiB: () => Math.max(...servers.map((s) => s.peakRssMiB())),
  };
}

async function stopOurServer(server) {
  peakRss.push(server.peakRssMiB());
  await server.stop();
}

/** `url`: one server's address, or a list of instances' addresses (one load process each, see bench/lib/scenario.mjs). */
function scenario(title, url, items, extra = {}) {
  return { title, ...(Array.isArray(url) ? { urls: url } : { url }), connections: settings.connections, duration: settings.durationSeconds, items, ...extra };
}

/**
 * One measured scenario against `target` (the process serving `url`). Besides wall-clock rate and
 * latency it records the server's CPU time per request, which other work on a shared machine
 * disturbs far less than req/s: the figure to compare fixes by.
 */
async function measure(target, title, url, items, extra = {}) {
  noteConditions(title);
  const cpuBefore = target.cpuSeconds();
  const result = await runScenario(scenario(title, url, items, extra));
  result.serverCpuMicrosPerRequest = ((target.cpuSeconds() - cpuBefore) * 1e6) / result.requests;
  result.serverPeakRssMiB = target.peakRssMiB();
  log(`  ${title.padEnd(40)} ${result.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${result.latencyMs.p50?.toFixed(1).padStart(5)} ms  p99 ${result.latencyMs.p99?.toFixed(1).padStart(6)} ms  ` +
    `cpu ${result.serverCpuMicrosPerRequest.toFixed(0).padStart(5)} µs/req  peak RSS ${result.serverPeakRssMiB.toFixed(0)} MiB  non-2xx ${result.non2xx}${result.exhausted ? '  (list used up)' : ''}`);
  return result;
}

async function warmUp(url, items) {
  await runScenario({ ...scenario('warm-up', url, items), duration: settings.warmupSeconds });
}

const auth = (token) => ({ authorization: `Bearer ${token}` });
const results = { ours: {}, bare: [], peer: {}, postgres: {} };

log(`phone-numbers benchmark: ${settings.connections} connections, ${settings.durationSeconds} s per operation, ${cpus().length} CPUs`);
log(`data in ${work}`);

// Stage 1: a thousand stored numbers (100 users x 10), for the small side of the growth comparison.
let server = await startOurServer();
log(`our server: ${instanceType} mode, SQLite, pid ${server.pid}`);
const backend = backendApi(backendUrl, secretKey);
const { listItems, readItems } = await makeReaders(frontendUrl, backend);
const sample = await fetch(`${frontendUrl}${readItems[0].path}`, { headers: readItems[0].headers });
const sampleBody = await sample.text();
if (!sample.ok) throw new Error(`ReadPhoneNumber answered ${sample.status}: ${sampleBody}`);
const smallCount = countPhoneNumbers(databaseFile);

// The ceiling, measured at the start and again at the end of the run; ratios use the mean.
log('\nceiling');
results.bare.push(await measureBare('first'));

log(`\nreads with ${smallCount.toLocaleString('en')} stored numbers`);
const smallReads = await measureReads(server, frontendUrl, { listItems, readItems }, `${short(smallCount)} numbers`);
results.ours.getPhoneNumbers_small = smallReads.getPhoneNumbers;
results.ours.ReadPhoneNumber_small = smallReads.ReadPhoneNumber;
await stopOurServer(server);

// Stage 2: fixtures for the writes, then filler up to a million numbers over 100k-odd users.
const seedStarted = Date.now();
const fixtures = await seedFixtures((spec) => seedUsers(databaseFile, { ...spec, keep: true }));
const fillerNumbers = Math.max(0, settings.largeTotal - countPhoneNumbers(databaseFile));
seedUsers(databaseFile, {
  users: Math.ceil(fillerNumbers / settings.numbersPerUser), perUser: settings.numbersPerUser, verified: true, tag: 4,
  numberOf: (u, k) => rangeNumber(RANGES.filler, u * settings.numbersPerUser + k),
});
const largeCount = countPhoneNumbers(databaseFile);
const seedSeconds = (Date.now() - seedStarted) / 1000;
log(`\nseeded ${largeCount.toLocaleString('en')} stored numbers in ${seedSeconds.toFixed(1)} s`);
// The seed writes ~370 MB without syncing; left to the kernel, that write-back would run during the
// measured scenarios that follow. Flushed here, it is over before they start.
const flushStarted = Date.now();
spawnSync('sync');
log(`flushed the seeded file to disk in ${((Date.now() - flushStarted) / 1000).toFixed(1)} s`);

server = await startOurServer();
const signedIn = await signInFixtures(frontendUrl, backend, fixtures);
log(`server peak RSS so far ${server.peakRssMiB().toFixed(0)} MiB`);

log(`reads with ${largeCount.toLocaleString('en')} stored numbers`);
const largeReads = await measureReads(server, frontendUrl, { listItems, readItems }, `${short(largeCount)} numbers`);
results.ours.getPhoneNumbers_large = largeReads.getPhoneNumbers;
results.ours.ReadPhoneNumber_large = largeReads.ReadPhoneNumber;

log(`writes (on the ${short(largeCount)}-number database)`);
Object.assign(results.ours, await measureWrites(server, frontendUrl, signedIn, ''));
await stopOurServer(server);

// ---------------------------------------------------------------- the stages both databases run

/** 100 users made through the Backend API with 10 numbers each, signed in: the lists the read scenarios cycle over. */
async function makeReaders(frontend, backendClient) {
  const readNumbers = validRangeNumbers(RANGES.readUsers, settings.readUsers * settings.numbersPerUser);
  const readUsers = await inParallel(Array.from({ length: settings.readUsers }, (_, u) => u), 8, async (u) => {
    const numbers = readNumbers.slice(u * settings.numbersPerUser, (u + 1) * settings.numbersPerUser);
    const user = await backendClient.createUser(numbers);
    return { id: user.id, numberIds: user.phone_numbers.map((n) => n.id), token: await signIn(frontend, backendClient, user.id) };
  });
  return {
    listItems: readUsers.map((u) => ({ method: 'GET', path: '/v1/me/phone_numbers', headers: auth(u.token) })),
    readItems: readUsers.flatMap((u) => u.numberIds.map((id) => ({ method: 'GET', path: `/v1/me/phone_numbers/${id}`, headers: auth(u.token) }))),
  };
}

async function measureReads(target, url, { listItems, readItems }, label) {
  await warmUp(url, listItems);
  return {
    getPhoneNumbers: await measure(target, `getPhoneNumbers (${label})`, url, listItems),
    ReadPhoneNumber: await measure(target, `ReadPhoneNumber (${label})`, url, readItems),
  };
}

/** The users the writes need, written straight into the database by `seed(spec)` (bench/lib/seed.mjs). */
async function seedFixtures(seed) {
  const poolUsers = Math.ceil(settings.verifyPool / settings.numbersPerUser);
  return {
    createUsers: await seed({ users: settings.createUsers, perUser: 0, numberOf: null, verified: false, tag: 1 }),
    updateUsers: await seed({
      users: settings.updateUsers, perUser: settings.numbersPerUser, verified: true, tag: 2,
      numberOf: (u, k) => rangeNumber(RANGES.updateUsers, u * settings.numbersPerUser + k),
    }),
    // Numbers to delete: a pool of their own, so the delete run lasts as long as the others.
    deleteUsers: await seed({
      users: poolUsers, perUser: settings.numbersPerUser, verified: true, tag: 5,
      numberOf: (u, k) => rangeNumber(RANGES.deleteUsers, u * settings.numbersPerUser + k),
    }),
    verifyUsers: await seed({
      users: poolUsers, perUser: settings.numbersPerUser, verified: false, tag: 3,
      numberOf: (u, k) => testNumber(u * settings.numbersPerUser + k),
    }),
  };
}

async function signInFixtures(frontend, backendClient, seeded) {
  const signInAll = (users) => inParallel(users, 8, async (u) => ({ ...u, token: await signIn(frontend, backendClient, u.userId) }));
  const signed = {};
  for (const [name, users] of Object.entries(seeded)) signed[name] = await signInAll(users);
  log(`signed in ${Object.values(signed).reduce((n, users) => n + users.length, 0)} users`);
  return signed;
}

/** The five writes and the sign-in, in this order (each leaves what the next needs); `suffix` tells set-ups apart in the log. */
async function measureWrites(target, url, { createUsers, updateUsers, verifyUsers, deleteUsers }, suffix) {
  const out = {};
  // postPhoneNumbers: every request adds a new number, spread round-robin over 1000 users.
  const createItems = validRangeNumbers(RANGES.created, 100_000).map((e164, i) => ({
    method: 'POST', path: '/v1/me/phone_numbers', headers: { ...auth(createUsers[i % createUsers.length].token), ...FORM },
    body: new URLSearchParams({ phone_number: e164 }).toString(),
  }));
  out.postPhoneNumbers = await measure(target, `postPhoneNumbers${suffix}`, url, createItems, { mode: 'once' });
  // DeletePhoneNumber: verified numbers, each deleted once by its owner (primary moves to the next one).
  const deleteItems = deleteUsers.flatMap((u) => u.numberIds.map((id) => ({ method: 'DELETE', path: `/v1/me/phone_numbers/${id}`, headers: auth(u.token) })));
  out.DeletePhoneNumber = await measure(target, `DeletePhoneNumber${suffix}`, url, deleteItems, { mode: 'once' });
  // UpdatePhoneNumber: reserve verified numbers for two-factor; the first per user turns two-factor on.
  const updateItems = updateUsers.flatMap((u) => u.numberIds.map((id) => ({
    method: 'PATCH', path: `/v1/me/phone_numbers/${id}`, headers: { ...auth(u.token), ...FORM }, body: 'reserved_for_second_factor=true',
  })));
  out.UpdatePhoneNumber = await measure(target, `UpdatePhoneNumber${suffix}`, url, updateItems);
  // sendVerificationSMS: test-mode numbers, each prepare replacing the last code (no SMS leaves).
  const prepareItems = verifyUsers.flatMap((u) => u.numberIds.map((id) => ({
    method: 'POST', path: `/v1/me/phone_numbers/${id}/prepare_verification`, headers: { ...auth(u.token), ...FORM }, body: 'strategy=phone_code',
  })));
  out.sendVerificationSMS = await measure(target, `sendVerificationSMS (prepare)${suffix}`, url, prepareItems, { recordSucceeded: true });
  const prepared = await topUp(url, prepareItems, out.sendVerificationSMS);
  // verifyPhoneNumber: each prepared number verified once with the right code (the success path).
  const attemptItems = prepared.map((i) => ({ ...prepareItems[i], path: prepareItems[i].path.replace('prepare_verification', 'attempt_verification'), body: 'code=424242' }));
  out.verifyPhoneNumber = await measure(target, `verifyPhoneNumber (attempt)${suffix}`, url, attemptItems, { mode: 'once' });
  // Sign-in by phone code, on the numbers just verified: create, prepare_first_factor, attempt_first_factor, per sign-in.
  const signInPhones = prepared.map((i) => testNumber(i));
  out.signIn = await measure(target, `sign-in (create+prepare+attempt)${suffix}`, url, [], { phones: signInPhones, items: undefined });
  return out;
}

/** Prepares (unmeasured) what the measured run did not reach, so the attempt run has one target per request. */
async function topUp(url, items, measured) {
  const done = new Set(measured.succeeded);
  delete measured.succeeded;
  const missing = items.map((_, i) => i).filter((i) => !done.has(i));
  if (missing.length > 0) {
    const extra = await runScenario({ ...scenario('top-up', url, missing.map((i) => items[i])), duration: 120, mode: 'once', recordSucceeded: true });
    for (const j of extra.succeeded) done.add(missing[j]);
  }
  return [...done].sort((a, b) => a - b);
}

// ---------------------------------------------------------------- bare Fastify: the ceiling

async function measureBare(label) {
  const port = await freePort();
  const bodyFile = join(work, 'bare-body.json');
  writeFileSync(bodyFile, sampleBody);
  const bare = await startNode('bare Fastify', [join(root, 'bench/lib/bare-fastify.mjs')], { NODE_ENV: 'production', PORT: String(port), BODY_FILE: bodyFile }, `http://127.0.0.1:${port}/v1/me/phone_numbers/probe`);
  const items = [{ method: 'GET', path: '/v1/me/phone_numbers/idn_bench' }];
  await warmUp(`http://127.0.0.1:${port}`, items);
  const result = await measure(bare, `bare Fastify (${label})`, `http://127.0.0.1:${port}`, items);
  await bare.stop();
  return result;
}

// ---------------------------------------------------------------- the peer: Better Auth's phone-number plugin

async function measurePeer() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const phones = Array.from({ length: settings.verifyPool }, (_, i) => testNumber(i));
  const phonesFile = join(work, 'peer-phones.json');
  writeFileSync(phonesFile, JSON.stringify(phones));
  const peer = await startNode('Better Auth', [join(root, 'bench/lib/peer-better-auth.mjs')], {
    NODE_ENV: 'production', PORT: String(port), PEER_DATABASE_FILE: join(work, 'peer.db'), PEER_SEED_PHONES_FILE: phonesFile,
  }, `${url}/api/auth/ok`);
  const send = (phone) => ({ method: 'POST', path: '/api/auth/phone-number/send-otp', headers: JSON_TYPE, body: JSON.stringify({ phoneNumber: phone }) });
  // Warm up on other numbers, so the measured list starts clean.
  await warmUp(url, Array.from({ length: 2000 }, (_, i) => send(rangeNumber(RANGES.created, 500_000 + i))));
  const sendItems = phones.map(send);
  results.peer.sendOtp = await measure(peer, 'Better Auth send-otp', url, sendItems, { recordSucceeded: true });
  const sent = await topUp(url, sendItems, results.peer.sendOtp);
  const codes = await (await fetch(`${url}/bench/codes`)).json();
  // disableSession: verify the number without signing in, as our attempt verifies without a new session.
  const verifyItems = sent.map((i) => ({
    method: 'POST', path: '/api/auth/phone-number/verify', headers: JSON_TYPE,
    body: JSON.stringify({ phoneNumber: phones[i], code: codes[phones[i]], disableSession: true }),
  }));
  results.peer.verify = await measure(peer, 'Better Auth verify', url, verifyItems, { mode: 'once' });
  // Its phone sign-in: send-otp to a verified number, then verify with a session made (the default).
  results.peer.signInSendOtp = await measure(peer, 'Better Auth sign-in send-otp', url, sent.map((i) => sendItems[i]), { recordSucceeded: true });
  const resent = await topUp(url, sent.map((i) => sendItems[i]), results.peer.signInSendOtp);
  const signInCodes = await (await fetch(`${url}/bench/codes`)).json();
  const signInItems = resent.map((j) => phones[sent[j]]).map((phone) => ({
    method: 'POST', path: '/api/auth/phone-number/verify', headers: JSON_TYPE, body: JSON.stringify({ phoneNumber: phone, code: signInCodes[phone] }),
  }));
  results.peer.signInVerify = await measure(peer, 'Better Auth sign-in verify', url, signInItems, { mode: 'once' });
  results.peer.peakRssMiB = peer.peakRssMiB();
  await peer.stop();
}
// ---------------------------------------------------------------- PostgreSQL: one instance, then two

/**
 * Our server on PostgreSQL (BENCH_POSTGRES_URL), `count` instances on one schema of their own and one
 * Redis (the rate limiter's store, so the instances share its counters), under a RATE_LIMIT_KEY_PREFIX
 * of their own. The load is spread over the instances by one load process per instance, each with its
 * share of the connections and of the requests (bench/lib/scenario.mjs); CPU per request is summed over
 * every instance. The schema is dropped and the Redis keys deleted at the end, whatever happened.
 */
async function measurePostgres(count) {
  const tag = `pg×${count}`;
  const schema = `pn_bench_${runId}_x${count}`;
  const keyPrefix = `pnbench_${runId}_x${count}`;
  const servers = [];
  let client;
  try {
    const instances = [];
    for (let k = 0; k < count; k++) {
      const [port, bport] = [await freePort(), await freePort()];
      const instance = { frontendUrl: `http://127.0.0.1:${port}`, backendUrl: `http://127.0.0.1:${bport}` };
      // One after the other: the first start migrates the empty schema.
      servers.push(await startNode(`phone-numbers (${tag}, #${k + 1})`, serverArgs, {
        ...productionEnv, DATABASE_URL: schemaUrl(settings.postgresUrl, schema), REDIS_URL: settings.redisUrl,
        RATE_LIMIT_KEY_PREFIX: keyPrefix, PORT: String(port), BACKEND_PORT: String(bport),
      }, `${instance.frontendUrl}/v1/health`));
      instances.push(instance);
    }
    log(`\nour server on PostgreSQL, ${count} instance${count > 1 ? 's' : ''} (pids ${servers.map((s) => s.pid).join(', ')}), schema ${schema}, Redis ${keyPrefix}:*`);
    const target = serverGroup(servers);
    const urls = instances.map((i) => i.frontendUrl);
    const pgBackend = backendApi(instances[0].backendUrl, secretKey);
    client = await connect(settings.postgresUrl, schema);
    const readers = await makeReaders(instances[0].frontendUrl, pgBackend);
    const out = { instances: count, smallCount: await countPhoneNumbersPostgres(client) };
    log(`reads with ${out.smallCount.toLocaleString('en')} stored numbers (${tag})`);
    Object.assign(out, await measureReads(target, urls, readers, `${short(out.smallCount)} numbers, ${tag}`));
    const seeded = await seedFixtures((spec) => seedUsersPostgres(client, spec));
    out.writeCount = await countPhoneNumbersPostgres(client);
    const signedIn = await signInFixtures(instances[0].frontendUrl, pgBackend, seeded);
    log(`writes (on the ${short(out.writeCount)}-number database, ${tag})`);
    Object.assign(out, await measureWrites(target, urls, signedIn, ` (${tag})`));
    out.peakRssMiB = target.peakRssMiB();
    return out;
  } finally {
    for (const s of servers) await s.stop();
    await client?.end();
    await dropSchema(settings.postgresUrl, schema);
    const keys = await deleteRedisKeys(settings.redisUrl, keyPrefix);
    log(`dropped schema ${schema}; deleted ${keys} Redis keys under ${keyPrefix}:`);
  }
}

const runId = randomBytes(4).toString('hex');
if (settings.postgresUrl) {
  results.postgresVersion = await serverVersion(settings.postgresUrl);
  results.postgres.x1 = await measurePostgres(1);
  results.postgres.x2 = await measurePostgres(2);
} else {
  log('\nPostgreSQL rows: off (set BENCH_POSTGRES_URL to add them)');
}

log('\npeer');
await measurePeer();
results.bare.push(await measureBare('last'));

// ---------------------------------------------------------------- report

const bareRps = results.bare.reduce((n, r) => n + r.reqPerSec, 0) / results.bare.length;
const bareCpu = results.bare.reduce((n, r) => n + r.serverCpuMicrosPerRequest, 0) / results.bare.length;
const pairRate = (a, b) => 1 / (1 / a.reqPerSec + 1 / b.reqPerSec);
const o = results.ours;
const rows = [
  ['getPhoneNumbers', short(smallCount), o.getPhoneNumbers_small],
  ['getPhoneNumbers', short(largeCount), o.getPhoneNumbers_large],
  ['ReadPhoneNumber', short(smallCount), o.ReadPhoneNumber_small],
  ['ReadPhoneNumber', short(largeCount), o.ReadPhoneNumber_large],
  ['postPhoneNumbers', short(largeCount), o.postPhoneNumbers],
  ['UpdatePhoneNumber', short(largeCount), o.UpdatePhoneNumber],
  ['DeletePhoneNumber', short(largeCount), o.DeletePhoneNumber],
  ['sendVerificationSMS (prepare)', short(largeCount), o.sendVerificationSMS],
  ['verifyPhoneNumber (attempt)', short(largeCount), o.verifyPhoneNumber],
  ['sign-in (create+prepare+attempt), per sign-in', short(largeCount), o.signIn],
  ['bare Fastify (mean of 2 runs)', '-', { ...results.bare[0], reqPerSec: bareRps, serverCpuMicrosPerRequest: bareCpu }],
  ['Better Auth send-otp', 'peer', results.peer.sendOtp],
  ['Better Auth verify', 'peer', results.peer.verify],
  ['Better Auth sign-in send-otp', 'peer', results.peer.signInSendOtp],
  ['Better Auth sign-in verify', 'peer', results.peer.signInVerify],
  ...Object.values(results.postgres).flatMap((pgRun) => [
    ['getPhoneNumbers', short(pgRun.smallCount), pgRun.getPhoneNumbers],
    ['ReadPhoneNumber', short(pgRun.smallCount), pgRun.ReadPhoneNumber],
    ['postPhoneNumbers', short(pgRun.writeCount), pgRun.postPhoneNumbers],
    ['UpdatePhoneNumber', short(pgRun.writeCount), pgRun.UpdatePhoneNumber],
    ['DeletePhoneNumber', short(pgRun.writeCount), pgRun.DeletePhoneNumber],
    ['sendVerificationSMS (prepare)', short(pgRun.writeCount), pgRun.sendVerificationSMS],
    ['verifyPhoneNumber (attempt)', short(pgRun.writeCount), pgRun.verifyPhoneNumber],
    ['sign-in (create+prepare+attempt), per sign-in', short(pgRun.writeCount), pgRun.signIn],
  ].map((row) => [...row, `pg×${pgRun.instances}`])),
].map(([operation, data, r, database = data === '-' ? '-' : 'SQLite']) => ({
  operation, data, database, reqPerSec: r.reqPerSec, p50: r.latencyMs.p50, p99: r.latencyMs.p99,
  ratioToBare: r.reqPerSec / bareRps, cpuMicros: r.serverCpuMicrosPerRequest, cpuRatioToBare: bareCpu / r.serverCpuMicrosPerRequest,
  requests: r.requests, non2xx: r.non2xx, statuses: r.statuses, seconds: r.durationSeconds, bytes: r.bytesPerResponse,
}));

const oursPair = pairRate(o.sendVerificationSMS, o.verifyPhoneNumber);
const peerPair = pairRate(results.peer.sendOtp, results.peer.verify);
const peerSignIn = pairRate(results.peer.signInSendOtp, results.peer.signInVerify);
const serverPeakRss = Math.max(...peakRss);
const growth = {
  getPhoneNumbers: o.getPhoneNumbers_large.latencyMs.p99 / o.getPhoneNumbers_small.latencyMs.p99,
  ReadPhoneNumber: o.ReadPhoneNumber_large.latencyMs.p99 / o.ReadPhoneNumber_small.latencyMs.p99,
};
const targets = [
  ['getPhoneNumbers ≥ 0.5 × bare (1k)', 0.5, o.getPhoneNumbers_small.reqPerSec / bareRps, '>='],
  ['ReadPhoneNumber ≥ 0.5 × bare (1k)', 0.5, o.ReadPhoneNumber_small.reqPerSec / bareRps, '>='],
  ...['postPhoneNumbers', 'UpdatePhoneNumber', 'DeletePhoneNumber', 'sendVerificationSMS', 'verifyPhoneNumber']
    .map((op) => [`${op} ≥ 0.25 × bare`, 0.25, o[op].reqPerSec / bareRps, '>=']),
  // Issue 15 raised this from 2 (issue 6) to 5.
  ['prepare + attempt ≥ 5 × Better Auth send-otp + verify', 5, oursPair / peerPair, '>='],
  ['sign-in ≥ 3 × Better Auth phone sign-in (send-otp + verify)', 3, o.signIn.reqPerSec / peerSignIn, '>='],
  ['getPhoneNumbers p99 1M / 1k ≤ 1.2', 1.2, growth.getPhoneNumbers, '<='],
  ['ReadPhoneNumber p99 1M / 1k ≤ 1.2', 1.2, growth.ReadPhoneNumber, '<='],
  // The target is in MB (10^6 bytes); the kernel counts KiB, and the rest of the report MiB.
  ['server peak RSS ≤ 150 MB', 150, (serverPeakRss * 2 ** 20) / 1e6, '<='],
].map(([name, target, value, op]) => ({ name, target, value, met: op === '>=' ? value >= target : value <= target }));

noteConditions('end');
const report = {
  generatedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, conditions },
  // A password in BENCH_POSTGRES_URL stays out of the results.
  settings: { ...settings, postgresUrl: settings.postgresUrl && withoutPassword(settings.postgresUrl), serverNodeArgs: process.env.BENCH_SERVER_NODE_ARGS ?? '', instanceType, database: 'SQLite (WAL, synchronous=NORMAL)', smallCount, largeCount, seedSeconds,
    postgres: settings.postgresUrl ? { version: results.postgresVersion, redis: true } : null },
  rows,
  pairs: { oursPerSec: oursPair, peerPerSec: peerPair, ratio: oursPair / peerPair },
  signIns: { oursPerSec: o.signIn.reqPerSec, peerPerSec: peerSignIn, ratio: o.signIn.reqPerSec / peerSignIn },
  growth,
  peakRssMiB: { server: serverPeakRss, serverByStage: peakRss, peer: results.peer.peakRssMiB },
  targets,
  raw: results,
};
writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify(report, null, 2)}\n`);
printTable(report, log);
refreshBenchmarksMd(join(root, 'BENCHMARKS.md'), markdownTable(report));
rmSync(work, { recursive: true, force: true });
log('\nwrote bench/results.json and the table in BENCHMARKS.md');
