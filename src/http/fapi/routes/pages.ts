import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.js';

// The browser pages (the account page, the sign-in page, and in development the SMS inbox), served from the bundle
// `npm run build` writes to dist/web. Files are read once at start and kept in memory.

/** The same folder whether this module runs from src/ (tests) or dist/ (npm start). */
const WEB_DIR = fileURLToPath(new URL('../../../../dist/web/', import.meta.url));

export const ACCOUNT_PAGE_PATH = '/account';
export const SIGN_IN_PAGE_PATH = '/sign-in';
export const INBOX_PAGE_PATH = '/dev/inbox';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/** Nothing but this origin: no inline script or style, no framing, no plugins. */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

interface Asset {
  body: Buffer;
  gzipped: Buffer;
  type: string;
  etag: string;
}

function asset(body: Buffer, type: string): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, gzipped: gzipSync(body), type, etag };
}

function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const dir = join(WEB_DIR, 'assets');
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) assets.set(name, asset(readFileSync(join(dir, name)), type));
  }
  return assets;
}

function loadHtml(name: string): string | undefined {
  const file = join(WEB_DIR, name);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function accepts(request: FastifyRequest, encoding: string): boolean {
  return (request.headers['accept-encoding'] ?? '').split(',').some((e) => e.trim().split(';')[0] === encoding);
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, file: Asset, cacheControl: string): FastifyReply {
  const vary = reply.getHeader('vary');
  reply.headers(SECURITY_HEADERS).header('Cache-Control', cacheControl).header('ETag', file.etag)
    .header('Vary', vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding');
  if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();
  reply.type(file.type);
  if (accepts(request, 'gzip')) return reply.header('Content-Encoding', 'gzip').send(file.gzipped);
  return reply.send(file.body);
}

const NOT_BUILT = 'The browser pages are not built yet. Run `npm run build` and restart the server.\n';

export function pageRoutes(app: FastifyInstance, ctx: AppContext): void {
  const development = ctx.config.instanceType === 'development';
  const assets = loadAssets();
  if (!development) assets.delete('inbox.js');

  // Settings the page needs before its first request, in a JSON data block (data, not script, so
  // the CSP still allows no inline code). `<` is escaped so no value can close the element.
  const boot = {
    appName: ctx.config.appName,
    development,
    resendCooldownSeconds: ctx.config.smsResendCooldownSeconds,
    otpMaxAttempts: ctx.config.otpMaxAttempts,
    otpTtlSeconds: ctx.config.otpTtlSeconds,
    accountPath: ACCOUNT_PAGE_PATH,
    signInPath: SIGN_IN_PAGE_PATH,
    inboxPath: development ? INBOX_PAGE_PATH : null,
  };
  const bootJson = JSON.stringify(boot).replace(/</g, '\\u003c');

  const page = (path: string, htmlFile: string) => {
    const html = loadHtml(htmlFile)?.replace('{{BOOT}}', bootJson).replace(/\{\{APP_NAME\}\}/g, escapeHtml(ctx.config.appName));
    const file = html === undefined ? undefined : asset(Buffer.from(html), CONTENT_TYPES['.html']!);
    app.get(path, async (request, reply) => {
      if (!file) return reply.status(503).headers(SECURITY_HEADERS).type(CONTENT_TYPES['.txt']!).send(NOT_BUILT);
      return sendAsset(request, reply, file, 'no-cache');
    });
  };
  page(ACCOUNT_PAGE_PATH, 'account.html');
  page(SIGN_IN_PAGE_PATH, 'sign-in.html');
  if (development) page(INBOX_PAGE_PATH, 'inbox.html');

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const file = assets.get(request.params.name);
    if (!file) return reply.callNotFound();
    // Names are not content-hashed, so browsers revalidate (a cheap 304 via the ETag).
    return sendAsset(request, reply, file, 'no-cache');
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
