// Phone numbers for the benchmark: distinct, valid North American numbers in separate ranges per use,
// so fixtures, filler and numbers created under load never collide.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Area codes whose 555-0100..0199 test numbers libphonenumber accepts (the same areas serve every range). */
export const AREAS = (() => {
  const areas = [];
  for (let area = 200; area < 1000; area++) {
    const test = parsePhoneNumberFromString(`+1${area}5550100`);
    const plain = parsePhoneNumberFromString(`+1${area}2000000`);
    if (test?.isValid() && plain?.isValid()) areas.push(area);
  }
  return areas;
})();

/** Clerk's test-mode numbers +1 XXX 555-01YY: answer code 424242 and never send an SMS. */
export function testNumber(i) {
  const area = AREAS[Math.floor(i / 100)];
  if (area === undefined) throw new Error(`only ${AREAS.length * 100} test numbers exist`);
  return `+1${area}55501${String(i % 100).padStart(2, '0')}`;
}

/** The i-th number of a range; ranges start a million numbers apart (2,000,000 = range 0). */
export function rangeNumber(range, i) {
  const local = 2_000_000 + range * 1_000_000 + Math.floor(i / AREAS.length);
  if (local >= 5_550_000 && local < 5_560_000) throw new Error('would reach the 555 test block');
  return `+1${AREAS[i % AREAS.length]}${local}`;
}

/** Types the server texts (src/domain/sms-policy.ts refuses VoIP, toll-free, personal numbers and the like). */
const TEXTABLE = new Set(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE']);

/** The first `count` numbers of a range that the server accepts as new numbers: valid and textable. */
export function validRangeNumbers(range, count) {
  const out = [];
  for (let i = 0; out.length < count; i++) {
    const e164 = rangeNumber(range, i);
    const parsed = parsePhoneNumberFromString(e164);
    if (parsed?.isValid() && TEXTABLE.has(parsed.getType())) out.push(e164);
  }
  return out;
}

export const RANGES = { readUsers: 0, filler: 1, updateUsers: 3, created: 4, deleteUsers: 5 };
