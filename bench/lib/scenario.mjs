// Runs one load scenario in separate load-generator processes (bench/lib/load.mjs) and returns its summary.
//
// A scenario aimed at one server (`url`) runs in one process. One aimed at several instances of a
// server (`urls`) runs one process per instance at the same moment, each with its share of the
// connections and every n-th request of the list (so a `once` list is still sent once in all), and
// their results are merged: requests and statuses summed, latency percentiles over all answers, and
// the rate is all answers over the longest of the processes' durations.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { latencySummary } from './loader-common.mjs';

// A list of independent requests goes to autocannon (load.mjs); whole sign-ins, whose steps depend on each other, to sign-in-load.mjs.
const loaders = {
  requests: fileURLToPath(new URL('./load.mjs', import.meta.url)),
  signIns: fileURLToPath(new URL('./sign-in-load.mjs', import.meta.url)),
};

/** Every n-th element from `offset`: request i of the list goes to process i mod n. */
const share = (list, n, offset) => list?.filter((_, i) => i % n === offset);

export async function runScenario(scenario) {
  const urls = scenario.urls ?? [scenario.url];
  const n = urls.length;
  if (n === 1) return (await runLoaders([{ ...scenario, url: urls[0], urls: undefined }]))[0];
  const parts = urls.map((url, k) => ({
    ...scenario, url, urls: undefined, keepLatencies: true,
    connections: Math.floor(scenario.connections / n) + (k < scenario.connections % n ? 1 : 0),
    items: share(scenario.items, n, k), phones: share(scenario.phones, n, k),
  }));
  return merge(await runLoaders(parts), n);
}

/** Starts one load process per part, lets them all begin at once (loader-common.mjs startTogether) and returns their results. */
async function runLoaders(parts) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-load-'));
  try {
    const children = parts.map((part, k) => {
      const input = join(dir, `scenario-${k}.json`);
      const output = join(dir, `result-${k}.json`);
      writeFileSync(input, JSON.stringify(part));
      const child = spawn(process.execPath, [loaders[part.phones ? 'signIns' : 'requests'], input, output], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const ready = new Promise((resolve) => child.once('message', resolve));
      const done = new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`load generator exited with ${code} on "${part.title}"`))));
      });
      return { child, ready, done, output };
    });
    // A loader that dies before it is ready must fail the run, not leave it waiting.
    await Promise.race([Promise.all(children.map((c) => c.ready)), Promise.all(children.map((c) => c.done))]);
    for (const { child } of children) if (child.connected) child.send('go');
    await Promise.all(children.map((c) => c.done));
    return children.map((c) => JSON.parse(readFileSync(c.output, 'utf8')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function merge(results, n) {
  const sum = (key) => results.reduce((total, r) => total + (r[key] ?? 0), 0);
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = Math.max(...results.map((r) => r.durationSeconds));
  const statuses = {};
  for (const r of results) for (const [status, count] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  const requests = sum('requests');
  const merged = {
    ...results[0],
    connections: sum('connections'),
    durationSeconds: seconds,
    requests,
    reqPerSec: requests / seconds,
    latencyMs: latencySummary(latencies),
    latencies: undefined,
    bytesPerResponse: requests ? Math.round(results.reduce((total, r) => total + r.bytesPerResponse * r.requests, 0) / requests) : 0,
    non2xx: sum('non2xx'),
    statuses,
    errorSamples: Object.assign({}, ...results.map((r) => r.errorSamples)),
    exhausted: results.some((r) => r.exhausted),
    perProcess: results.map((r) => ({ connections: r.connections, requests: r.requests, reqPerSec: r.reqPerSec, durationSeconds: r.durationSeconds })),
  };
  if (results[0].errors !== undefined) { merged.errors = sum('errors'); merged.timeouts = sum('timeouts'); }
  if (results[0].httpRequests !== undefined) { merged.httpRequests = sum('httpRequests'); merged.failedSignIns = sum('failedSignIns'); }
  // Back to indices of the whole list: process k's j-th request was request j*n + k.
  if (results[0].succeeded) merged.succeeded = results.flatMap((r, k) => r.succeeded.map((j) => j * n + k)).sort((a, b) => a - b);
  return merged;
}
