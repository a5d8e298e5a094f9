// Bulk seeding straight into the SQLite file, with the server stopped: users and their phone numbers,
// in one transaction with prepared statements (a million rows take seconds, not hours of HTTP).
// Rows follow src/store/migrations; ids have the server's shape (prefix + 27 base62 characters).
import Database from 'better-sqlite3';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(value, width) {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** Sortable like the server's ids; a counter instead of randomness keeps a million of them cheap. */
export function seedId(prefix, now, counter) {
  return `${prefix}_${base62(now, 8)}Bench${base62(counter, 14)}`;
}

/**
 * Adds `users` users with `perUser` numbers each. `numberOf(u, k)` names the k-th number of user u;
 * `verified` numbers are stored as the Backend API creates them, the others as new, unprepared numbers.
 * Returns the users (ids and their numbers' ids) when `keep` is set.
 */
export function seedUsers(file, { users, perUser, numberOf, verified, tag, keep = false }) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const now = Date.now();
  const insertUser = db.prepare(`insert into users (id, external_id, first_name, last_name, username, primary_phone_number_id,
    backup_code_digests, mfa_enabled_at, mfa_disabled_at, last_sign_in_at, created_at, updated_at)
    values (?, ?, 'Bench', null, null, ?, null, null, null, null, ?, ?)`);
  const insertNumber = db.prepare(`insert into phone_numbers (id, user_id, phone_number, verified_phone_number,
    reserved_for_second_factor, default_second_factor, verification_id, verification_status, verification_strategy,
    verification_attempts, verification_expire_at, code_digest, created_at, updated_at)
    values (?, ?, ?, ?, 0, 0, null, ?, ?, 0, null, null, ?, ?)`);
  const kept = [];
  let counter = 0;
  db.transaction(() => {
    for (let u = 0; u < users; u++) {
      const userId = seedId('user', now, tag * 1e9 + u);
      const numberIds = [];
      for (let k = 0; k < perUser; k++) numberIds.push(seedId('idn', now, tag * 1e9 + counter++));
      insertUser.run(userId, `${tag}-${u}`, verified && perUser > 0 ? numberIds[0] : null, now, now);
      for (let k = 0; k < perUser; k++) {
        const e164 = numberOf(u, k);
        // Distinct created_at per number keeps list order stable, as numbers added one by one have.
        insertNumber.run(numberIds[k], userId, e164, verified ? e164 : null,
          verified ? 'verified' : null, verified ? 'admin' : null, now + k, now + k);
      }
      if (keep) kept.push({ userId, numberIds });
    }
  })();
  db.close();
  return kept;
}

export function countPhoneNumbers(file) {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('select count(*) as n from phone_numbers').get().n;
  } finally {
    db.close();
  }
}
