// Child processes of a benchmark run: start one, wait until it answers, read its peak memory, stop it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// A run that fails half-way must not leave servers behind.
const running = new Set();
process.once('exit', () => { for (const child of running) child.kill('SIGKILL'); });

/** A free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `node <args>` and resolves once `readyUrl` answers 2xx; rejects with the child's output if it exits first. */
export async function startNode(name, args, env, readyUrl, { timeoutMs = 60_000 } = {}) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  const keep = (chunk) => { output = (output + chunk.toString()).slice(-8000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 100))]);
    if (early) throw new Error(`${name} exited (${early.code ?? early.signal}) before it was ready:\n${output.trim()}`);
    try {
      const response = await fetch(readyUrl);
      if (response.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`${name} not ready after ${timeoutMs} ms:\n${output}`); }
  }
  return {
    name,
    pid: child.pid,
    output: () => output,
    /** Peak resident set size so far, in MiB (VmHWM: the kernel's own high-water mark). */
    peakRssMiB: () => peakRssMiB(child.pid),
    cpuSeconds: () => cpuSeconds(child.pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 15_000))]);
      if (!done) { child.kill('SIGKILL'); await exited; }
    },
  };
}

export function peakRssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) / 1024 : null;
}

/** CPU time (user + system, all threads) the process has used so far, in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Linux's USER_HZ, which /proc reports times in; 100 on every mainstream architecture. */
const CLOCK_TICKS = 100;
