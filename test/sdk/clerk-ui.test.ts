import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readCode as readInboxCode } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { CLERK_PROXY_PATH, startAppServer, type AppServer } from './app-server.js';

// Clerk's prebuilt components, @clerk/ui 1.36 handed to @clerk/clerk-js 6.40, both unmodified and
// served from node_modules, in Debian's Chromium against the real server: <SignUp/> with a new
// phone number and its SMS code, <SignIn/> with that number, a wrong code, two-step verification
// by SMS and by a backup code, and <UserProfile/> (add, verify, two-step, default, primary, remove). Every Frontend API answer is recorded: a 404 or
// a 5xx from our server fails the test, and so does any request that leaves this machine.

const CHROMIUM = '/usr/bin/chromium';
const DEBUG = process.env.SDK_DEBUG === '1';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`\n!!! @clerk/ui BROWSER TESTS SKIPPED: ${CHROMIUM} is missing (apt-get install chromium) !!!\n`);

interface Exchange { method: string; path: string; status: number }

let phoneCounter = 0;

for (const instance of ['development', 'production'] as const) describe.skipIf(!haveChromium)(`@clerk/ui components in Chromium, ${instance} keys`, { timeout: 90_000 }, () => {
  let browser: Browser;
  let app: AppServer;
  let t: TestServer;
  /**
   * Development: a real-looking number, whose code goes through the outbox to the dev inbox.
   * Production: a test-mode number (TEST_MODE=true), which takes 424242 and reaches no provider.
   */
  const realPhone = () => instance === 'development'
    ? `20255546${String(10 + phoneCounter++).padStart(2, '0')}`
    : `20255501${String(10 + phoneCounter++).padStart(2, '0')}`;
  const readCode = (server: TestServer, phone: string, since: number) => instance === 'development' ? readInboxCode(server, phone, since) : Promise.resolve('424242');
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-sync'] });
    app = await startAppServer('localhost');
    const production = {
      INSTANCE_TYPE: 'production', CLERK_SECRET_KEY: `sk_live_${randomBytes(24).toString('hex')}`, TEST_MODE: 'true',
      // Test-mode numbers never reach a provider; production still has to name one (nothing listens there).
      SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: 'http://127.0.0.1:9/sms', SMS_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    };
    t = await startTestServer({ PUBLIC_URL: `${app.origin}${CLERK_PROXY_PATH}`, ...(instance === 'production' ? production : {}) });
    app.proxyTo(`http://localhost:${(t.server.fapi.server.address() as AddressInfo).port}`);
    app.configure({ publishableKey: t.server.ctx.keys.publishableKey, proxyUrl: CLERK_PROXY_PATH });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.allSettled([app?.close(), t?.close()]);
  });

  async function openPage(exchanges: Exchange[], offSite: string[]): Promise<Page> {
    const context = await browser.newContext();
    // Under automation clerk-js hides some failures; the page must see what a person's browser sees.
    await context.addInitScript(() => { Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false, configurable: true }); });
    const page = await context.newPage();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol !== 'blob:' && url.protocol !== 'data:' && url.hostname !== 'localhost') offSite.push(request.url());
    });
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.pathname.startsWith(`${CLERK_PROXY_PATH}/`)) {
        exchanges.push({ method: url.searchParams.get('_method') ?? response.request().method(), path: url.pathname.slice(CLERK_PROXY_PATH.length), status: response.status() });
      }
    });
    if (DEBUG) page.on('console', (m) => console.log('[page]', m.type(), m.text()));
    if (DEBUG) page.on('pageerror', (e) => console.log('[pageerror]', String(e)));
    if (DEBUG) page.on('response', (r) => { if (r.url().includes(CLERK_PROXY_PATH)) console.log('[fapi]', r.status(), r.request().method(), new URL(r.url()).pathname, r.request().postData() ?? ''); });
    await page.goto(`${app.origin}/components`);
    expect(await page.evaluate(() => (window as any).components.load())).toEqual({ loaded: true, signedIn: false, webdriver: false, instanceType: instance });
    return page;
  }

  const call = <T>(page: Page, name: string, arg?: unknown) => page.evaluate(([n, a]) => (window as any).components[n as string](a), [name, arg] as const) as Promise<T>;
  const signedInUser = async (page: Page) => {
    await expect.poll(() => call<{ userId: string | null }>(page, 'state').then((s) => s.userId), { timeout: 20_000 }).not.toBeNull();
    return call<{ userId: string; sessionId: string; twoFactor: boolean }>(page, 'state');
  };
  /** Types a code into the component's one-time-code field. */
  async function typeCode(page: Page, code: string): Promise<void> {
    const field = page.locator('input[autocomplete="one-time-code"]').first();
    await field.waitFor({ timeout: 10_000 });
    // After a wrong code the component clears and re-enables the field; on a busy machine that can
    // take a moment, and keys typed before it are lost. Type again until the field holds the code.
    for (let attempt = 0; attempt < 5; attempt++) {
      await field.click();
      await field.fill('');
      await page.keyboard.type(code);
      if ((await field.inputValue().catch(() => code)) === code) return;
      await page.waitForTimeout(300);
    }
  }
  const shown = (national: string) => `+1 (${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`;
  /** In a mounted <UserProfile/>: Security, "Add two-step verification", SMS code, this number; the backup codes it shows. */
  async function addSmsTwoStep(page: Page, national: string): Promise<string[]> {
    const component = page.locator('#component');
    await page.getByText(/^security$/i).first().click();
    await component.getByText('Add two-step verification', { exact: true }).click();
    await page.locator('[role=menuitem]#phone_code').click();
    await component.getByRole('button', { name: new RegExp(shown(national).replace(/[()+]/g, '\\$&')) }).click();
    await expect.poll(() => component.innerText(), { timeout: 10_000 }).toContain('SMS code verification enabled');
    const codes = (await component.innerText()).match(/^[a-z2-9]{8}$/gm) ?? [];
    await component.getByRole('button', { name: 'Finish' }).click();
    return codes;
  }
  /** <SignUp/> with a new number and the code texted to it; the component is left mounted. */
  async function signUpWithComponent(page: Page, national: string): Promise<{ userId: string; sessionId: string; twoFactor: boolean }> {
    await call(page, 'mount', 'SignUp');
    await page.locator('input[type=tel]').first().fill(national);
    const since = Date.now();
    await page.getByRole('button', { name: 'Continue' }).click();
    await typeCode(page, await readCode(t, `+1${national}`, since));
    return signedInUser(page);
  }
  function expectNoServerFailures(exchanges: Exchange[], offSite: string[]): void {
    expect(exchanges.filter((e) => e.status === 404 || e.status >= 500), JSON.stringify(exchanges)).toEqual([]);
    expect(offSite).toEqual([]);
  }

  it('<SignUp/> with a new number and its code; sign out; <SignIn/> with it, a wrong code shows Clerk\'s message, then the right one', async () => {
    const exchanges: Exchange[] = [];
    const offSite: string[] = [];
    const page = await openPage(exchanges, offSite);
    const national = realPhone();
    const phone = `+1${national}`;

    await call(page, 'mount', 'SignUp');
    await page.locator('input[type=tel]').first().fill(national);
    let since = Date.now();
    await page.getByRole('button', { name: 'Continue' }).click();
    await typeCode(page, await readCode(t, phone, since));
    const signedUp = await signedInUser(page);
    expect(signedUp.userId).toMatch(/^user_/);
    await call(page, 'unmount', 'SignUp');

    expect((await call<{ userId: string | null }>(page, 'signOut')).userId).toBeNull();
    await call(page, 'mount', 'SignIn');
    if (DEBUG) { await page.waitForTimeout(2000); await page.screenshot({ path: '/tmp/signin.png' }); console.log((await page.locator('#component').innerHTML()).replace(/class="[^"]*"/g, '').match(/<(input|button)[^>]*>/g)); }
    await page.locator('input[type=tel]').first().fill(national);
    since = Date.now();
    await page.getByRole('button', { name: 'Continue' }).click();
    const code = await readCode(t, phone, since);
    await typeCode(page, code === '000000' ? '111111' : '000000');
    await expect.poll(() => page.locator('#component').innerText(), { timeout: 10_000 }).toMatch(/incorrect/i);
    // The wrong code was answered; the right one goes into the same field once the component re-enabled it.
    await expect.poll(() => exchanges.filter((e) => e.path.endsWith('/attempt_first_factor')).length, { timeout: 10_000 }).toBe(1);
    await typeCode(page, code);
    expect((await signedInUser(page)).userId).toBe(signedUp.userId);
    expectNoServerFailures(exchanges, offSite);
    if (DEBUG) console.log([...new Set(exchanges.map((e) => `${e.method} ${e.path.replace(/(sia|sua|sess|idn)_\w+/g, '{id}')}`))]);
  });

  it('<SignIn/> asks for the second factor by SMS once two-step is on, and takes a backup code instead', async () => {
    const exchanges: Exchange[] = [];
    const offSite: string[] = [];
    const page = await openPage(exchanges, offSite);
    const national = realPhone();
    const phone = `+1${national}`;
    await signUpWithComponent(page, national);
    await call(page, 'unmount', 'SignUp');
    // Two-step on in <UserProfile/>; the backup codes are shown this once.
    await call(page, 'mount', 'UserProfile');
    const backupCodes = await addSmsTwoStep(page, national);
    expect(backupCodes).toHaveLength(10);
    await call(page, 'unmount', 'UserProfile');
    await call(page, 'signOut');

    const signInWithFirstFactor = async () => {
      await call(page, 'mount', 'SignIn');
      await page.locator('input[type=tel]').first().fill(national);
      const sent = Date.now();
      await page.getByRole('button', { name: 'Continue' }).click();
      const firstCode = await readCode(t, phone, sent);
      // Any SMS from here on is the second step's: the first one was sent before.
      const typedAt = Date.now();
      await typeCode(page, firstCode);
      return typedAt;
    };
    const firstTyped = await signInWithFirstFactor();
    // The second step: another SMS to the number reserved for it, once the component has asked for it.
    await expect.poll(() => exchanges.some((e) => e.path.endsWith('/prepare_second_factor') && e.status === 200), { timeout: 10_000 }).toBe(true);
    const second = await readCode(t, phone, firstTyped);
    await typeCode(page, second);
    expect((await signedInUser(page)).twoFactor).toBe(true);
    await call(page, 'unmount', 'SignIn');
    await call(page, 'signOut');

    await signInWithFirstFactor();
    await page.getByText(/use another method/i).click();
    await page.getByText(/backup code/i).first().click();
    if (DEBUG) { await page.waitForTimeout(1000); await page.screenshot({ path: '/tmp/backup.png' }); console.log((await page.locator('#component').innerHTML()).replace(/class="[^"]*"/g, '').match(/<(input|button)[^>]*>/g)); }
    await page.locator('#component input').first().fill(backupCodes[0]!);
    await page.getByRole('button', { name: 'Continue' }).click();
    expect((await signedInUser(page)).twoFactor).toBe(true);
    expectNoServerFailures(exchanges, offSite);
  });

  it('<UserProfile/>: adds a number and verifies it, turns on two-step with it (backup codes shown once), makes another the default, sets a primary, removes one', async () => {
    const exchanges: Exchange[] = [];
    const offSite: string[] = [];
    const page = await openPage(exchanges, offSite);
    const firstNational = realPhone();
    const { userId } = await signUpWithComponent(page, firstNational);
    await call(page, 'unmount', 'SignUp');
    await call(page, 'mount', 'UserProfile');
    const component = page.locator('#component');
    /** The server's own view of the user, through the Backend API. */
    const stored = async () => {
      const response = await fetch(`${t.bapiUrl}/v1/users/${userId}`, { headers: { authorization: `Bearer ${t.secretKey}` } });
      const user = (await response.json()) as { primary_phone_number_id: string; two_factor_enabled: boolean; backup_code_enabled: boolean; phone_numbers: { id: string; phone_number: string; verification: { status: string } | null; reserved_for_second_factor: boolean; default_second_factor: boolean }[] };
      const byNumber = (national: string) => user.phone_numbers.find((n) => n.phone_number === `+1${national}`);
      return { user, byNumber };
    };
    /** Opens the "..." menu of the row that shows `text` (the innermost element holding it, then its nearest menu button). */
    const openMenuOf = async (text: string) => {
      const holder = `//*[contains(normalize-space(.), "${text}") and not(.//*[contains(normalize-space(.), "${text}")])]`;
      await component.locator(`xpath=${holder}/ancestor-or-self::*[.//button[@aria-label="Open menu"]][1]//button[@aria-label="Open menu"]`).first().click();
      return page.locator('[role=menu]');
    };
    await expect.poll(() => component.innerText(), { timeout: 10_000 }).toContain(shown(firstNational));

    // Add a second number on the profile page and verify it with its code.
    await component.getByText('Add phone number', { exact: true }).click();
    const secondNational = realPhone();
    await page.locator('#phoneNumber-field').fill(secondNational);
    const since = Date.now();
    await component.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => component.innerText(), { timeout: 10_000 }).toContain(`Enter the verification code sent to +1${secondNational}`);
    await typeCode(page, await readCode(t, `+1${secondNational}`, since));
    await expect.poll(async () => (await stored()).byNumber(secondNational)?.verification?.status, { timeout: 10_000 }).toBe('verified');
    await expect.poll(() => component.innerText(), { timeout: 10_000 }).not.toMatch(/Unverified/);

    // Security: two-step by SMS with the second number; the backup codes are shown this once.
    const codes = await addSmsTwoStep(page, secondNational);
    expect(codes).toHaveLength(10);
    const afterFirst = await stored();
    expect(afterFirst.user.two_factor_enabled).toBe(true);
    expect(afterFirst.user.backup_code_enabled).toBe(true);
    expect(afterFirst.byNumber(secondNational)).toMatchObject({ reserved_for_second_factor: true, default_second_factor: true });

    // The first number too (no new backup codes), then make it the default.
    expect(await addSmsTwoStep(page, firstNational)).toEqual([]);
    await expect.poll(async () => (await stored()).byNumber(firstNational)?.reserved_for_second_factor, { timeout: 10_000 }).toBe(true);
    const menu = await openMenuOf(`SMS Code ${shown(firstNational)}`);
    await menu.getByText('Set as default').click();
    await expect.poll(async () => (await stored()).byNumber(firstNational)?.default_second_factor, { timeout: 10_000 }).toBe(true);
    expect((await stored()).byNumber(secondNational)?.default_second_factor).toBe(false);

    // Profile: the second number becomes primary, then the first is removed (confirmed in the form).
    await page.getByText(/^profile$/i).first().click();
    await expect.poll(() => component.innerText(), { timeout: 10_000 }).toContain(shown(secondNational));
    await (await openMenuOf(shown(secondNational))).getByText('Set as primary').click();
    await expect.poll(async () => { const s = await stored(); return s.user.primary_phone_number_id === s.byNumber(secondNational)?.id; }, { timeout: 10_000 }).toBe(true);
    await (await openMenuOf(shown(firstNational))).getByText('Remove phone number').click();
    await component.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(async () => (await stored()).byNumber(firstNational), { timeout: 10_000 }).toBeUndefined();
    await expect.poll(() => component.innerText(), { timeout: 10_000 }).not.toContain(shown(firstNational));
    // The remaining reserved number is the default again; two-step stays on.
    const end = await stored();
    expect(end.user.two_factor_enabled).toBe(true);
    expect(end.byNumber(secondNational)).toMatchObject({ reserved_for_second_factor: true, default_second_factor: true });
    expectNoServerFailures(exchanges, offSite);
  });

  it('<UserProfile/> renders the account and its security page (active devices) with no 404 and nothing off the machine', async () => {
    const exchanges: Exchange[] = [];
    const offSite: string[] = [];
    const page = await openPage(exchanges, offSite);
    await signUpWithComponent(page, realPhone());
    await call(page, 'mount', 'UserProfile');
    await expect.poll(() => page.locator('#component').innerText(), { timeout: 10_000 }).toMatch(/\+1 \(?\d{3}/);
    await page.getByText(/^security$/i).first().click();
    await expect.poll(() => exchanges.some((e) => e.path === '/v1/me/sessions/active' && e.status === 200), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => page.locator('#component').innerText(), { timeout: 10_000 }).toMatch(/active devices/i);
    expectNoServerFailures(exchanges, offSite);
  });
});
