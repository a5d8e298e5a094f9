import { useEffect, useRef, useState } from 'preact/hooks';
import type { PhoneNumberResource } from '../../src/client/index.js';
import { useSecondsLeft } from '../shared/hooks.js';
import { countryName, displayPhone } from '../shared/phone.js';

// One phone number: its status badges, the actions its state allows, and the code form while it
// is being verified.

export interface VerifyState {
  id: string;
  /** When the server will take a resend (ms since epoch). */
  resendAt: number;
  error: string | null;
  /**
   * sent-earlier: the form opened on a code that is still pending (nothing new was sent);
   * sent-recently: a resend was refused (429) because a code went out moments ago.
   */
  note: 'sent-earlier' | 'sent-recently' | null;
}

interface RowProps {
  number: PhoneNumberResource;
  isPrimary: boolean;
  busy: boolean;
  error: string | null;
  verifying: VerifyState | null;
  onVerify(): void;
  onResend(): void;
  onSubmitCode(code: string): void;
  onCancelVerify(): void;
  onReserve(on: boolean): void;
  onMakeDefault(): void;
  onRemove(): void;
}

export function NumberRow(props: RowProps) {
  const { number, isPrimary, busy, error, verifying } = props;
  const shown = displayPhone(number.phone_number);
  const verified = number.verification?.status === 'verified';
  const rowId = `number-${number.id}`;
  const hidden = <span class="sr-only"> {shown.formatted}</span>;

  return (
    <li class="number" id={rowId} tabIndex={-1} aria-labelledby={`${rowId}-label`} aria-busy={busy} data-phone={number.phone_number}>
      <div class="number-head">
        <div class="number-id">
          <span class="number-value" id={`${rowId}-label`}>{shown.formatted}</span>
          {shown.country && <span class="number-country muted">{countryName(shown.country)}</span>}
        </div>
        <ul class="badges" aria-label="Status">
          {isPrimary && <li class="badge primary">Primary</li>}
          {verified ? <li class="badge ok">Verified</li> : <li class="badge warn">Unverified</li>}
          {number.reserved_for_second_factor && <li class="badge info">Two-step verification</li>}
          {number.default_second_factor && <li class="badge info">Default</li>}
        </ul>
      </div>
      {error && <p class="field-error" role="alert" id={`${rowId}-error`}>{error}</p>}
      {verifying ? (
        <VerifyForm
          number={number}
          formatted={shown.formatted}
          state={verifying}
          busy={busy}
          onSubmit={props.onSubmitCode}
          onResend={props.onResend}
          onCancel={props.onCancelVerify}
        />
      ) : (
        <div class="actions">
          {!verified && (
            <button type="button" class="button primary small" id={`verify-${number.id}`} onClick={props.onVerify} disabled={busy}>
              Verify{hidden}
            </button>
          )}
          {verified && !number.reserved_for_second_factor && (
            <button type="button" class="button small" id={`reserve-${number.id}`} onClick={() => props.onReserve(true)} disabled={busy}>
              Use for two-step verification{hidden}
            </button>
          )}
          {number.reserved_for_second_factor && !number.default_second_factor && (
            <button type="button" class="button small" id={`default-${number.id}`} onClick={props.onMakeDefault} disabled={busy}>
              Make default{hidden}
            </button>
          )}
          {number.reserved_for_second_factor && (
            <button type="button" class="button small" id={`unreserve-${number.id}`} onClick={() => props.onReserve(false)} disabled={busy}>
              Stop using for two-step{hidden}
            </button>
          )}
          <button type="button" class="button danger-text small" id={`remove-${number.id}`} onClick={props.onRemove} disabled={busy}>
            Remove{hidden}
          </button>
        </div>
      )}
    </li>
  );
}

interface VerifyProps {
  number: PhoneNumberResource;
  formatted: string;
  state: VerifyState;
  busy: boolean;
  onSubmit(code: string): void;
  onResend(): void;
  onCancel(): void;
}

const CODE_LENGTH = 6;

/** WebOTP (Chrome on Android): the browser offers the code from the SMS, and we fill it in. */
function useWebOtp(onCode: (code: string) => void): void {
  useEffect(() => {
    if (!('OTPCredential' in window)) return;
    const abort = new AbortController();
    navigator.credentials
      .get({ otp: { transport: ['sms'] }, signal: abort.signal } as CredentialRequestOptions)
      .then((credential) => {
        const code = (credential as (Credential & { code?: string }) | null)?.code;
        if (code) onCode(code);
      })
      .catch(() => { /* dismissed, aborted or unsupported: the person types the code */ });
    return () => abort.abort();
  }, []);
}

function VerifyForm({ number, formatted, state, busy, onSubmit, onResend, onCancel }: VerifyProps) {
  const [code, setCode] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const secondsLeft = useSecondsLeft(state.resendAt);
  const id = number.id;
  const described = [`code-hint-${id}`, state.error ? `code-error-${id}` : null, state.note === 'sent-recently' ? `code-notice-${id}` : null].filter(Boolean).join(' ');

  useEffect(() => { input.current?.focus(); }, []);
  // A wrong code is cleared, so the next one can be typed straight away.
  useEffect(() => { if (state.error) setCode(''); }, [state.error]);
  useWebOtp((otp) => {
    setCode(otp);
    onSubmit(otp);
  });

  const submit = (value: string) => {
    if (busy) return;
    onSubmit(value);
  };

  return (
    <form
      class="verify"
      aria-label={`Verify ${formatted}`}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        submit(code);
      }}
    >
      <p id={`code-hint-${id}`} class="muted small">
        {state.note === 'sent-earlier'
          ? <>We texted a {CODE_LENGTH}-digit code to {formatted} earlier. Enter it here, or send a new one.</>
          : <>We texted a {CODE_LENGTH}-digit code to {formatted}. Enter it here.</>}
      </p>
      <label for={`code-${id}`} class="label">Verification code</label>
      <input
        ref={input}
        id={`code-${id}`}
        name="code"
        class="otp"
        type="text"
        autocomplete="one-time-code"
        inputMode="numeric"
        pattern="[0-9]*"
        maxLength={CODE_LENGTH}
        value={code}
        aria-invalid={state.error ? 'true' : 'false'}
        aria-describedby={described}
        onInput={(event) => {
          const digits = event.currentTarget.value.replace(/\D/g, '').slice(0, CODE_LENGTH);
          event.currentTarget.value = digits;
          setCode(digits);
          // Typing (or pasting) the last digit submits, as people expect from code fields.
          if (digits.length === CODE_LENGTH) submit(digits);
        }}
      />
      {state.error && <p class="field-error" role="alert" id={`code-error-${id}`}>{state.error}</p>}
      {state.note === 'sent-recently' && (
        <p class="notice small" id={`code-notice-${id}`}>
          {secondsLeft > 0
            ? <>A code was sent recently. Enter that code, or send a new one in <span class="countdown">{secondsLeft}</span> s.</>
            : 'You can send a new code now.'}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="button primary small" disabled={busy}>{busy ? 'Checking…' : 'Verify code'}</button>
        <button type="button" class="button small" id={`resend-${id}`} onClick={onResend} disabled={busy || secondsLeft > 0}>
          {secondsLeft > 0 ? <>Resend code in <span class="countdown">{secondsLeft}</span> s</> : 'Resend code'}
        </button>
        <button type="button" class="button ghost small" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
