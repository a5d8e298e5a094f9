import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The compiled `phone-numbers` command, run as a user would, on its own SQLite file.

const run = promisify(execFile);
const CLI = join(process.cwd(), 'dist/cli/index.js');
let dir: string;
let env: NodeJS.ProcessEnv;

async function cli(...args: string[]) {
  return run(process.execPath, [CLI, ...args], { env, timeout: 20_000 });
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli/index.js is missing: `npm test` builds it first (npm run build)');
  dir = mkdtempSync(join(tmpdir(), 'phone-numbers-cli-'));
  env = { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`, LOG_LEVEL: 'silent' };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('phone-numbers CLI', () => {
  it('migrate creates the schema, and is idempotent', async () => {
    expect((await cli('migrate')).stdout).toMatch(/^applied: 001-initial/);
    expect((await cli('migrate')).stdout).toContain('up to date');
  });

  it('users create --phone makes verified numbers; sign-in-token makes a ticket for that user', async () => {
    const created = JSON.parse((await cli('users', 'create', '--phone', '+12025550150', '--phone', '+1 202 555 0151')).stdout);
    expect(created.id).toMatch(/^user_/);
    expect(created.primary_phone_number_id).toMatch(/^idn_/);
    const token = JSON.parse((await cli('sign-in-token', '--user', created.id)).stdout);
    expect(token.user_id).toBe(created.id);
    expect(token.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('fails with one clear line for a bad setting or unknown user', async () => {
    await expect(run(process.execPath, [CLI, 'migrate'], { env: { ...env, OTP_MAX_ATTEMPTS: 'many' } }))
      .rejects.toMatchObject({ stderr: expect.stringMatching(/^Configuration error: OTP_MAX_ATTEMPTS: /) });
    await expect(cli('sign-in-token', '--user', 'user_missing')).rejects.toMatchObject({ stderr: expect.stringContaining('resource_not_found') });
  });

  it('sms inbox lists what the dev provider delivered (empty here)', async () => {
    expect(JSON.parse((await cli('sms', 'inbox', '--phone', '+12025550150')).stdout)).toEqual([]);
  });

  it('reports every bad setting at once, one line per variable', async () => {
    const failed = run(process.execPath, [CLI, 'migrate'], { env: { ...env, OTP_MAX_ATTEMPTS: 'many', PORT: 'eighty' } });
    await expect(failed).rejects.toMatchObject({
      stderr: 'Configuration error: PORT: expected a whole number, got "eighty"\nConfiguration error: OTP_MAX_ATTEMPTS: expected a whole number, got "many"\n',
    });
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string };
    expect((await cli('--version')).stdout.trim()).toBe(version);
  });

  it('an unknown command is an error with a suggestion, not a serve that starts', async () => {
    const failed = cli('user', 'create');
    await expect(failed).rejects.toMatchObject({ stderr: expect.stringContaining("unknown command 'user'") });
    await expect(failed).rejects.toMatchObject({ stderr: expect.stringContaining('users') });
  });
});
