import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// A node script run as a user runs it (the compiled CLI, a build script): its exit code and output,
// whether it succeeded or not.

const run = promisify(execFile);

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runNode(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeout?: number } = {}): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { env: options.env, cwd: options.cwd, timeout: options.timeout ?? 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `phone-numbers <args>` (dist/cli/index.js) with only PATH and these settings in its environment. */
export function phoneNumbers(env: Record<string, string>, ...args: string[]): Promise<Ran> {
  return runNode(['dist/cli/index.js', ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env } });
}
