// Prints the functions with the most self time in a V8 .cpuprofile (from `node --cpu-prof`):
// `node bench/cpuprofile-top.mjs <file.cpuprofile> [count]`. Used to find what dominates a slow operation.
import { readFileSync } from 'node:fs';

const [file, count = '30'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMicros = new Map();
// Each sample names the node running then; the gap to the next sample is its time.
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]);
  const dt = profile.timeDeltas[i + 1] ?? 0;
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'}  ${url.replace(/^.*node_modules\//, '~/').replace(/^file:\/\/.*\/(dist|src)\//, '$1/')}:${lineNumber + 1}`;
  selfMicros.set(key, (selfMicros.get(key) ?? 0) + dt);
}
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
const idle = [...selfMicros.entries()].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
console.log(`total ${(total / 1e6).toFixed(1)} s, busy ${((total - idle) / 1e6).toFixed(1)} s`);
for (const [key, micros] of [...selfMicros.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(count))) {
  console.log(`${(micros / 1000).toFixed(0).padStart(8)} ms ${((100 * micros) / (total - idle)).toFixed(1).padStart(5)}%  ${key}`);
}
