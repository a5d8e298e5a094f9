import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SignInFactorResource, SignInResource } from '../../src/client/index.js';
import { ClerkApiError } from '../../src/client/index.js';
import type { Boot } from '../shared/boot.js';
import { useFocusAfterRender, useSecondsLeft } from '../shared/hooks.js';
import { displayPhone } from '../shared/phone.js';
import { PhoneField, phoneToSend, usePhoneValue } from '../shared/phone-field.js';
import { activeSessionId, signIns, signUps } from './api.js';
import { isDeadEnd, signInError, type SignInAction } from './messages.js';

// Signing in (phone number, its code, then the second factor when the account asks) and signing up
// (phone number and its code), on the Frontend API's own origin. A finished sign-in or sign-up
// leaves the __client cookie holding the new session, and the page goes on to the account page.

type Mode = 'sign-in' | 'sign-up';

type Step =
  | { kind: 'phone'; mode: Mode }
  | { kind: 'code'; mode: 'sign-in'; id: string; phoneNumberId: string | undefined; shown: string }
  | { kind: 'code'; mode: 'sign-up'; id: string; shown: string }
  | { kind: 'second'; id: string; method: 'phone_code' | 'backup_code'; phone: SignInFactorResource | undefined; backup: boolean };

const CODE_LENGTH = 6;

export function App({ boot }: { boot: Boot }) {
  const [checking, setChecking] = useState(true);
  const [step, setStep] = useState<Step>({ kind: 'phone', mode: 'sign-in' });
  const [phone, setPhone] = usePhoneValue();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [resendAt, setResendAt] = useState<number | null>(null);
  const [announcement, setAnnouncement] = useState('');
  /** Counts refused codes, so the code field empties after each one (even the same message twice). */
  const [refusals, setRefusals] = useState(0);
  const phoneInput = useRef<HTMLInputElement>(null);
  const focusNext = useFocusAfterRender();


  const ready = () => {
    setChecking(false);
    focusNext('#phone-number');
  };

  // Already signed in: nothing to do here.
  useEffect(() => {
    activeSessionId()
      .then((id) => { if (id) location.replace(boot.accountPath); else ready(); })
      .catch(ready);
  }, []);

  const announce = (text: string) => {
    setAnnouncement('');
    setTimeout(() => setAnnouncement(text), 50);
  };

  const go = (next: Step, focus: string) => {
    setStep(next);
    focusNext(focus);
  };

  const startOver = (mode: Mode, message: string | null) => {
    setError(message);
    setResendAt(null);
    go({ kind: 'phone', mode }, '#phone-number');
  };

  /** A step failed: the message on the current step, or back to the number when this attempt is over. */
  const failed = (caught: unknown, action: SignInAction, focus: string) => {
    const message = signInError(caught, action);
    if (isDeadEnd(caught)) {
      startOver(step.kind === 'code' && step.mode === 'sign-up' ? 'sign-up' : 'sign-in', message);
      return;
    }
    setError(message);
    setRefusals((n) => n + 1);
    focusNext(focus);
  };

  /** Sends a code; a 429 keeps the step (the code sent a moment ago still works) and starts the countdown. */
  const send = async (prepare: () => Promise<unknown>, sentTo: string, again: boolean): Promise<boolean> => {
    try {
      await prepare();
      setResendAt(Date.now() + boot.resendCooldownSeconds * 1000);
      announce(again ? `We sent a new code to ${sentTo}.` : `We sent a code to ${sentTo}.`);
      return true;
    } catch (caught) {
      if (caught instanceof ClerkApiError && caught.code === 'too_many_requests') {
        setResendAt(Date.now() + (caught.retryAfterSeconds ?? boot.resendCooldownSeconds) * 1000);
        setError(signInError(caught, 'send'));
        return true;
      }
      throw caught;
    }
  };

  const run = async (work: () => Promise<void>, action: SignInAction, focus: string) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      failed(caught, action, focus);
    } finally {
      setBusy(false);
    }
  };

  const finish = () => {
    announce('Signed in. Opening your account…');
    location.assign(boot.accountPath);
  };

  const toSecondFactor = async (signIn: SignInResource) => {
    const factors = signIn.supported_second_factors ?? [];
    const phoneFactor = factors.find((f) => f.strategy === 'phone_code' && f.default) ?? factors.find((f) => f.strategy === 'phone_code');
    const backup = factors.some((f) => f.strategy === 'backup_code');
    const next: Step = { kind: 'second', id: signIn.id, method: phoneFactor ? 'phone_code' : 'backup_code', phone: phoneFactor, backup };
    if (phoneFactor) await send(() => signIns.prepareSecond(signIn.id, phoneFactor.phone_number_id), phoneFactor.safe_identifier ?? 'your phone', false);
    go(next, next.method === 'phone_code' ? '#code' : '#backup-code');
  };

  const submitPhone = (mode: Mode) => run(async () => {
    if (!/\d/.test(phone.text)) throw new ClerkApiError(422, [{ code: 'form_param_missing', message: '', longMessage: '' }]);
    const number = phoneToSend(phone);
    const shown = displayPhone(number).formatted;
    setResendAt(null);
    if (mode === 'sign-up') {
      const signUp = await signUps.create(number);
      await send(() => signUps.prepare(signUp.id), shown, false);
      go({ kind: 'code', mode, id: signUp.id, shown }, '#code');
    } else {
      const signIn = await signIns.create(number);
      const factor = signIn.supported_first_factors?.find((f) => f.strategy === 'phone_code');
      await send(() => signIns.prepareFirst(signIn.id, factor?.phone_number_id), shown, false);
      go({ kind: 'code', mode, id: signIn.id, phoneNumberId: factor?.phone_number_id, shown }, '#code');
    }
  }, mode === 'sign-up' ? 'start-sign-up' : 'start', '#phone-number');

  const submitCode = (code: string) => run(async () => {
    if (step.kind === 'code' && step.mode === 'sign-up') {
      const signUp = await signUps.attempt(step.id, code);
      if (signUp.status === 'complete') finish();
    } else if (step.kind === 'code') {
      const signIn = await signIns.attemptFirst(step.id, code);
      if (signIn.status === 'complete') finish();
      else if (signIn.status === 'needs_second_factor') await toSecondFactor(signIn);
    } else if (step.kind === 'second') {
      const signIn = await signIns.attemptSecond(step.id, step.method, code);
      if (signIn.status === 'complete') finish();
    }
  }, step.kind === 'second' && step.method === 'backup_code' ? 'backup-code' : 'code', step.kind === 'second' && step.method === 'backup_code' ? '#backup-code' : '#code');

  const resend = () => run(async () => {
    if (step.kind === 'code' && step.mode === 'sign-up') await send(() => signUps.prepare(step.id), step.shown, true);
    else if (step.kind === 'code') await send(() => signIns.prepareFirst(step.id, step.phoneNumberId), step.shown, true);
    else if (step.kind === 'second' && step.phone) await send(() => signIns.prepareSecond(step.id, step.phone!.phone_number_id), step.phone.safe_identifier ?? 'your phone', true);
    focusNext('#code');
  }, 'send', '#code');

  const switchSecond = (method: 'phone_code' | 'backup_code') => {
    if (step.kind !== 'second') return;
    setError(null);
    go({ ...step, method }, method === 'backup_code' ? '#backup-code' : '#code');
  };

  const status = <div class="sr-only" role="status" aria-live="polite" aria-atomic="true" id="announcer">{announcement}</div>;

  if (checking) return <main id="main" class="page narrow" aria-busy="true"><p class="muted">Loading…</p>{status}</main>;

  const errorBlock = error && <p class="field-error" role="alert" id="step-error">{error}</p>;
  const described = (help: string) => (error ? `${help} step-error` : help);

  let body: ComponentChildren;
  if (step.kind === 'phone') {
    const signUp = step.mode === 'sign-up';
    body = (
      <form aria-labelledby="step-heading" noValidate onSubmit={(e) => { e.preventDefault(); void submitPhone(step.mode); }}>
        <h1 id="step-heading" tabIndex={-1}>{signUp ? 'Create an account' : `Sign in to ${boot.appName}`}</h1>
        <p class="muted small" id="phone-help">
          {signUp ? 'We will text a code to this number to make sure it is yours.' : 'We will text a code to the phone number on your account.'}
          {' '}Message and data rates may apply.
        </p>
        <PhoneField value={phone} onChange={(next) => { setPhone(next); if (error) setError(null); }} inputRef={phoneInput} describedBy={described('phone-help')} invalid={!!error} />
        {errorBlock}
        <div class="actions">
          <button type="submit" class="button primary" disabled={busy}>{busy ? 'Sending…' : 'Send code'}</button>
        </div>
        <p class="switch-mode">
          {signUp ? 'Already have an account?' : 'New here?'}{' '}
          <button type="button" class="button link" id="switch-mode" onClick={() => startOver(signUp ? 'sign-in' : 'sign-up', null)}>
            {signUp ? 'Sign in' : 'Create an account'}
          </button>
        </p>
      </form>
    );
  } else {
    const backup = step.kind === 'second' && step.method === 'backup_code';
    const sentTo = step.kind === 'code' ? step.shown : step.phone?.safe_identifier ?? 'your phone';
    const heading = step.kind === 'second' ? 'Two-step verification' : step.mode === 'sign-up' ? 'Confirm your number' : 'Enter your code';
    body = (
      <div>
        <h1 id="step-heading" tabIndex={-1}>{heading}</h1>
        {backup ? (
          <CodeForm key="backup" backup busy={busy} help="Enter one of the backup codes you saved when you turned on two-step verification. Each works once." describedBy={described('code-help')} invalid={!!error} refusals={refusals} onSubmit={submitCode}>
            {errorBlock}
          </CodeForm>
        ) : (
          <CodeForm key={`code-${step.kind}`} backup={false} busy={busy} help={`${step.kind === 'second' ? 'Your account asks for a second code. ' : ''}We texted a ${CODE_LENGTH}-digit code to ${sentTo}.`} describedBy={described('code-help')} invalid={!!error} refusals={refusals} onSubmit={submitCode}>
            {errorBlock}
            <ResendButton resendAt={resendAt} busy={busy} onResend={resend} />
          </CodeForm>
        )}
        <div class="actions">
          {step.kind === 'second' && step.method === 'phone_code' && step.backup && (
            <button type="button" class="button link" id="use-backup" onClick={() => switchSecond('backup_code')}>Use a backup code instead</button>
          )}
          {step.kind === 'second' && step.method === 'backup_code' && step.phone && (
            <button type="button" class="button link" id="use-sms" onClick={() => switchSecond('phone_code')}>Use a text message code instead</button>
          )}
          <button type="button" class="button link" id="use-another" onClick={() => startOver(step.kind === 'code' ? step.mode : 'sign-in', null)}>
            Use another number
          </button>
        </div>
      </div>
    );
  }

  return (
    <>
      <header class="topbar">
        <span class="brand"><img src="/assets/icon.svg" alt="" width="24" height="24" />{boot.appName}</span>
        {boot.inboxPath && <nav class="topbar-actions" aria-label="Development"><a href={boot.inboxPath} class="dev-link" target="_blank" rel="noopener">SMS inbox (dev)</a></nav>}
      </header>
      <main id="main" class="page narrow">
        <section class="card" aria-labelledby="step-heading">{body}</section>
      </main>
      {status}
    </>
  );
}

interface CodeProps {
  backup: boolean;
  busy: boolean;
  help: string;
  describedBy: string;
  invalid: boolean;
  refusals: number;
  onSubmit(code: string): void;
  children?: ComponentChildren;
}

/** The SMS code (6 digits, sent when the last is typed) or a backup code (letters and digits). */
function CodeForm({ backup, busy, help, describedBy, invalid, refusals, onSubmit, children }: CodeProps) {
  const [code, setCode] = useState('');
  const id = backup ? 'backup-code' : 'code';
  // A wrong code is cleared, so the next one can be typed straight away.
  useEffect(() => { if (refusals > 0) setCode(''); }, [refusals]);
  const submit = (value: string) => { if (!busy) onSubmit(value); };
  return (
    <form class="verify" aria-labelledby="step-heading" noValidate onSubmit={(e) => { e.preventDefault(); submit(code); }}>
      <p id="code-help" class="muted small">{help}</p>
      <label for={id} class="label">{backup ? 'Backup code' : 'Verification code'}</label>
      {backup ? (
        <input
          id={id} name="backup_code" class="otp" type="text" autocomplete="off" autocapitalize="none" spellcheck={false}
          value={code} aria-invalid={invalid ? 'true' : 'false'} aria-describedby={describedBy}
          onInput={(e) => setCode(e.currentTarget.value.trim())}
        />
      ) : (
        <input
          id={id} name="code" class="otp" type="text" autocomplete="one-time-code" inputMode="numeric" pattern="[0-9]*" maxLength={CODE_LENGTH}
          value={code} aria-invalid={invalid ? 'true' : 'false'} aria-describedby={describedBy}
          onInput={(e) => {
            const digits = e.currentTarget.value.replace(/\D/g, '').slice(0, CODE_LENGTH);
            e.currentTarget.value = digits;
            setCode(digits);
            if (digits.length === CODE_LENGTH) submit(digits);
          }}
        />
      )}
      {children}
      <div class="actions">
        <button type="submit" class="button primary" disabled={busy}>{busy ? 'Checking…' : 'Continue'}</button>
      </div>
    </form>
  );
}

function ResendButton({ resendAt, busy, onResend }: { resendAt: number | null; busy: boolean; onResend(): void }) {
  const secondsLeft = useSecondsLeft(resendAt);
  return (
    <p class="small resend">
      Did not get it?{' '}
      <button type="button" class="button link" id="resend" onClick={onResend} disabled={busy || secondsLeft > 0}>
        {secondsLeft > 0 ? <>Send a new code in <span class="countdown">{secondsLeft}</span> s</> : 'Send a new code'}
      </button>
    </p>
  );
}
