#!/usr/bin/env node
// Is dist/ the build of the sources as they are now? A stamp in dist/ records the build's inputs (their
// paths and newest modification time); a later start compares the tree with it and builds only when
// something changed, so `npm start` on a built tree does not recompile (tsc twice and esbuild: 10 s).
//
//   node scripts/build-state.mjs check    prints "fresh" (exit 0) or "stale: <why>" (exit 1); builds nothing
//   node scripts/build-state.mjs ensure   builds (npm run build) only when stale; prestart and prepare run it
//   node scripts/build-state.mjs stamp    records the tree as built; the last step of `npm run build`

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const defaultRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What the build reads: directories are walked, files taken as they are. */
const INPUTS = ['src', 'web', 'scripts/build-web.mjs', 'tsconfig.json', 'web/tsconfig.json', 'package.json', 'package-lock.json'];
/** What a start needs from the build; missing, the tree is stale whatever the stamp says. */
const OUTPUTS = ['dist/cli/index.js', 'dist/web'];
const STAMP = 'dist/.build-stamp.json';

function walk(root, path, files) {
  const full = join(root, path);
  if (!existsSync(full)) return;
  if (statSync(full).isDirectory()) {
    for (const entry of readdirSync(full).sort()) walk(root, join(path, entry), files);
  } else {
    files.push({ path: path.split(sep).join('/'), mtimeMs: statSync(full).mtimeMs });
  }
}

/** The build's inputs now: a digest of their paths (an added or removed file changes it) and the newest mtime. */
export function snapshot(root = defaultRoot) {
  const files = [];
  for (const input of INPUTS) walk(root, input, files);
  const paths = createHash('sha256').update(files.map((f) => f.path).join('\n')).digest('hex');
  const newest = files.reduce((max, f) => (f.mtimeMs > max.mtimeMs ? f : max), { path: '', mtimeMs: 0 });
  return { paths, newestMtimeMs: newest.mtimeMs, newestPath: newest.path, files: files.length };
}

/** `{ fresh: true }`, or `{ fresh: false, reason }` naming what changed. */
export function buildState(root = defaultRoot) {
  for (const output of OUTPUTS) if (!existsSync(join(root, output))) return { fresh: false, reason: `${output} is missing` };
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, STAMP), 'utf8'));
  } catch {
    return { fresh: false, reason: `${STAMP} is missing (not built by npm run build)` };
  }
  const now = snapshot(root);
  if (now.paths !== stamp.paths) return { fresh: false, reason: 'files were added or removed since the build' };
  if (now.newestMtimeMs > stamp.newestMtimeMs) return { fresh: false, reason: `${now.newestPath} changed since the build` };
  return { fresh: true };
}

/** Records `taken` (a snapshot from before the build started, so an edit during the build still counts) as built. */
export function writeStamp(root = defaultRoot, taken = snapshot(root)) {
  writeFileSync(join(root, STAMP), `${JSON.stringify(taken)}\n`);
}

function main(command) {
  if (command === 'check') {
    const state = buildState();
    console.log(state.fresh ? 'fresh' : `stale: ${state.reason}`);
    return state.fresh ? 0 : 1;
  }
  if (command === 'stamp') {
    writeStamp();
    return 0;
  }
  if (command === 'ensure') {
    const state = buildState();
    if (state.fresh) return 0;
    const before = snapshot();
    console.error(`Building (${state.reason})...`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const built = spawnSync(npm, ['run', 'build', '--silent'], { cwd: defaultRoot, stdio: 'inherit' });
    if (built.status !== 0) return built.status ?? 1;
    writeStamp(defaultRoot, before);
    return 0;
  }
  console.error('usage: node scripts/build-state.mjs check|ensure|stamp');
  return 2;
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') process.exitCode = main(process.argv[2]);
