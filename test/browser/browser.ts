import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

// Real Chromium for the page tests: the system's /usr/bin/chromium (never a downloaded browser),
// plus a context that records every request and every console complaint the pages make.

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** The browser, or null after saying loudly why the tests that need it are skipped. */
export async function launchChromium(): Promise<Browser | null> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  } catch (error) {
    console.warn(`!!! Browser tests SKIPPED: Chromium (${CHROMIUM}) could not start: ${(error as Error).message.split('\n')[0]}`);
    return null;
  }
}

export interface Recorded {
  context: BrowserContext;
  /** Every URL any page of the context asked for. */
  requests: string[];
  /** Console errors and uncaught exceptions, except the browser's own note on each 4xx answer. */
  problems: string[];
  newPage(): Promise<Page>;
}

export async function recordedContext(browser: Browser, baseURL: string, options: BrowserContextOptions = {}): Promise<Recorded> {
  const context = await browser.newContext({ baseURL, acceptDownloads: true, ...options });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(baseURL).origin });
  context.setDefaultTimeout(15_000);
  const requests: string[] = [];
  const problems: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  const watch = (page: Page) => {
    page.on('console', (message) => {
      // Chromium logs every non-2xx fetch; the pages show those errors on purpose.
      if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  };
  context.on('page', watch);
  return { context, requests, problems, newPage: () => context.newPage() };
}

/** Origins other than the server's that the pages contacted (blob: URLs count as their creator's origin). */
export function foreignRequests(requests: string[], ownOrigin: string): string[] {
  return requests.filter((url) => new URL(url).origin !== ownOrigin);
}

/** Waits for a condition the page reaches by itself (a countdown, a live update, a focus move). */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
