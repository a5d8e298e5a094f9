import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { buildWeb } from '../../scripts/build-web.mjs';
import { foreignRequests, launchChromium, recordedContext, until, type Recorded } from './browser.js';

// The account page and the SMS inbox in real Chromium, clicked through as a person would: demo
// sign-in, add a number, read its code in the inbox tab, verify, two-step, default, backup codes,
// removal; the errors people meet; the resend countdown; a phone-sized screen, keyboard only.

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
/** The screenshots are tracked files: a plain test run renders them but leaves the checkout clean. */
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const screenshotTimes = new Map<string, number>();

/** Renders the screenshot either way (it must not fail); writes docs/screenshots/<name> only when asked. */
async function screenshot(target: Page | Locator, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await target.screenshot({ ...options, ...(UPDATE_SCREENSHOTS ? { path: join(SCREENSHOTS, name) } : {}) });
}
/** Long enough that the 429 path below never races the clock; the phone test uses a short one. */
const COOLDOWN_SECONDS = 20;

let browser: Browser | null = null;
const servers: TestServer[] = [];
const contexts: Recorded[] = [];

/** Generous send limits: the tests send several codes to the same numbers from one address. */
async function server(cooldownSeconds: number): Promise<TestServer> {
  const t = await startTestServer({
    SMS_RESEND_COOLDOWN_SECONDS: String(cooldownSeconds),
    SMS_MAX_PER_IP_PER_HOUR: '1000', SMS_MAX_PER_USER_PER_HOUR: '100', SMS_MAX_PER_NUMBER_PER_HOUR: '50',
  });
  servers.push(t);
  return t;
}

beforeAll(async () => {
  await buildWeb();
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const name of readdirSync(SCREENSHOTS)) screenshotTimes.set(name, statSync(join(SCREENSHOTS, name)).mtimeMs);
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.allSettled(contexts.map((c) => c.context.close()));
  await browser?.close();
  await Promise.allSettled(servers.map((t) => t.close()));
});

async function context(t: TestServer, options: Parameters<typeof recordedContext>[2] = {}): Promise<Recorded> {
  const recorded = await recordedContext(browser!, t.fapiUrl, options);
  contexts.push(recorded);
  return recorded;
}


const row = (page: Page, e164: string): Locator => page.locator(`li.number[data-phone="${e164}"]`);

async function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.id ?? '');
}

/** Focus moves after the page re-renders, so wait for it to arrive. */
async function focusArrives(page: Page, id: string | null): Promise<void> {
  await until(`focus on #${id}`, async () => (await focusedId(page)) === id);
}

async function focusedText(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
}

async function signInAsDemo(page: Page): Promise<void> {
  await page.goto('/account');
  await page.getByRole('button', { name: 'Sign in as a demo user' }).click();
  await page.getByRole('heading', { name: 'Phone numbers' }).waitFor();
  await page.getByText('No phone numbers yet.').waitFor();
}

/** The newest code the inbox page shows for a number, read the way a developer would. */
async function codeFromInbox(inbox: Page, e164: string, after?: string): Promise<string> {
  return until(`a code for ${e164} in the inbox`, async () => {
    const first = inbox.locator(`li.message[data-to="${e164}"]`).first();
    if ((await first.count()) === 0) return null;
    const code = (await first.locator('mark.code').first().textContent())?.trim();
    return code && code !== after ? code : null;
  });
}

function wrongCodeFor(code: string): string {
  return code === '000000' ? '111111' : '000000';
}

describe('account page and SMS inbox in Chromium', () => {
  it('adds, verifies with the code from the inbox, reserves, makes default, shows backup codes once, and removes', async (test) => {
    if (!browser) return test.skip();
    const t = await server(COOLDOWN_SECONDS);
    const origin = new URL(t.fapiUrl).origin;
    const session = await context(t, { viewport: { width: 1100, height: 900 } });
    const page = await session.newPage();
    await signInAsDemo(page);

    // Every field has a label a screen reader reads.
    await page.getByRole('button', { name: 'Add phone number' }).click();
    await focusArrives(page, 'phone-number');
    expect(await page.evaluate(() => [...document.querySelectorAll('input, select')].every((el) => (el as HTMLInputElement).labels?.length))).toBe(true);

    // A number that cannot exist: the server's form_param_format_invalid, in plain words, on the field.
    await page.getByLabel('Country').selectOption('US');
    await page.getByLabel('Phone number', { exact: true }).fill('202 555');
    await page.getByRole('button', { name: 'Add and send code' }).click();
    const addError = page.locator('#phone-number-error');
    await addError.waitFor();
    expect(await addError.textContent()).toBe('That does not look like a valid phone number. Check the country and the digits, then try again.');
    expect(await addError.getAttribute('role')).toBe('alert');
    expect(await page.getByLabel('Phone number', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await focusArrives(page, 'phone-number');

    // As-you-type formatting for the selected country.
    const phoneInput = page.getByLabel('Phone number', { exact: true });
    await phoneInput.fill('');
    await phoneInput.pressSequentially('2025552401');
    expect(await phoneInput.inputValue()).toBe('(202) 555-2401');
    await page.getByRole('button', { name: 'Add and send code' }).click();

    const first = row(page, '+12025552401');
    await first.locator('.number-value', { hasText: '+1 202 555 2401' }).waitFor();
    expect(await first.locator('.badge').allTextContents()).toEqual(['Unverified']);
    const codeInput = first.getByLabel('Verification code');
    await codeInput.waitFor();
    await focusArrives(page, await codeInput.getAttribute('id'));
    expect(await codeInput.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await codeInput.getAttribute('inputmode')).toBe('numeric');
    // The countdown starts at once, from the cooldown the server announced, and counts down.
    const resend = first.locator('button[id^="resend-"]');
    expect(await resend.isDisabled()).toBe(true);
    const startText = (await resend.textContent())!;
    expect(startText).toMatch(/^Resend code in \d+ s$/);
    await until('the countdown to tick', async () => (await resend.textContent()) !== startText);

    // The inbox, in another tab: the message, its code highlighted, copied with one click.
    const inbox = await session.newPage();
    await inbox.goto('/dev/inbox');
    await inbox.getByText('Live: new messages appear by themselves').waitFor();
    const code = await codeFromInbox(inbox, '+12025552401');
    const message = inbox.locator('li.message[data-to="+12025552401"]').first();
    expect(await message.locator('.badge').textContent()).toBe('sent');
    expect(await message.textContent()).toContain('+1 202 555 2401');
    await message.getByRole('button', { name: /Copy code/ }).click();
    await message.getByRole('button', { name: /^Copied/ }).waitFor();
    expect(await inbox.evaluate(() => navigator.clipboard.readText())).toBe(code);
    await screenshot(inbox, 'inbox.png');

    // A wrong code: plain words, and the tries left.
    await page.bringToFront();
    await codeInput.fill(wrongCodeFor(code));
    const codeError = first.locator('[id^="code-error-"]');
    await codeError.waitFor();
    expect(await codeError.textContent()).toBe('That code is not right. Check the newest text message and try again. 4 tries left.');
    expect(await codeInput.getAttribute('aria-invalid')).toBe('true');
    expect(await codeInput.inputValue()).toBe('');

    // After a reload, Verify offers the code already sent: no new SMS (no allowance spent).
    await page.reload();
    await first.getByRole('button', { name: 'Verify +1 202 555 2401' }).click();
    await codeInput.waitFor();
    expect(await first.locator('[id^="code-hint-"]').textContent()).toBe('We texted a 6-digit code to +1 202 555 2401 earlier. Enter it here, or send a new one.');
    await focusArrives(page, await codeInput.getAttribute('id'));
    expect(await codeError.count()).toBe(0);
    expect(await inbox.locator('li.message[data-to="+12025552401"]').count()).toBe(1);
    await codeInput.fill(code);
    await first.locator('.badge', { hasText: /^Verified$/ }).waitFor();
    expect(await first.locator('.badge').allTextContents()).toEqual(['Primary', 'Verified']);
    await focusArrives(page, await first.getAttribute('id'));
    await until('the announcement', async () => (await page.locator('#announcer').textContent()) === '+1 202 555 2401 is verified.');

    // Two-step verification: the first reserved number becomes the default; backup codes, once.
    await first.getByRole('button', { name: 'Use for two-step verification +1 202 555 2401' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save your backup codes' });
    await dialog.waitFor();
    const codes = (await dialog.locator('.backup-codes code').allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{8}$/);
    await until('focus on the dialog\'s button', async () => (await focusedText(page)) === 'I have saved them');
    await dialog.getByRole('button', { name: 'Copy codes' }).click();
    await dialog.getByText('Copied the codes.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n'));
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download .txt' }).click()]);
    expect(download.suggestedFilename()).toBe('backup-codes.txt');
    const saved = readFileSync((await download.path())!, 'utf8');
    for (const c of codes) expect(saved).toContain(c);
    await screenshot(page, 'backup-codes.png');
    await dialog.getByRole('button', { name: 'I have saved them' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await first.locator('.badge').allTextContents()).toEqual(['Primary', 'Verified', 'Two-step verification', 'Default']);
    expect(await page.locator('#two-step-summary').textContent()).toContain('On');

    // A second number: verified, reserved (no codes this time), then made the default.
    await page.getByRole('button', { name: 'Add phone number' }).click();
    await page.getByLabel('Phone number', { exact: true }).fill('+1 202 555 2402');
    await page.keyboard.press('Enter');
    const second = row(page, '+12025552402');
    await second.getByLabel('Verification code').waitFor();
    const code2 = await codeFromInbox(inbox, '+12025552402');
    await screenshot(page, 'account.png');
    await second.getByLabel('Verification code').fill(code2);
    await second.getByRole('button', { name: /^Use for two-step verification/ }).click();
    await second.locator('.badge', { hasText: 'Two-step verification' }).waitFor();
    expect(await dialog.isVisible()).toBe(false);
    await second.getByRole('button', { name: 'Make default +1 202 555 2402' }).click();
    await second.locator('.badge', { hasText: 'Default' }).waitFor();
    expect(await first.locator('.badge').allTextContents()).toEqual(['Primary', 'Verified', 'Two-step verification']);
    expect(await page.locator('#two-step-summary').textContent()).toContain('+1 202 555 2402');

    // Removal asks first; Escape keeps the number, confirming removes it and focus moves on.
    await second.getByRole('button', { name: 'Remove +1 202 555 2402' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove phone number' });
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('It will no longer receive two-step verification codes.');
    await until('focus on Cancel', async () => (await focusedText(page)) === 'Cancel');
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect(await second.count()).toBe(1);
    await second.getByRole('button', { name: 'Remove +1 202 555 2402' }).click();
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await second.waitFor({ state: 'detached' });
    await focusArrives(page, 'add-number-button');
    // The default moved back to the remaining reserved number.
    expect(await first.locator('.badge').allTextContents()).toEqual(['Primary', 'Verified', 'Two-step verification', 'Default']);

    // The server agrees with what the page shows.
    await page.reload();
    await first.waitFor();
    expect(await page.locator('li.number').count()).toBe(1);

    expect(foreignRequests(session.requests, origin)).toEqual([]);
    expect(session.requests.some((u) => u.includes('/v1/me/phone_numbers'))).toBe(true);
    expect(session.requests.some((u) => u.includes('/v1/dev/sms_messages/stream'))).toBe(true);
    expect(session.problems).toEqual([]);
  });

  it('on a phone-sized screen, by keyboard alone: signs in, adds, waits out the countdown, resends, verifies', async (test) => {
    if (!browser) return test.skip();
    const t = await server(2);
    const origin = new URL(t.fapiUrl).origin;
    const session = await context(t, { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await session.newPage();
    await page.goto('/account');

    // Keyboard only: Tab to each control, Enter to press it.
    const tabTo = async (id: string, max = 12) => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        if ((await focusedId(page)) === id) return;
      }
      throw new Error(`Tab never reached #${id}`);
    };
    const tabToText = async (text: string, max = 12) => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        if ((await focusedText(page)) === text) return;
      }
      throw new Error(`Tab never reached "${text}"`);
    };
    await page.getByRole('button', { name: 'Sign in as a demo user' }).waitFor();
    await tabToText('Sign in as a demo user');
    await page.keyboard.press('Enter');
    await page.getByText('No phone numbers yet.').waitFor();
    await focusArrives(page, 'add-number-button');
    await page.keyboard.press('Enter');
    await focusArrives(page, 'phone-number');
    // Typed with a + the country follows the number.
    await page.keyboard.type('+4915123456789');
    expect(await page.getByLabel('Country').inputValue()).toBe('DE');
    expect(await page.getByLabel('Phone number', { exact: true }).inputValue()).toBe('+49 1512 3456789');
    await page.keyboard.press('Enter');

    const number = row(page, '+4915123456789');
    const codeInput = number.getByLabel('Verification code');
    await codeInput.waitFor();
    await focusArrives(page, await codeInput.getAttribute('id'));

    // Nothing is cut off or scrolls sideways at 375 px.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot(page, 'account-mobile.png', { fullPage: true });

    // The countdown runs out, Resend becomes available, and a second code goes out.
    const resend = number.locator('button[id^="resend-"]');
    await until('Resend to be enabled', async () => (await resend.textContent()) === 'Resend code' && (await resend.isEnabled()));
    const firstMessage = await latestMessage(t, '+4915123456789');
    await tabTo(await resend.getAttribute('id') as string);
    await page.keyboard.press('Enter');
    await until('the resend countdown', async () => /^Resend code in \d+ s$/.test((await resend.textContent()) ?? ''));
    const secondCode = await until('a second code', async () => {
      const latest = await latestMessage(t, '+4915123456789');
      return latest && latest.id !== firstMessage?.id ? latest.code : null;
    });
    await codeInput.focus();
    await page.keyboard.type(secondCode);
    await number.locator('.badge', { hasText: /^Verified$/ }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    // Signing out ends the session; the page offers the demo sign-in again.
    await tabToText('Sign out', 30);
    await page.keyboard.press('Enter');
    await page.getByText('You signed out.').waitFor();
    const cookie = (await session.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const afterSignOut = await fetch(`${t.fapiUrl}/v1/client`, { headers: { cookie } });
    expect(((await afterSignOut.json()) as any).response.sessions).toEqual([]);

    expect(foreignRequests(session.requests, origin)).toEqual([]);
    expect(session.problems).toEqual([]);
  });

  it('a pending number: adding it again opens its code; a resend refused because another tab just sent one is a notice whose countdown ticks', async (test) => {
    if (!browser) return test.skip();
    const t = await server(3);
    const session = await context(t, { viewport: { width: 1100, height: 900 } });
    const page = await session.newPage();
    await signInAsDemo(page);
    const e164 = '+12025552410';
    const sent = async () => (await messagesTo(t, e164)).length;

    await page.getByRole('button', { name: 'Add phone number' }).click();
    await page.getByLabel('Phone number', { exact: true }).fill('+1 202 555 2410');
    await page.keyboard.press('Enter');
    const number = row(page, e164);
    await number.getByLabel('Verification code').waitFor();
    await until('the first code', async () => (await sent()) === 1);
    await number.getByRole('button', { name: 'Cancel' }).click();

    // Adding one's own pending number again is not "already in use": its code form opens, nothing is sent.
    await page.getByRole('button', { name: 'Add phone number' }).click();
    await page.getByLabel('Phone number', { exact: true }).fill('(202) 555-2410');
    await page.keyboard.press('Enter');
    const codeInput = number.getByLabel('Verification code');
    await codeInput.waitFor();
    expect(await number.locator('[id^="code-hint-"]').textContent()).toBe('We texted a 6-digit code to +1 202 555 2410 earlier. Enter it here, or send a new one.');
    expect(await page.locator('#phone-number-error').count()).toBe(0);
    await focusArrives(page, await codeInput.getAttribute('id'));
    expect(await sent()).toBe(1);

    // A second tab sends a new code the moment the cooldown allows; this tab's resend then gets 429.
    const resend = number.locator('button[id^="resend-"]');
    await until('Resend to be enabled', async () => (await resend.isEnabled()) && (await resend.textContent()) === 'Resend code');
    const other = await session.newPage();
    await other.goto('/account');
    const otherRow = row(other, e164);
    await otherRow.getByRole('button', { name: 'Verify +1 202 555 2410' }).click();
    await until('the other tab\'s Resend', async () => (await otherRow.locator('button[id^="resend-"]').isEnabled()));
    await otherRow.locator('button[id^="resend-"]').click();
    await until('the second code', async () => (await sent()) === 2);

    await page.bringToFront();
    await resend.click();
    const notice = number.locator('[id^="code-notice-"]');
    await notice.waitFor();
    // A notice, not an error: no alert role, no error style, and the number in it counts down.
    expect(await notice.getAttribute('class')).toBe('notice small');
    expect(await notice.getAttribute('role')).toBeNull();
    expect(await number.locator('[id^="code-error-"]').count()).toBe(0);
    const before = (await notice.textContent())!;
    expect(before).toMatch(/^A code was sent recently\. Enter that code, or send a new one in \d+ s\.$/);
    await until('the notice to tick', async () => (await notice.textContent()) !== before);
    expect(await codeInput.getAttribute('aria-describedby')).toContain(await notice.getAttribute('id'));
    expect(await sent()).toBe(2);

    // The code the other tab sent verifies here.
    await codeInput.fill((await latestMessage(t, e164))!.code!);
    await number.locator('.badge', { hasText: /^Verified$/ }).waitFor();

    // One's own verified number, added again: said as such.
    await page.getByRole('button', { name: 'Add phone number' }).click();
    await page.getByLabel('Phone number', { exact: true }).fill('+1 202 555 2410');
    await page.keyboard.press('Enter');
    const addError = page.locator('#phone-number-error');
    await addError.waitFor();
    expect(await addError.textContent()).toBe('This number is already on your account.');
    expect(session.problems).toEqual([]);
  });

  // Runs last in this file: every screenshot above has been rendered by now.
  it.skipIf(UPDATE_SCREENSHOTS)('leaves the tracked screenshots untouched unless UPDATE_SCREENSHOTS=1', () => {
    expect(screenshotTimes.size).toBeGreaterThan(0);
    for (const [name, mtime] of screenshotTimes) expect(statSync(join(SCREENSHOTS, name)).mtimeMs, name).toBe(mtime);
  });
});

/** The newest message the development server sent to a number, over plain HTTP. */
/** What the development SMS provider "sent" to one number, newest first. */
async function messagesTo(t: TestServer, e164: string): Promise<{ id: string; code: string | null }[]> {
  const response = await fetch(`${t.fapiUrl}/v1/dev/sms_messages`);
  const messages = (await response.json()) as { id: string; to: string; code: string | null }[];
  return messages.filter((m) => m.to === e164);
}

async function latestMessage(t: TestServer, e164: string): Promise<{ id: string; code: string | null } | null> {
  return (await messagesTo(t, e164))[0] ?? null;
}
