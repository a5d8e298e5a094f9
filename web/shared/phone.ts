import {
  AsYouType, getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode,
} from 'libphonenumber-js/min';

// Phone numbers for people: per-country formatting, the country list, as-you-type input.
// The server stays the judge of validity; this only makes numbers readable and easy to type.

export interface CountryOption {
  code: CountryCode;
  name: string;
  callingCode: string;
}

function regionNames(): Intl.DisplayNames | undefined {
  try {
    return new Intl.DisplayNames([...navigator.languages, 'en'], { type: 'region' });
  } catch {
    return undefined;
  }
}

const names = regionNames();

export function countryName(code: string): string {
  return names?.of(code) ?? code;
}

let options: CountryOption[] | undefined;

/** Every country libphonenumber knows, by name in the reader's language. */
export function countryOptions(): CountryOption[] {
  options ??= getCountries()
    .map((code) => ({ code, name: countryName(code), callingCode: getCountryCallingCode(code) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return options;
}

/** The region of the browser's language (en-GB -> GB), else the United States. */
export function defaultCountry(): CountryCode {
  const known = new Set<string>(getCountries());
  for (const language of navigator.languages) {
    const region = /-([A-Z]{2})\b/i.exec(language)?.[1]?.toUpperCase();
    if (region && known.has(region)) return region as CountryCode;
  }
  return 'US';
}

export interface DisplayPhone {
  /** International format with the country's own grouping: +44 7700 900123, +1 202 555 0143. */
  formatted: string;
  country: CountryCode | undefined;
}

export function displayPhone(e164: string): DisplayPhone {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return { formatted: e164, country: undefined };
  return { formatted: parsed.formatInternational(), country: parsed.country };
}

export interface TypedPhone {
  formatted: string;
  /** Set when the text starts with + and names a country by its calling code. */
  country: CountryCode | undefined;
}

/** Formats what has been typed so far, for the selected country unless it starts with +. */
export function formatAsYouType(text: string, country: CountryCode): TypedPhone {
  const international = text.trim().startsWith('+');
  const formatter = international ? new AsYouType() : new AsYouType(country);
  const formatted = formatter.input(text);
  return { formatted, country: international ? formatter.getCountry() : undefined };
}

/** What to send: E.164 when the text parses for the country, else + calling code + digits for the server to judge. */
export function toInternational(text: string, country: CountryCode): string {
  const parsed = parsePhoneNumberFromString(text, country);
  if (parsed) return parsed.number;
  const digits = text.replace(/\D/g, '');
  return text.trim().startsWith('+') ? `+${digits}` : `+${getCountryCallingCode(country)}${digits}`;
}
