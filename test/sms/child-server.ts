import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestServer } from '../helpers/server.js';

// The compiled `phone-numbers` command as a separate process, for tests that kill it or drive its CLI.

export const CLI = join(process.cwd(), 'dist/cli/index.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Fails loudly when dist/ is missing or older than src/: a child running old code proves nothing. */
export function requireFreshBuild(): void {
  if (!existsSync(CLI)) throw new Error('dist/cli/index.js is missing: build first (`npx tsc -p .`; `npm test` does it)');
  if (statSync(CLI).mtimeMs < newestSource(join(process.cwd(), 'src'))) {
    throw new Error('dist/ is older than src/: rebuild first (`npx tsc -p .`; `npm test` does it)');
  }
}

export interface ChildServer {
  process: ChildProcess;
  /** Enough of a TestServer for the fapi()/bapi() helpers. */
  api: TestServer;
  output(): string;
  /** Waits for the process to be gone. */
  exited: Promise<number | null>;
}

/** Starts `phone-numbers serve` with this environment and waits for its banner. */
export async function startChildServer(env: NodeJS.ProcessEnv, secretKey: string): Promise<ChildServer> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, PORT: '0', BACKEND_PORT: '0', HOST: '127.0.0.1', CLERK_SECRET_KEY: secretKey, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const fapiUrl = /Frontend API\s+(\S+)/.exec(output)?.[1];
    const bapiUrl = /Backend API\s+(\S+)/.exec(output)?.[1];
    if (fapiUrl && bapiUrl) {
      const api = { fapiUrl, bapiUrl, secretKey } as unknown as TestServer;
      return { process: child, api, output: () => output, exited };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the child server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function killHard(child: ChildServer): Promise<void> {
  child.process.kill('SIGKILL');
  await child.exited;
}

export async function stopChild(child: ChildServer | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  await child.exited;
}
