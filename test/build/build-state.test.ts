import { cpSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../helpers/cli.js';

// scripts/build-state.mjs decides whether `npm start` builds. It runs here on a copy of the sources (this
// checkout is never touched): it builds a tree that has no dist/, then says fresh, and stale once a
// source file changes or appears.

let tree: string;

const state = (command: 'check' | 'ensure') => runNode([join(tree, 'scripts/build-state.mjs'), command], { cwd: tree, timeout: 120_000 });

beforeAll(() => {
  tree = mkdtempSync(join(tmpdir(), 'phone-numbers-build-'));
  for (const path of ['src', 'web', 'scripts', 'capabilities', 'tsconfig.json', 'package.json', 'package-lock.json']) {
    cpSync(join(process.cwd(), path), join(tree, path), { recursive: true });
  }
  symlinkSync(join(process.cwd(), 'node_modules'), join(tree, 'node_modules'));
});
afterAll(() => rmSync(tree, { recursive: true, force: true }));

describe('build staleness check', () => {
  it('a tree without dist/ is stale; ensure builds it; then it is fresh and ensure builds nothing', async () => {
    expect(await state('check')).toMatchObject({ code: 1, stdout: 'stale: dist/cli/index.js is missing\n' });
    const built = await state('ensure');
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain('Building (dist/cli/index.js is missing)');
    expect(await state('check')).toMatchObject({ code: 0, stdout: 'fresh\n' });
    // The built server runs from the copy without npm.
    expect((await runNode([join(tree, 'dist/cli/index.js'), '--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(await state('ensure')).toMatchObject({ code: 0, stderr: '' });
  }, 180_000);

  it('touching a source file makes it stale, naming the file', async () => {
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(tree, 'src/config.ts'), later, later);
    expect(await state('check')).toMatchObject({ code: 1, stdout: 'stale: src/config.ts changed since the build\n' });
  });

  it('a web file counts too, and so does a new file with an old mtime', async () => {
    const later = new Date(Date.now() + 10_000);
    utimesSync(join(tree, 'web/inbox/main.tsx'), later, later);
    // The newest change is the one named.
    expect(await state('check')).toMatchObject({ code: 1, stdout: 'stale: web/inbox/main.tsx changed since the build\n' });
    writeFileSync(join(tree, 'src/extra.ts'), 'export const extra = 1;\n');
    utimesSync(join(tree, 'src/extra.ts'), new Date(0), new Date(0));
    expect(await state('check')).toMatchObject({ code: 1, stdout: 'stale: files were added or removed since the build\n' });
  });
});
