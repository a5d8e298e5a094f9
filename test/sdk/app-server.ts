import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The "customer's app" for the browser tests: a page that loads clerk-js (served from node_modules,
// never a CDN), and optionally the Frontend API behind it under /__clerk, as a reverse proxy would
// put it on the app's own origin (the recommended set-up).

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const CLERK_JS_DIST = fileURLToPath(new URL('../../node_modules/@clerk/clerk-js/dist/', import.meta.url));
/** Clerk's prebuilt components (@clerk/ui), handed to clerk-js when it loads: also served from node_modules. */
const CLERK_UI_DIST = fileURLToPath(new URL('../../node_modules/@clerk/ui/dist/', import.meta.url));
export const CLERK_PROXY_PATH = '/__clerk';

export interface AppServer {
  /** e.g. http://127.0.0.1:34567 */
  origin: string;
  /** What the page's clerk-js is given: publishable key and proxy URL. */
  configure(page: { publishableKey: string; proxyUrl: string }): void;
  /** Where /__clerk forwards to (the Frontend API's own URL). */
  proxyTo(frontendApiUrl: string): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** Forwards the request as it came (method, headers, body) and the answer as it went (status, Set-Cookie...). */
function proxy(req: IncomingMessage, res: ServerResponse, upstream: string): void {
  const target = new URL(req.url!.slice(CLERK_PROXY_PATH.length) || '/', upstream);
  const forwarded = httpRequest(target, {
    method: req.method,
    headers: { ...req.headers, host: target.host, 'x-forwarded-host': req.headers.host ?? '' },
  }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  forwarded.on('error', () => send(res, 502, 'text/plain', 'upstream unreachable'));
  req.pipe(forwarded);
}

export async function startAppServer(host: 'localhost' | '127.0.0.1'): Promise<AppServer> {
  let page: { publishableKey: string; proxyUrl: string } | undefined;
  let upstream: string | undefined;
  const templates = { '/': readFileSync(join(FIXTURES, 'app.html'), 'utf8'), '/components': readFileSync(join(FIXTURES, 'components.html'), 'utf8') };

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    if (path.startsWith(`${CLERK_PROXY_PATH}/`) && upstream) return proxy(req, res, upstream);
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed');
    if ((path === '/' || path === '/components') && page) {
      const html = templates[path]
        .replace('%PUBLISHABLE_KEY%', escapeAttribute(page.publishableKey))
        .replace('%PROXY_URL%', escapeAttribute(page.proxyUrl));
      return send(res, 200, 'text/html; charset=utf-8', html);
    }
    if (path === '/scenario.js' || path === '/components.js') return send(res, 200, 'text/javascript', readFileSync(join(FIXTURES, basename(path))));
    if (path.startsWith('/clerk-js/') || path.startsWith('/clerk-ui/')) {
      // Only files directly in dist/ (the browser bundle and the chunks it loads), by their base name.
      const file = join(path.startsWith('/clerk-js/') ? CLERK_JS_DIST : CLERK_UI_DIST, basename(path));
      if (basename(path).endsWith('.js') && existsSync(file)) {
        res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'max-age=3600' });
        createReadStream(file).pipe(res);
        return;
      }
    }
    return send(res, 404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    configure(next) { page = next; },
    proxyTo(url) { upstream = url; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
