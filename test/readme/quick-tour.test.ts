import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's quick tour, run exactly as printed against `phone-numbers serve` on the default ports.

const run = promisify(execFile);
let child: ChildProcess;
let dir: string;
let banner = '';

function tourScript(): string {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const section = readme.split('## Quick tour')[1];
  const block = section && /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no sh block under "## Quick tour"');
  return block;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'phone-numbers-tour-'));
  child = spawn(process.execPath, [join(process.cwd(), 'dist/cli/index.js'), 'serve'], {
    env: { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'tour.db')}`, LOG_LEVEL: 'warn', PORT: '4000', BACKEND_PORT: '4001' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => { banner += chunk; });
  child.stderr!.on('data', (chunk) => { banner += chunk; });
  const started = Date.now();
  while (!banner.includes('export CLERK_SECRET_KEY=')) {
    if (child.exitCode !== null) throw new Error(`server exited (ports 4000/4001 busy?):\n${banner}`);
    if (Date.now() - started > 20_000) throw new Error(`no start banner:\n${banner}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(() => {
  child?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('README quick tour', () => {
  it('the banner prints both URLs and both keys', () => {
    expect(banner).toContain('Frontend API     http://localhost:4000');
    expect(banner).toContain('Backend API      http://localhost:4001');
    expect(banner).toMatch(/Publishable key  pk_test_[A-Za-z0-9+/=]+/);
    expect(banner).toMatch(/Secret key       sk_test_[A-Za-z0-9]{40}/);
  });

  it('every line works as printed, after pasting the export line', async () => {
    const exportLine = /export CLERK_SECRET_KEY=\S+/.exec(banner)![0];
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', `${exportLine}\n${tourScript()}`], { timeout: 30_000 });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ status: 'unverified', strategy: 'phone_code', attempts: 0 });
    expect(lines[1]).toMatchObject({ status: 'verified', attempts: 1 });
    expect(lines[2].reserved_for_second_factor).toBe(true);
    expect(lines[2].default_second_factor).toBe(true);
    expect(lines[2].backup_codes).toHaveLength(10);
    expect(lines[3]).toMatchObject({ phone_number: '+12025552368' });
    expect(lines[4]).toMatchObject({ object: 'phone_number', deleted: true });
  });
});
