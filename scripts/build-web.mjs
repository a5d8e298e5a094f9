// Bundles the browser pages in web/ into dist/web with esbuild: one script per page, one
// stylesheet, the HTML shells (written here) and the icon. Everything is served by the server itself (no CDN).
// `npm run build` runs it after tsc; tests import buildWeb() so they never serve a stale bundle, and
// several test files may build at once.

import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');

/**
 * The HTML shell of a page. The server fills in {{BOOT}} (settings, as a JSON data block the CSP
 * allows because it never runs) and {{APP_NAME}} when it starts.
 */
function shell({ title, script, noscript }) {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <title>${title} · {{APP_NAME}}</title>
  <link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/assets/app.css">
  <script type="application/json" id="boot">{{BOOT}}</script>
  <script type="module" src="/assets/${script}"></script>
</head>
<body>
  <a class="skip-link" href="#main">Skip to content</a>
  <div id="app"><main id="main" class="page"><p class="muted">Loading…</p></main></div>
  <noscript><p class="page">${noscript}</p></noscript>
</body>
</html>
`;
}

const PAGES = {
  'account.html': { title: 'Phone numbers', script: 'account.js', noscript: 'This page needs JavaScript to manage your phone numbers.' },
  'sign-in.html': { title: 'Sign in', script: 'sign-in.js', noscript: 'Signing in needs JavaScript.' },
  'inbox.html': { title: 'SMS inbox (development)', script: 'inbox.js', noscript: 'The inbox needs JavaScript to show messages live.' },
};

/** Each file is written beside its place and renamed over it, so a server starting meanwhile never reads half a file. */
async function writeAtomically(file, body) {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, body);
  await rename(temporary, file);
}

/** Builds into dist/web (or outDir) and returns each written file with its size and gzipped size. */
export async function buildWeb({ outDir = join(root, 'dist', 'web') } = {}) {
  const assets = join(outDir, 'assets');
  await mkdir(assets, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: {
      account: join(web, 'account', 'main.tsx'),
      'sign-in': join(web, 'sign-in', 'main.tsx'),
      inbox: join(web, 'inbox', 'main.tsx'),
      app: join(web, 'shared', 'app.css'),
    },
    outdir: assets,
    write: false,
    bundle: true,
    format: 'esm',
    splitting: false,
    minify: true,
    sourcemap: false,
    target: ['chrome109', 'firefox115', 'safari15.6', 'edge109'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'eof',
    logLevel: 'warning',
  });
  const outputs = new Map(result.outputFiles.map((f) => [f.path, Buffer.from(f.contents)]));
  for (const [name, page] of Object.entries(PAGES)) outputs.set(join(outDir, name), Buffer.from(shell(page)));
  outputs.set(join(assets, 'icon.svg'), await readFile(join(web, 'shared', 'icon.svg')));

  for (const [file, body] of outputs) await writeAtomically(file, body);
  // Whatever an earlier build left that this one did not write (another build's .tmp is not ours to touch).
  for (const dir of [outDir, assets]) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name);
      if (entry.isFile() && !outputs.has(file) && !entry.name.endsWith('.tmp')) await rm(file, { force: true });
    }
  }
  return [...outputs].map(([file, body]) => ({ file: relative(root, file), bytes: body.length, gzipBytes: gzipSync(body).length }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = await buildWeb();
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
  if (process.argv.includes('--sizes')) {
    for (const s of sizes) process.stdout.write(`  ${s.file.padEnd(28)} ${kb(s.bytes).padStart(9)}  (${kb(s.gzipBytes)} gzip)\n`);
  } else {
    const scripts = sizes.filter((s) => /\.(js|css)$/.test(s.file)).map((s) => `${s.file.split('/').pop()} ${kb(s.gzipBytes)}`);
    process.stdout.write(`web pages built (gzip): ${scripts.join(', ')}\n`);
  }
}
