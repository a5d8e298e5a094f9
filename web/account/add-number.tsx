import { useEffect, useRef, useState } from 'preact/hooks';
import type { CountryCode } from 'libphonenumber-js/min';
import { ClerkApiError, type PhoneNumberResource } from '../../src/client/index.js';
import { countryOptions, defaultCountry, formatAsYouType, toInternational } from '../shared/phone.js';
import { client } from './api.js';
import { isSignedOut, plainError } from './messages.js';

// Adding a number: a country picker and a phone field formatted as it is typed. The server
// decides what is valid; its error codes come back here in plain language.

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
  const [country, setCountry] = useState<CountryCode>(defaultCountry);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => { input.current?.focus(); }, []);

  const onInput = (field: HTMLInputElement) => {
    const text = field.value;
    if (error) setError(null);
    // Reformatting moves the caret to the end, so only do it while typing at the end; and never while
    // deleting, or a deleted space or bracket would come straight back.
    const atEnd = field.selectionStart === text.length;
    if (!atEnd || text.length < value.length) {
      setValue(text);
      return;
    }
    const typed = formatAsYouType(text, country);
    field.value = typed.formatted;
    setValue(typed.formatted);
    if (typed.country && typed.country !== country) setCountry(typed.country);
  };

  const onCountry = (code: CountryCode) => {
    setCountry(code);
    if (value && !value.trim().startsWith('+')) setValue(formatAsYouType(value.replace(/[^\d]/g, ''), code).formatted);
    if (error) setError(null);
  };

  const submit = async () => {
    if (busy) return;
    if (!/\d/.test(value)) {
      setError('Enter a phone number.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    const e164 = toInternational(value, country);
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
      <div class="phone-field">
        <div class="field country-field">
          <label class="label" for="country">Country</label>
          <select id="country" name="country" autocomplete="country" value={country} onChange={(e) => onCountry(e.currentTarget.value as CountryCode)}>
            {countryOptions().map((option) => (
              <option key={option.code} value={option.code}>{option.name} (+{option.callingCode})</option>
            ))}
          </select>
        </div>
        <div class="field phone-input-field">
          <label class="label" for="phone-number">Phone number</label>
          <input
            ref={input}
            id="phone-number"
            name="phone_number"
            type="tel"
            autocomplete="tel"
            inputMode="tel"
            value={value}
            aria-invalid={error ? 'true' : 'false'}
            aria-describedby={error ? 'add-number-help phone-number-error' : 'add-number-help'}
            onInput={(e) => onInput(e.currentTarget)}
          />
        </div>
      </div>
      {error && <p class="field-error" role="alert" id="phone-number-error">{error}</p>}
      <div class="actions">
        <button type="submit" class="button primary small" disabled={busy}>{busy ? 'Adding…' : 'Add and send code'}</button>
        <button type="button" class="button ghost small" onClick={onCancel} disabled={busy}>Cancel</button>
      </div>
    </form>
  );
}
