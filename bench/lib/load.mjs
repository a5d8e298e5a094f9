// The load generator, run as its own process so it never shares an event loop with a server:
// `node bench/lib/load.mjs <scenario.json> <result.json>`. Drives one scenario with autocannon.
//
// A scenario is a list of requests handed out in order across all connections by one cursor.
// `cycle` wraps around (reads, repeatable writes); `once` sends each request at most once and ends
// the run early when the list runs out (writes whose second try would take a different, error path).
// Latency and rate are counted here, per request of the list, so the few cheap "drain" requests
// sent while a finished `once` run winds down are left out, and error answers are timed too
// (autocannon's own histogram keeps 2xx only).
import { readFileSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { latencySummary, startTogether } from './loader-common.mjs';

const [scenarioFile, resultFile] = process.argv.slice(2);
const scenario = JSON.parse(readFileSync(scenarioFile, 'utf8'));
const { items, mode = 'cycle' } = scenario;
if (!Array.isArray(items) || items.length === 0) throw new Error('scenario has no requests');

let cursor = 0;
let exhausted = false;
const statuses = {};
const succeeded = [];
const latencies = [];
const errorSamples = {};
let bytes = 0;
let startedAt = 0;
let lastResponseAt = 0;
let lastWasDrain = false;
let instance;

function nextIndex() {
  if (cursor >= items.length) {
    if (mode === 'once') {
      if (!exhausted) { exhausted = true; instance.stop(); }
      return null;
    }
    cursor = 0;
  }
  return cursor++;
}

await startTogether();
instance = autocannon({
  url: scenario.url,
  connections: scenario.connections,
  duration: scenario.duration,
  timeout: 30,
  // How often autocannon looks at its stop flag: a finished `once` list ends the run within 50 ms.
  sampleInt: 50,
  requests: [{
    setupRequest(request, context) {
      const index = nextIndex();
      if (index === null) { context.index = -1; return { ...request, ...scenario.drain, headers: {} }; }
      context.index = index;
      const item = items[index];
      return { ...request, method: item.method, path: item.path, headers: item.headers ?? {}, body: item.body };
    },
    // Runs just before autocannon's 'response' event for the same answer.
    onResponse(status, body, context) {
      const index = context.index;
      lastWasDrain = index === -1;
      if (lastWasDrain) return;
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status < 200 || status > 299) {
        // One example answer per error status, so a report can say what the errors were.
        errorSamples[status] ??= body.slice(0, 300);
        return;
      }
      if (scenario.recordSucceeded) succeeded.push(index);
    },
  }],
}, (error, result) => {
  if (error) throw error;
  const endedAt = exhausted ? lastResponseAt : startedAt + result.duration * 1000;
  const seconds = (endedAt - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  const count = latencies.length;
  const non2xx = Object.entries(statuses).filter(([s]) => !s.startsWith('2')).reduce((n, [, c]) => n + c, 0);
  const summary = {
    title: scenario.title,
    connections: scenario.connections,
    durationSeconds: Math.round(seconds * 100) / 100,
    requests: count,
    reqPerSec: count / seconds,
    latencyMs: latencySummary(latencies),
    // Kept when the parent merges this process's answers with another's (two servers at once).
    latencies: scenario.keepLatencies ? latencies : undefined,
    bytesPerResponse: count ? Math.round(bytes / count) : 0,
    non2xx,
    statuses,
    errorSamples,
    errors: result.errors,
    timeouts: result.timeouts,
    exhausted,
    succeeded: scenario.recordSucceeded ? succeeded : undefined,
  };
  writeFileSync(resultFile, JSON.stringify(summary));
});

instance.on('start', () => { startedAt = Date.now(); });
instance.on('response', (_client, _status, resBytes, responseTime) => {
  if (lastWasDrain) return;
  latencies.push(responseTime);
  bytes += resBytes;
  lastResponseAt = Date.now();
});
