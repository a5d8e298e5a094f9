import type { Ref } from 'preact';
import { useState } from 'preact/hooks';
import type { CountryCode } from 'libphonenumber-js/min';
import { countryOptions, defaultCountry, formatAsYouType, toInternational } from './phone.js';

// A country picker and a phone field formatted as it is typed. The server decides what is valid.

export interface PhoneValue {
  country: CountryCode;
  text: string;
}

export function usePhoneValue(): [PhoneValue, (next: PhoneValue) => void] {
  const [value, setValue] = useState<PhoneValue>(() => ({ country: defaultCountry(), text: '' }));
  return [value, setValue];
}

/** What to send for the typed value: E.164 when it parses, else digits for the server to judge. */
export function phoneToSend(value: PhoneValue): string {
  return toInternational(value.text, value.country);
}

interface Props {
  value: PhoneValue;
  onChange(next: PhoneValue): void;
  inputRef: Ref<HTMLInputElement>;
  /** Ids of the help and error texts the input is described by. */
  describedBy: string;
  invalid: boolean;
  /** Field ids, unique on the page. */
  idPrefix?: string;
}

export function PhoneField({ value, onChange, inputRef, describedBy, invalid, idPrefix = '' }: Props) {
  const onInput = (field: HTMLInputElement) => {
    const text = field.value;
    // Reformatting moves the caret to the end, so only do it while typing at the end; and never while
    // deleting, or a deleted space or bracket would come straight back.
    const atEnd = field.selectionStart === text.length;
    if (!atEnd || text.length < value.text.length) {
      onChange({ ...value, text });
      return;
    }
    const typed = formatAsYouType(text, value.country);
    field.value = typed.formatted;
    onChange({ country: typed.country ?? value.country, text: typed.formatted });
  };

  const onCountry = (country: CountryCode) => {
    const text = value.text && !value.text.trim().startsWith('+') ? formatAsYouType(value.text.replace(/[^\d]/g, ''), country).formatted : value.text;
    onChange({ country, text });
  };

  return (
    <div class="phone-field">
      <div class="field country-field">
        <label class="label" for={`${idPrefix}country`}>Country</label>
        <select id={`${idPrefix}country`} name="country" autocomplete="country" value={value.country} onChange={(e) => onCountry(e.currentTarget.value as CountryCode)}>
          {countryOptions().map((option) => (
            <option key={option.code} value={option.code}>{option.name} (+{option.callingCode})</option>
          ))}
        </select>
      </div>
      <div class="field phone-input-field">
        <label class="label" for={`${idPrefix}phone-number`}>Phone number</label>
        <input
          ref={inputRef}
          id={`${idPrefix}phone-number`}
          name="phone_number"
          type="tel"
          autocomplete="tel"
          inputMode="tel"
          value={value.text}
          aria-invalid={invalid ? 'true' : 'false'}
          aria-describedby={describedBy}
          onInput={(e) => onInput(e.currentTarget)}
        />
      </div>
    </div>
  );
}
