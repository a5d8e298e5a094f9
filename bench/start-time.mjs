#!/usr/bin/env node
// Time from launching a start command to the first 200 on GET /v1/health, on free ports and a
// throwaway SQLite file. `node bench/start-time.mjs [runs] [-- command ...]`; default command `npm start`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const runs = Number(args[0] && split !== 0 ? args[0] : 3);
const command = split >= 0 ? args.slice(split + 1) : ['npm', 'start'];

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function once() {
  const dir = mkdtempSync(join(tmpdir(), 'pn-start-'));
  const [port, backendPort] = [await freePort(), await freePort()];
  const started = performance.now();
  const child = spawn(command[0], command.slice(1), {
    env: { ...process.env, PORT: String(port), BACKEND_PORT: String(backendPort), DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
    detached: true,
  });
  try {
    for (;;) {
      if (performance.now() - started > 60_000) throw new Error('no 200 within 60 s');
      try {
        const response = await fetch(`http://127.0.0.1:${port}/v1/health`);
        if (response.status === 200) return performance.now() - started;
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    process.kill(-child.pid, 'SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const times = [];
for (let i = 0; i < runs; i++) times.push(await once());
times.sort((a, b) => a - b);
console.log(`${command.join(' ')}: ${times.map((t) => `${(t / 1000).toFixed(2)} s`).join(', ')} (median ${(times[Math.floor(times.length / 2)] / 1000).toFixed(2)} s)`);
