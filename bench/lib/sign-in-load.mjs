// The sign-in load generator, in its own process like load.mjs: `node bench/lib/sign-in-load.mjs <scenario.json> <result.json>`.
// A sign-in is three requests that depend on each other (create, prepare_first_factor,
// attempt_first_factor: the id and the new client's token come from the first answer), so each
// connection runs whole sign-ins one after another, on test-mode numbers (code 424242, no SMS).
// The rate counted is complete sign-ins per second; latency is that of a whole sign-in.
import { readFileSync, writeFileSync } from 'node:fs';
import { latencySummary, startTogether } from './loader-common.mjs';

const [scenarioFile, resultFile] = process.argv.slice(2);
const scenario = JSON.parse(readFileSync(scenarioFile, 'utf8'));
const { url, phones, connections, duration } = scenario;
if (!Array.isArray(phones) || phones.length === 0) throw new Error('scenario has no phone numbers');

const FORM = 'application/x-www-form-urlencoded';
const statuses = {};
const errorSamples = {};
const latencies = [];
let requests = 0;
let cursor = 0;

async function post(path, body, token) {
  const headers = { 'content-type': FORM, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  // Node's fetch keeps connections alive, so each of the `connections` loops reuses its own.
  const answer = await fetch(`${url}${path}?_is_native=1`, { method: 'POST', body, headers });
  const text = await answer.text();
  requests++;
  statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  if (answer.status !== 200) {
    errorSamples[answer.status] ??= text.slice(0, 300);
    return null;
  }
  return { json: JSON.parse(text), token: answer.headers.get('authorization') };
}

async function signIn(phone) {
  const created = await post('/v1/client/sign_ins', `identifier=${encodeURIComponent(phone)}`);
  if (!created) return false;
  const id = created.json.response.id;
  if (!(await post(`/v1/client/sign_ins/${id}/prepare_first_factor`, 'strategy=phone_code', created.token))) return false;
  const done = await post(`/v1/client/sign_ins/${id}/attempt_first_factor`, 'strategy=phone_code&code=424242', created.token);
  return done?.json.response.status === 'complete';
}

await startTogether();
const startedAt = Date.now();
const endsAt = startedAt + duration * 1000;
let completed = 0;
let failed = 0;
await Promise.all(Array.from({ length: connections }, async () => {
  while (Date.now() < endsAt) {
    const phone = phones[cursor++ % phones.length];
    const began = performance.now();
    if (await signIn(phone)) {
      completed++;
      latencies.push(performance.now() - began);
    } else {
      failed++;
    }
  }
}));
const seconds = (Date.now() - startedAt) / 1000;

latencies.sort((a, b) => a - b);
writeFileSync(resultFile, JSON.stringify({
  title: scenario.title, connections, durationSeconds: Math.round(seconds * 100) / 100,
  // "requests" are whole sign-ins, so rate and CPU per request read per sign-in like the other rows.
  requests: completed, httpRequests: requests, reqPerSec: completed / seconds, failedSignIns: failed,
  latencyMs: latencySummary(latencies), latencies: scenario.keepLatencies ? latencies : undefined,
  bytesPerResponse: 0, non2xx: Object.entries(statuses).filter(([s]) => s !== '200').reduce((n, [, c]) => n + c, 0), statuses, errorSamples,
}));
