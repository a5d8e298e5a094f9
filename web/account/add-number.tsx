import { useEffect, useRef, useState } from 'preact/hooks';
import { ClerkApiError, type PhoneNumberResource } from '../../src/client/index.js';
import { PhoneField, phoneToSend, usePhoneValue } from '../shared/phone-field.js';
import { client } from './api.js';
import { isSignedOut, plainError } from './messages.js';

// Adding a number: the shared country picker and as-you-type phone field. The server decides what
// is valid; its error codes come back here in plain language.

interface Props {
  onAdded(number: PhoneNumberResource): void;
  /** This user's own number with that value, if any: adding it again is not "in use by someone". */
  findOwn(e164: string): PhoneNumberResource | undefined;
  /** Adding a number of one's own that still waits for its code opens its verification instead. */
  onOwnPending(number: PhoneNumberResource): void;
  onCancel(): void;
  onSignedOut(message: string): void;
}

export function AddNumberForm({ onAdded, findOwn, onOwnPending, onCancel, onSignedOut }: Props) {
  const [value, setValue] = usePhoneValue();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => { input.current?.focus(); }, []);

  const submit = async () => {
    if (busy) return;
    if (!/\d/.test(value.text)) {
      setError('Enter a phone number.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    const e164 = phoneToSend(value);
    try {
      const created = await client.create(e164);
      onAdded(created);
    } catch (caught) {
      if (isSignedOut(caught)) {
        onSignedOut(plainError(caught, 'add'));
        return;
      }
      const own = caught instanceof ClerkApiError && caught.code === 'form_identifier_exists' ? findOwn(e164) : undefined;
      if (own && own.verification?.status !== 'verified') {
        onOwnPending(own);
        return;
      }
      setError(own ? 'This number is already on your account.' : plainError(caught, 'add'));
      setBusy(false);
      input.current?.focus();
    }
  };

  return (
    <form
      class="add-number"
      aria-labelledby="add-number-heading"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h3 id="add-number-heading">Add phone number</h3>
      <p class="muted small" id="add-number-help">
        We will text a verification code to this number. Message and data rates may apply.
      </p>
      <PhoneField
        value={value}
        onChange={(next) => { setValue(next); if (error) setError(null); }}
        inputRef={input}
        describedBy={error ? 'add-number-help phone-number-error' : 'add-number-help'}
        invalid={!!error}
      />
      {error && <p class="field-error" role="alert" id="phone-number-error">{error}</p>}
      <div class="actions">
        <button type="submit" class="button primary small" disabled={busy}>{busy ? 'Adding…' : 'Add and send code'}</button>
        <button type="button" class="button ghost small" onClick={onCancel} disabled={busy}>Cancel</button>
      </div>
    </form>
  );
}
