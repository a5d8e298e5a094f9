import type { ClerkErrorsBody } from './types.js';

// The error every client method rejects with when the Frontend API answers with a non-2xx status.

export interface ClerkApiErrorEntry {
  code: string;
  message: string;
  longMessage: string;
  /** paramName names the field; lockoutExpiresInSeconds comes with user_locked (null: only an administrator unlocks). */
  meta?: { paramName?: string; lockoutExpiresInSeconds?: number | null };
}

export class ClerkApiError extends Error {
  readonly status: number;
  readonly errors: ClerkApiErrorEntry[];
  readonly clerkTraceId: string | undefined;
  /** From Retry-After on 429 answers. */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, errors: ClerkApiErrorEntry[], clerkTraceId?: string, retryAfterSeconds?: number) {
    const first = errors[0];
    super(first ? `${status} ${first.code}: ${first.longMessage || first.message}` : `HTTP ${status}`);
    this.name = 'ClerkApiError';
    this.status = status;
    this.errors = errors;
    this.clerkTraceId = clerkTraceId;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** What JSON.stringify shows: the status and Clerk's error list, no stack. */
  toJSON(): { status: number; errors: ClerkApiErrorEntry[]; clerkTraceId: string | undefined } {
    return { status: this.status, errors: this.errors, clerkTraceId: this.clerkTraceId };
  }

  /** The first error's code, e.g. `form_code_incorrect`. */
  get code(): string {
    return this.errors[0]?.code ?? 'unexpected_response';
  }
}

function isClerkErrorsBody(body: unknown): body is ClerkErrorsBody {
  return typeof body === 'object' && body !== null && Array.isArray((body as ClerkErrorsBody).errors);
}

/**
 * A non-2xx answer as a ClerkApiError. A body that is not Clerk's (a proxy's HTML page, say) still
 * yields one entry, code `unexpected_response`, so callers can always switch on `code`.
 */
export function clerkApiErrorFrom(status: number, body: unknown, retryAfter: string | null): ClerkApiError {
  const retryAfterSeconds = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
  if (!isClerkErrorsBody(body)) {
    const message = `The server answered HTTP ${status} without a Clerk error body.`;
    return new ClerkApiError(status, [{ code: 'unexpected_response', message, longMessage: message }], undefined, retryAfterSeconds);
  }
  const entries = body.errors.map((e): ClerkApiErrorEntry => {
    const entry: ClerkApiErrorEntry = { code: e.code, message: e.message, longMessage: e.long_message };
    if (e.meta?.param_name !== undefined) entry.meta = { paramName: e.meta.param_name };
    const lockout = e.meta?.lockout_expires_in_seconds;
    if (lockout === null || typeof lockout === 'number') entry.meta = { ...entry.meta, lockoutExpiresInSeconds: lockout };
    return entry;
  });
  return new ClerkApiError(status, entries, body.clerk_trace_id, retryAfterSeconds);
}
