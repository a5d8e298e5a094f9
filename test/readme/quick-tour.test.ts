import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's quick tour, run as printed against `phone-numbers serve`, on free ports (the README's
// default ports 4000/4001 may be a developer's own `npm start`): the tour's two URLs are swapped
// for the ones the banner printed, nothing else is changed.

const run = promisify(execFile);
let child: ChildProcess;
let dir: string;
let banner = '';
let frontendApiUrl = '';
let backendApiUrl = '';

function readmeTourScript(): string {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const section = readme.split('## Quick tour')[1];
  const block = section && /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no sh block under "## Quick tour"');
  return block;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'phone-numbers-tour-'));
  child = spawn(process.execPath, [join(process.cwd(), 'dist/cli/index.js'), 'serve'], {
    env: { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'tour.db')}`, LOG_LEVEL: 'warn', PORT: '0', BACKEND_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => { banner += chunk; });
  child.stderr!.on('data', (chunk) => { banner += chunk; });
  const started = Date.now();
  while (!banner.includes('export CLERK_SECRET_KEY=')) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${banner}`);
    if (Date.now() - started > 20_000) throw new Error(`no start banner:\n${banner}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  frontendApiUrl = /Frontend API {5}(\S+)/.exec(banner)![1]!;
  backendApiUrl = /Backend API {6}(\S+)/.exec(banner)![1]!;
});

/** The tour with the README's default addresses replaced by this server's. */
function tourScript(): string {
  const script = readmeTourScript();
  for (const line of ['FAPI=http://localhost:4000\n', 'BAPI=http://localhost:4001\n']) {
    if (!script.includes(line)) throw new Error(`README tour no longer starts with ${line.trim()}`);
  }
  return script.replace('FAPI=http://localhost:4000\n', `FAPI=${frontendApiUrl}\n`).replace('BAPI=http://localhost:4001\n', `BAPI=${backendApiUrl}\n`);
}

afterAll(() => {
  child?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('README quick tour', () => {
  it('the banner prints both URLs and both keys', () => {
    expect(frontendApiUrl).toMatch(/^http:\/\/(localhost|127\.0\.0\.1):\d+$/);
    expect(backendApiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$|^http:\/\/localhost:\d+$/);
    expect(frontendApiUrl).not.toMatch(/:4000$/);
    expect(banner).toMatch(/Publishable key  pk_test_[A-Za-z0-9+/=]+/);
    expect(banner).toMatch(/Secret key       sk_test_[A-Za-z0-9]{40}/);
    // A generated key lives in the database file: the banner says so (SECURITY.md, "Database theft").
    expect(banner).toMatch(/Secret key {7}sk_test_\S+\n {19}\(generated, kept in clear in the database/);
  });

  it('every line works as printed, after pasting the export line, and again straight after', async () => {
    for (const run of ['first', 'second']) {
      const lines = await runTour();
      expect(lines[0], `${run} run`).toMatchObject({ status: 'unverified', strategy: 'phone_code', attempts: 0 });
      expect(lines[1], `${run} run`).toMatchObject({ status: 'verified', attempts: 1 });
      expect(lines[2].reserved_for_second_factor).toBe(true);
      expect(lines[2].default_second_factor).toBe(true);
      expect(lines[2].backup_codes).toHaveLength(10);
      expect(lines[3]).toMatchObject({ phone_number: '+12025550100' });
      expect(lines[4]).toMatchObject({ object: 'phone_number', deleted: true });
    }
  });
});

async function runTour(): Promise<Record<string, unknown>[]> {
  const exportLine = /export CLERK_SECRET_KEY=\S+/.exec(banner)![0];
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', `${exportLine}\n${tourScript()}`], { timeout: 30_000 });
  return stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}
