import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCode } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { buildWeb } from '../../scripts/build-web.mjs';
import { foreignRequests, launchChromium, recordedContext, until, type Recorded } from './browser.js';

// The sign-in page in real Chromium, as a person uses it: create an account with a phone number and
// the code it receives (read from the development inbox), land on the account page signed in, sign
// out, sign in again; a wrong code, a resend refused within the cooldown, two-step verification by
// SMS and by backup code, a locked account; on a phone-sized screen by keyboard alone.

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
/** Short, so a countdown can be waited out; long enough that an immediate second send is refused. */
const COOLDOWN_SECONDS = 5;
const LOCKOUT_ATTEMPTS = 4;

let browser: Browser | null = null;
let t: TestServer;
const contexts: Recorded[] = [];

beforeAll(async () => {
  await buildWeb();
  browser = await launchChromium();
  t = await startTestServer({
    SMS_RESEND_COOLDOWN_SECONDS: String(COOLDOWN_SECONDS), USER_LOCKOUT_MAX_ATTEMPTS: String(LOCKOUT_ATTEMPTS),
    SMS_MAX_PER_IP_PER_HOUR: '1000', SMS_MAX_PER_USER_PER_HOUR: '100', SMS_MAX_PER_NUMBER_PER_HOUR: '50',
  });
});

afterAll(async () => {
  await Promise.allSettled(contexts.map((c) => c.context.close()));
  await browser?.close();
  await t?.close();
});

async function context(options: Parameters<typeof recordedContext>[2] = {}): Promise<Recorded> {
  const recorded = await recordedContext(browser!, t.fapiUrl, options);
  contexts.push(recorded);
  return recorded;
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (!UPDATE_SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
}


const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');
const focusArrives = (page: Page, id: string) => until(`focus on #${id}`, async () => (await focusedId(page)) === id);
const stepError = (page: Page) => page.locator('#step-error');
const wrongCodeFor = (code: string) => (code === '000000' ? '111111' : '000000');

let counter = 0;
/** A valid US number that is not a test-mode number (those send nothing), unique to this file. */
const freshPhone = () => `+1202555${String(6100 + counter++).padStart(4, '0')}`;
const national = (e164: string) => e164.slice(2);

/** Types the number on the phone step and asks for a code; answers when the code was asked for. */
async function enterNumber(page: Page, e164: string): Promise<number> {
  await page.getByLabel('Country').selectOption('US');
  await page.getByLabel('Phone number', { exact: true }).fill(national(e164));
  const since = Date.now();
  await page.getByRole('button', { name: 'Send code' }).click();
  return since;
}

/** The server sends one code per number per cooldown, whichever flow asks: wait it out after a send. */
async function afterCooldown(since: number): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.max(0, since + COOLDOWN_SECONDS * 1000 + 200 - Date.now())));
}

/** Signs up through the page; answers when the code was sent. */
async function signUpInBrowser(page: Page, e164: string): Promise<number> {
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByRole('heading', { name: 'Create an account' }).waitFor();
  const since = await enterNumber(page, e164);
  await page.getByRole('heading', { name: 'Confirm your number' }).waitFor();
  await page.getByLabel('Verification code').fill(await readCode(t, e164, since));
  await page.waitForURL('**/account');
  await page.locator(`li.number[data-phone="${e164}"]`).waitFor();
  return since;
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You signed out.').waitFor();
}

describe('sign-in page in Chromium', () => {
  it('signs up with a new number and its code, lands on /account signed in; signs out; signs in again after a wrong code and a refused resend', async (test) => {
    if (!browser) return test.skip();
    const origin = new URL(t.fapiUrl).origin;
    const session = await context({ viewport: { width: 1100, height: 900 } });
    const page = await session.newPage();
    const phone = freshPhone();

    // Signed out, the account page links to the sign-in page (the demo sign-in stays beside it in development).
    await page.goto('/account');
    await page.getByRole('button', { name: 'Sign in as a demo user' }).waitFor();
    await page.getByRole('link', { name: 'Sign in with your phone' }).click();
    await page.waitForURL('**/sign-in');
    await page.getByRole('heading', { name: 'Sign in to Phone Numbers' }).waitFor();
    await focusArrives(page, 'phone-number');
    const phoneInput = page.getByLabel('Phone number', { exact: true });
    expect(await phoneInput.getAttribute('autocomplete')).toBe('tel');
    expect(await page.evaluate(() => [...document.querySelectorAll('input, select')].every((el) => (el as HTMLInputElement).labels?.length))).toBe(true);

    // Nothing typed, then an unknown number: plain words, announced, on the field.
    await page.getByRole('button', { name: 'Send code' }).click();
    expect(await stepError(page).textContent()).toBe('Enter a phone number.');
    await enterNumber(page, phone);
    await until('the unknown-number message', async () => (await stepError(page).textContent()) === 'No account uses this phone number. Check the number, or create an account.');
    expect(await stepError(page).getAttribute('role')).toBe('alert');
    expect(await phoneInput.getAttribute('aria-invalid')).toBe('true');
    await focusArrives(page, 'phone-number');

    // Create an account: the number, its code (a wrong one first), then the account page, signed in.
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await focusArrives(page, 'phone-number');
    const since = await enterNumber(page, phone);
    await page.getByRole('heading', { name: 'Confirm your number' }).waitFor();
    const codeInput = page.getByLabel('Verification code');
    await focusArrives(page, 'code');
    expect(await codeInput.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await codeInput.getAttribute('inputmode')).toBe('numeric');
    expect(await page.locator('#code-help').textContent()).toContain('+1 202 555');
    const signUpCode = await readCode(t, phone, since);
    await screenshot(page, 'sign-up-code.png');
    await codeInput.fill(wrongCodeFor(signUpCode));
    await until('the wrong-code message', async () => (await stepError(page).textContent()) === 'That code is not right. Check the newest text message and try again.');
    expect(await codeInput.inputValue()).toBe('');
    await focusArrives(page, 'code');
    await codeInput.fill(signUpCode);
    await page.waitForURL('**/account');
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    const row = page.locator(`li.number[data-phone="${phone}"]`);
    expect(await row.locator('.badge').allTextContents()).toEqual(['Primary', 'Verified']);

    // Sign out, and back to the sign-in page from the account page's link.
    await signOut(page);
    await page.getByRole('link', { name: 'Sign in with your phone' }).click();
    await page.getByRole('heading', { name: 'Sign in to Phone Numbers' }).waitFor();
    await enterNumber(page, phone);
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    await focusArrives(page, 'code');

    // "Use another number", then the same number at once: the server refuses a second code within the
    // cooldown (429 with Retry-After), and the page counts down until a new one may be sent.
    await page.getByRole('button', { name: 'Use another number' }).click();
    await page.getByRole('heading', { name: 'Sign in to Phone Numbers' }).waitFor();
    await focusArrives(page, 'phone-number');
    expect(await phoneInput.inputValue()).toBe('(202) 555-' + phone.slice(-4));
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    await until('the cooldown message', async () => /^A code was sent recently\. Use that code, or send a new one in \d seconds?\.$/.test((await stepError(page).textContent()) ?? ''));
    const resend = page.locator('#resend');
    expect(await resend.isDisabled()).toBe(true);
    const startText = (await resend.textContent())!;
    expect(startText).toMatch(/^Send a new code in \d s$/);
    await until('the countdown to tick', async () => (await resend.textContent()) !== startText);
    await until('Send a new code to be enabled', async () => (await resend.textContent()) === 'Send a new code' && (await resend.isEnabled()), COOLDOWN_SECONDS * 1000 + 5000);
    const resentSince = Date.now();
    await resend.click();
    await until('the announcement', async () => (await page.locator('#announcer').textContent()) === 'We sent a new code to +1 202 555 ' + phone.slice(-4) + '.');
    const code = await readCode(t, phone, resentSince);
    await codeInput.fill(wrongCodeFor(code));
    await until('the wrong-code message', async () => (await stepError(page).textContent()) === 'That code is not right. Check the newest text message and try again.');
    await codeInput.fill(code);
    await page.waitForURL('**/account');
    await row.waitFor();

    expect(foreignRequests(session.requests, origin)).toEqual([]);
    // No code and no phone number in any URL the pages asked for.
    for (const url of session.requests) {
      expect(url).not.toContain(code);
      expect(url).not.toContain(phone.slice(2));
    }
    expect(session.problems).toEqual([]);
  });

  it('with two-step verification on, asks for a second code by SMS, and takes a backup code instead', async (test) => {
    if (!browser) return test.skip();
    const session = await context({ viewport: { width: 1100, height: 900 } });
    const page = await session.newPage();
    const phone = freshPhone();
    const signedUp = await signUpInBrowser(page, phone);

    // Two-step verification on, from the account page: the backup codes are shown once.
    const row = page.locator(`li.number[data-phone="${phone}"]`);
    await row.getByRole('button', { name: /^Use for two-step verification/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Save your backup codes' });
    await dialog.waitFor();
    const backupCodes = (await dialog.locator('.backup-codes code').allTextContents()).map((c) => c.trim());
    expect(backupCodes).toHaveLength(10);
    await dialog.getByRole('button', { name: 'I have saved them' }).click();
    await signOut(page);

    // First factor, then the second code by SMS to the same number (sent once the cooldown allows).
    await afterCooldown(signedUp);
    await page.goto('/sign-in');
    let since = await enterNumber(page, phone);
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    const first = await readCode(t, phone, since);
    await afterCooldown(since);
    since = Date.now();
    await page.getByLabel('Verification code').fill(first);
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await focusArrives(page, 'code');
    expect(await page.locator('#code-help').textContent()).toBe(`Your account asks for a second code. We texted a 6-digit code to +1******${phone.slice(-4)}.`);
    expect(page.url()).toMatch(/\/sign-in$/);
    const second = await readCode(t, phone, since);
    expect(second).not.toBe(first);
    await screenshot(page, 'sign-in-second-factor.png');
    await page.getByLabel('Verification code').fill(second);
    await page.waitForURL('**/account');
    await row.waitFor();
    await signOut(page);
    await afterCooldown(since);

    // Again, with a backup code: a wrong one is refused in plain words, a saved one signs in.
    await page.goto('/sign-in');
    since = await enterNumber(page, phone);
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    await page.getByLabel('Verification code').fill(await readCode(t, phone, since));
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await page.getByRole('button', { name: 'Use a backup code instead' }).click();
    const backupInput = page.getByLabel('Backup code');
    await focusArrives(page, 'backup-code');
    await backupInput.fill('zzzzzzzz');
    await page.getByRole('button', { name: 'Continue' }).click();
    await until('the wrong backup code message', async () => (await stepError(page).textContent()) === 'That backup code is not right. Each backup code works only once.');
    await focusArrives(page, 'backup-code');
    await backupInput.fill(backupCodes[0]!);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/account');
    await row.waitFor();
    expect(session.problems).toEqual([]);
  });

  it('a locked account says for how long', async (test) => {
    if (!browser) return test.skip();
    const session = await context();
    const page = await session.newPage();
    const phone = freshPhone();
    const signedUp = await signUpInBrowser(page, phone);
    await signOut(page);

    await afterCooldown(signedUp);
    await page.goto('/sign-in');
    const since = await enterNumber(page, phone);
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    const wrong = wrongCodeFor(await readCode(t, phone, since));
    const codeInput = page.getByLabel('Verification code');
    let message = '';
    for (let i = 0; i <= LOCKOUT_ATTEMPTS && !message.includes('locked'); i++) {
      await codeInput.fill(wrong);
      message = await until('an answer', async () => {
        const text = await stepError(page).textContent().catch(() => null);
        return text && (await codeInput.inputValue()) === '' && !(await page.getByRole('button', { name: 'Checking…' }).count()) ? text : null;
      });
    }
    expect(message).toBe('Your account is locked after too many incorrect codes. Try again in 60 minutes.');
    expect(session.problems).toEqual([]);
  });

  it('on a phone-sized screen, by keyboard alone: creates an account and lands on /account', async (test) => {
    if (!browser) return test.skip();
    const session = await context({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await session.newPage();
    const phone = freshPhone();
    await page.goto('/sign-in');
    await focusArrives(page, 'phone-number');
    const tabTo = async (id: string, max = 12) => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        if ((await focusedId(page)) === id) return;
      }
      throw new Error(`Tab never reached #${id}`);
    };
    await tabTo('switch-mode');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await focusArrives(page, 'phone-number');
    // Typed with a +, the country follows the number.
    await page.keyboard.type(phone);
    expect(await page.getByLabel('Country').inputValue()).toBe('US');
    const since = Date.now();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Confirm your number' }).waitFor();
    await focusArrives(page, 'code');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot(page, 'sign-in-mobile.png');
    await page.keyboard.type(await readCode(t, phone, since));
    await page.waitForURL('**/account');
    await page.locator(`li.number[data-phone="${phone}"]`).waitFor();
    expect(foreignRequests(session.requests, new URL(t.fapiUrl).origin)).toEqual([]);
    expect(session.problems).toEqual([]);
  });
});
