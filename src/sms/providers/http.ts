import type { SendResult } from '../provider.js';

// What the HTTP providers share: one bounded POST, and one rule for which failures are worth a retry.

export interface HttpAnswer {
  status: number;
  text: string;
}

/** POSTs with a deadline; a network failure or timeout throws (the outbox treats a throw as transient). */
export function postWithDeadline(url: string, init: { headers: Record<string, string>; body: string }, timeoutMs: number): Promise<HttpAnswer> {
  return requestWithDeadline(url, { method: 'POST', ...init }, timeoutMs);
}

/** One bounded request; a network failure or timeout throws. */
export async function requestWithDeadline(
  url: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }, timeoutMs: number,
): Promise<HttpAnswer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  // Bounded: a provider's error page is not worth megabytes of memory.
  const text = (await response.text()).slice(0, 4_096);
  return { status: response.status, text };
}

/**
 * Worth retrying: the provider is down or busy (5xx, 429, 408, 425), or refused our credentials
 * (401, 403), which an operator can fix while the message waits. Any other 4xx refused this message
 * as it is, and sending it again would be refused the same way.
 */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || [401, 403, 408, 425, 429].includes(status);
}

/** Provider error texts can quote the destination number: digits runs go before they reach a log or the database. */
export function withoutNumbers(text: string): string {
  return text.replace(/\+?\d[\d\s().-]{4,}\d/g, '[number]').slice(0, 300);
}

/** A failed send: our own summary, plus the provider's words with any number taken out. */
export function failure(permanent: boolean, summary: string, providerText?: string): SendResult {
  const detail = providerText?.trim() ? `: ${withoutNumbers(providerText.trim())}` : '';
  return { ok: false, permanent, error: `${summary}${detail}` };
}
