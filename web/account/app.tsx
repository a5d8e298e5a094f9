import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ClientResource, PhoneNumberResource, UserResource } from '../../src/client/index.js';
import { ClerkApiError } from '../../src/client/index.js';
import type { Boot } from '../shared/boot.js';
import { useFocusAfterRender } from '../shared/hooks.js';
import { displayPhone } from '../shared/phone.js';
import { AddNumberForm } from './add-number.js';
import { client, signInAsDemoUser, signOut } from './api.js';
import { BackupCodesDialog, ConfirmRemoveDialog } from './dialogs.js';
import { isSignedOut, plainError, type Action } from './messages.js';
import { NumberRow, type VerifyState } from './number-row.js';

// The account page: who is signed in, their phone numbers, and every change to them. State lives
// here; the rows, forms and dialogs below only show it and report what the person asked for.

type Auth =
  | { status: 'loading' }
  | { status: 'signed-out'; message?: string }
  | { status: 'unavailable'; message: string }
  | { status: 'signed-in'; user: UserResource; sessionId: string };

function activeSession(c: ClientResource | null) {
  return c?.sessions.find((s) => s.id === c.last_active_session_id && s.status === 'active') ?? null;
}

function userName(user: UserResource): string {
  const name = [user.first_name, user.last_name].filter(Boolean).join(' ');
  return name || user.username || user.id;
}

export function App({ boot }: { boot: Boot }) {
  const [auth, setAuth] = useState<Auth>({ status: 'loading' });
  const [numbers, setNumbers] = useState<PhoneNumberResource[]>([]);
  const [adding, setAdding] = useState(false);
  const [verifying, setVerifying] = useState<VerifyState | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({});
  const [pageError, setPageError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null);
  const [removing, setRemoving] = useState<PhoneNumberResource | null>(null);
  const [signingIn, setSigningIn] = useState(false);
  const focusNext = useFocusAfterRender();


  const announce = (text: string) => {
    // Cleared first, so the same words twice are still read out.
    setAnnouncement('');
    setTimeout(() => setAnnouncement(text), 50);
  };

  // Responses can arrive out of order (a slow reload after a quick verify): each request takes a
  // ticket, and a view older than the one already shown is dropped, so the page never steps back.
  const issued = useRef(0);
  const shown = useRef(0);
  const ticket = () => ++issued.current;
  const isNewest = (mine: number) => {
    if (mine < shown.current) return false;
    shown.current = mine;
    return true;
  };

  /** Numbers and user from the client that every wrapped response carries. */
  const syncFrom = (c: ClientResource | null, mine: number) => {
    if (!isNewest(mine)) return;
    const session = activeSession(c);
    if (!session) {
      setAuth({ status: 'signed-out', message: 'You have been signed out. Sign in again to continue.' });
      return;
    }
    setAuth({ status: 'signed-in', user: session.user, sessionId: session.id });
    setNumbers(session.user.phone_numbers);
  };

  const load = async () => {
    const mine = ticket();
    try {
      const c = await client.getClient();
      const session = activeSession(c);
      if (!session) {
        setAuth({ status: 'signed-out' });
        return;
      }
      const list = await client.list();
      if (!isNewest(mine)) return;
      setAuth({ status: 'signed-in', user: session.user, sessionId: session.id });
      setNumbers(list);
      setPageError(null);
    } catch (error) {
      setAuth(isSignedOut(error) ? { status: 'signed-out' } : { status: 'unavailable', message: plainError(error, 'load') });
    }
  };

  useEffect(() => { void load(); }, []);

  /** Runs one change to a number; errors land on its row (or sign the page out). */
  const run = async <T,>(id: string, action: Action, work: () => Promise<T>): Promise<T | undefined> => {
    setBusyId(id);
    setRowErrors(({ [id]: _dropped, ...rest }) => rest);
    const mine = ticket();
    try {
      const result = await work();
      syncFrom(client.lastClient, mine);
      return result;
    } catch (error) {
      if (isSignedOut(error)) {
        setAuth({ status: 'signed-out', message: plainError(error, action) });
      } else if (error instanceof ClerkApiError && error.code === 'resource_not_found') {
        announce(plainError(error, action));
        await load();
      } else {
        setRowErrors((errors) => ({ ...errors, [id]: plainError(error, action) }));
      }
      return undefined;
    } finally {
      setBusyId(null);
    }
  };

  const sendCode = async (number: PhoneNumberResource, why: 'first' | 'again') => {
    const shown = displayPhone(number.phone_number).formatted;
    setBusyId(number.id);
    setRowErrors(({ [number.id]: _dropped, ...rest }) => rest);
    const mine = ticket();
    try {
      await client.prepareVerification(number.id);
      syncFrom(client.lastClient, mine);
      setVerifying({ id: number.id, resendAt: Date.now() + boot.resendCooldownSeconds * 1000, error: null, note: null });
      announce(why === 'first' ? `We sent a verification code to ${shown}.` : `We sent a new code to ${shown}.`);
    } catch (error) {
      if (error instanceof ClerkApiError && error.code === 'too_many_requests') {
        // Keep the form open: the code sent a moment ago still works. Not an error: a notice whose countdown ticks.
        const wait = error.retryAfterSeconds ?? boot.resendCooldownSeconds;
        setVerifying({ id: number.id, resendAt: Date.now() + wait * 1000, error: null, note: 'sent-recently' });
      } else if (isSignedOut(error)) {
        setAuth({ status: 'signed-out', message: plainError(error, 'send') });
      } else {
        setVerifying(null);
        setRowErrors((errors) => ({ ...errors, [number.id]: plainError(error, 'send') }));
      }
    } finally {
      setBusyId(null);
    }
    focusNext(`#code-${number.id}`);
  };

  /** Verify: a code still pending is offered first (no new SMS, no allowance spent); else one is sent. */
  const openVerify = (number: PhoneNumberResource) => {
    const pending = number.verification;
    const live = pending?.status === 'unverified' && typeof pending.expire_at === 'number' && pending.expire_at > Date.now()
      && (pending.attempts ?? 0) < boot.otpMaxAttempts;
    if (!live) {
      void sendCode(number, 'first');
      return;
    }
    const sentAt = pending.expire_at! - boot.otpTtlSeconds * 1000;
    setRowErrors(({ [number.id]: _dropped, ...rest }) => rest);
    setVerifying({ id: number.id, resendAt: sentAt + boot.resendCooldownSeconds * 1000, error: null, note: 'sent-earlier' });
    announce(`Enter the code we texted to ${displayPhone(number.phone_number).formatted} earlier, or send a new one.`);
    focusNext(`#code-${number.id}`);
  };

  const checkCode = async (number: PhoneNumberResource, code: string) => {
    setBusyId(number.id);
    const mine = ticket();
    try {
      await client.attemptVerification(number.id, code);
      syncFrom(client.lastClient, mine);
      setVerifying(null);
      announce(`${displayPhone(number.phone_number).formatted} is verified.`);
      focusNext(`#number-${number.id}`);
    } catch (error) {
      if (isSignedOut(error)) {
        setAuth({ status: 'signed-out', message: plainError(error, 'verify') });
        return;
      }
      let message = plainError(error, 'verify');
      if (error instanceof ClerkApiError && error.code === 'form_code_incorrect') {
        const fresh = await client.get(number.id).catch(() => null);
        const used = fresh?.verification?.attempts;
        if (typeof used === 'number') {
          const left = Math.max(0, boot.otpMaxAttempts - used);
          message += ` ${left} ${left === 1 ? 'try' : 'tries'} left.`;
        }
      }
      setVerifying((v) => (v && v.id === number.id ? { ...v, error: message } : v));
      focusNext(`#code-${number.id}`);
    } finally {
      setBusyId(null);
    }
  };

  const reserve = async (number: PhoneNumberResource, on: boolean) => {
    const updated = await run(number.id, on ? 'reserve' : 'unreserve', () => client.update(number.id, { reservedForSecondFactor: on }));
    if (!updated) return;
    const shown = displayPhone(number.phone_number).formatted;
    if (updated.backup_codes && updated.backup_codes.length > 0) setBackupCodes(updated.backup_codes);
    announce(on ? `${shown} is now used for two-step verification.` : `${shown} is no longer used for two-step verification.`);
    focusNext(`#number-${number.id}`);
  };

  const makeDefault = async (number: PhoneNumberResource) => {
    const updated = await run(number.id, 'default', () => client.update(number.id, { defaultSecondFactor: true }));
    if (!updated) return;
    announce(`${displayPhone(number.phone_number).formatted} is now the default for two-step verification.`);
    focusNext(`#number-${number.id}`);
  };

  const remove = async (number: PhoneNumberResource) => {
    setRemoving(null);
    const done = await run(number.id, 'remove', () => client.delete(number.id));
    if (!done) {
      focusNext(`#number-${number.id}`);
      return;
    }
    if (verifying?.id === number.id) setVerifying(null);
    announce(`${displayPhone(number.phone_number).formatted} was removed.`);
    focusNext('#add-number-button');
  };

  const demoSignIn = async () => {
    setSigningIn(true);
    try {
      await signInAsDemoUser();
      await load();
      focusNext('#add-number-button');
    } catch (error) {
      setAuth({ status: 'signed-out', message: plainError(error, 'sign-in') });
    } finally {
      setSigningIn(false);
    }
  };

  const endSession = async (sessionId: string) => {
    try {
      await signOut(sessionId);
    } catch (error) {
      if (!isSignedOut(error)) {
        setPageError(plainError(error, 'sign-out'));
        return;
      }
    }
    setNumbers([]);
    setVerifying(null);
    setAdding(false);
    setAuth({ status: 'signed-out', message: 'You signed out.' });
  };

  const status = (
    <div class="sr-only" role="status" aria-live="polite" aria-atomic="true" id="announcer">{announcement}</div>
  );

  if (auth.status === 'loading') {
    return <main id="main" class="page" aria-busy="true"><p class="muted">Loading your account…</p>{status}</main>;
  }

  if (auth.status === 'unavailable') {
    return (
      <SingleCard boot={boot} status={status}>
        <p class="notice error" role="alert">{auth.message}</p>
        <button type="button" class="button primary" onClick={() => { setAuth({ status: 'loading' }); void load(); }}>Try again</button>
      </SingleCard>
    );
  }

  if (auth.status === 'signed-out') {
    return (
      <SingleCard boot={boot} status={status}>
        {auth.message && <p class="notice" role="alert">{auth.message}</p>}
        <p>Sign in to see and manage the phone numbers on your account.</p>
        <p><a class="button primary" id="sign-in-link" href={boot.signInPath}>Sign in with your phone</a></p>
        {boot.development && (
          <>
            <button type="button" class="button" onClick={demoSignIn} disabled={signingIn} aria-describedby="demo-help">
              {signingIn ? 'Signing in…' : 'Sign in as a demo user'}
            </button>
            <p id="demo-help" class="muted small">
              Development only: creates a new demo user and signs this browser in with a one-time sign-in token.
            </p>
          </>
        )}
      </SingleCard>
    );
  }

  const { user } = auth;
  const defaultNumber = numbers.find((n) => n.default_second_factor);
  return (
    <>
      <TopBar boot={boot}>
        <span class="who" title={user.id}>{userName(user)}</span>
        <button type="button" class="button ghost small" onClick={() => endSession(auth.sessionId)}>Sign out</button>
      </TopBar>
      <main id="main" class="page">
        <h1 class="page-title">Account</h1>
        <p class="muted page-subtitle">Manage the phone numbers you use to sign in and to receive codes.</p>
        {pageError && <p class="notice error" role="alert">{pageError}</p>}

        <section class="card" aria-labelledby="numbers-heading">
          <h2 id="numbers-heading">Phone numbers</h2>
          {numbers.length === 0
            ? <p class="muted" id="no-numbers">No phone numbers yet.</p>
            : (
              <ul class="numbers" aria-labelledby="numbers-heading">
                {numbers.map((number) => (
                  <NumberRow
                    key={number.id}
                    number={number}
                    isPrimary={user.primary_phone_number_id === number.id}
                    busy={busyId === number.id}
                    error={rowErrors[number.id] ?? null}
                    verifying={verifying?.id === number.id ? verifying : null}
                    onVerify={() => openVerify(number)}
                    onResend={() => sendCode(number, 'again')}
                    onSubmitCode={(code) => checkCode(number, code)}
                    onCancelVerify={() => { setVerifying(null); focusNext(`#number-${number.id}`); }}
                    onReserve={(on) => reserve(number, on)}
                    onMakeDefault={() => makeDefault(number)}
                    onRemove={() => setRemoving(number)}
                  />
                ))}
              </ul>
            )}
          {adding ? (
            <AddNumberForm
              onAdded={(created) => {
                setAdding(false);
                syncFrom(client.lastClient, ticket());
                void sendCode(created, 'first');
              }}
              findOwn={(e164) => numbers.find((n) => n.phone_number === e164)}
              onOwnPending={(number) => {
                setAdding(false);
                openVerify(number);
              }}
              onCancel={() => { setAdding(false); focusNext('#add-number-button'); }}
              onSignedOut={(message) => setAuth({ status: 'signed-out', message })}
            />
          ) : (
            <button type="button" id="add-number-button" class="button link" onClick={() => setAdding(true)}>
              <span aria-hidden="true">+ </span>Add phone number
            </button>
          )}
        </section>

        <section class="card" aria-labelledby="two-step-heading">
          <h2 id="two-step-heading">Two-step verification</h2>
          {user.two_factor_enabled ? (
            <p id="two-step-summary">
              <span class="badge ok">On</span>{' '}
              Signing in asks for a code sent by text{defaultNumber ? <> to <strong>{displayPhone(defaultNumber.phone_number).formatted}</strong></> : null}.
              {user.backup_code_enabled ? ' Backup codes are set up.' : ''}
            </p>
          ) : (
            <p id="two-step-summary" class="muted">
              Off. Verify a number, then choose “Use for two-step verification” to turn it on.
            </p>
          )}
        </section>
      </main>
      <ConfirmRemoveDialog number={removing} onCancel={() => { const n = removing; setRemoving(null); if (n) focusNext(`#remove-${n.id}`); }} onConfirm={remove} />
      <BackupCodesDialog codes={backupCodes} appName={boot.appName} onClose={() => { setBackupCodes(null); }} />
      {status}
    </>
  );
}

/** The page while nobody is signed in (or the server cannot be reached): one card under the top bar. */
function SingleCard({ boot, status, children }: { boot: Boot; status: ComponentChildren; children: ComponentChildren }) {
  return (
    <>
      <TopBar boot={boot} />
      <main id="main" class="page">
        <section class="card" aria-labelledby="card-heading">
          <h1 id="card-heading">Phone numbers</h1>
          {children}
        </section>
      </main>
      {status}
    </>
  );
}

function TopBar({ boot, children }: { boot: Boot; children?: ComponentChildren }) {
  return (
    <header class="topbar">
      <span class="brand"><img src="/assets/icon.svg" alt="" width="24" height="24" />{boot.appName}</span>
      <nav class="topbar-actions" aria-label="Account">
        {boot.inboxPath && <a href={boot.inboxPath} class="dev-link" target="_blank" rel="noopener">SMS inbox (dev)</a>}
        {children}
      </nav>
    </header>
  );
}
