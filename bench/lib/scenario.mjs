// Runs one load scenario in a separate load-generator process (bench/lib/load.mjs) and returns its summary.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A list of independent requests goes to autocannon (load.mjs); whole sign-ins, whose steps depend on each other, to sign-in-load.mjs.
const loaders = {
  requests: fileURLToPath(new URL('./load.mjs', import.meta.url)),
  signIns: fileURLToPath(new URL('./sign-in-load.mjs', import.meta.url)),
};

export async function runScenario(scenario) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-load-'));
  const input = join(dir, 'scenario.json');
  const output = join(dir, 'result.json');
  writeFileSync(input, JSON.stringify(scenario));
  try {
    await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [loaders[scenario.phones ? 'signIns' : 'requests'], input, output], { stdio: ['ignore', 'inherit', 'inherit'] });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`load generator exited with ${code} on "${scenario.title}"`))));
    });
    return JSON.parse(readFileSync(output, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
