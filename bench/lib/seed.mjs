// Bulk seeding straight into the database (the SQLite file with the server stopped, or PostgreSQL): users and their phone numbers,
// in one transaction (a million rows take seconds, not hours of HTTP).
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

const USER_COLUMNS = ['id', 'external_id', 'first_name', 'last_name', 'username', 'primary_phone_number_id',
  'backup_code_digests', 'mfa_enabled_at', 'mfa_disabled_at', 'last_sign_in_at', 'created_at', 'updated_at'];
const NUMBER_COLUMNS = ['id', 'user_id', 'phone_number', 'verified_phone_number', 'reserved_for_second_factor', 'default_second_factor',
  'verification_id', 'verification_status', 'verification_strategy', 'verification_attempts', 'verification_expire_at', 'code_digest',
  'created_at', 'updated_at'];

/**
 * The rows for `users` users with `perUser` numbers each, one user at a time. `numberOf(u, k)` names the
 * k-th number of user u; `verified` numbers are stored as the Backend API creates them, the others as
 * new, unprepared numbers. Values follow USER_COLUMNS and NUMBER_COLUMNS.
 */
function* seedRows({ users, perUser, numberOf, verified, tag }) {
  const now = Date.now();
  let counter = 0;
  for (let u = 0; u < users; u++) {
    const userId = seedId('user', now, tag * 1e9 + u);
    const numberIds = [];
    for (let k = 0; k < perUser; k++) numberIds.push(seedId('idn', now, tag * 1e9 + counter++));
    const user = [userId, `${tag}-${u}`, 'Bench', null, null, verified && perUser > 0 ? numberIds[0] : null, null, null, null, null, now, now];
    // Distinct created_at per number keeps list order stable, as numbers added one by one have.
    const numbers = numberIds.map((id, k) => {
      const e164 = numberOf(u, k);
      return [id, userId, e164, verified ? e164 : null, 0, 0, null, verified ? 'verified' : null, verified ? 'admin' : null, 0, null, null, now + k, now + k];
    });
    yield { userId, numberIds, user, numbers };
  }
}

const placeholders = (count, from = 0) => Array.from({ length: count }, (_, i) => `$${from + i + 1}`).join(', ');

/**
 * Adds the users of seedRows() to the SQLite file, in one transaction with prepared statements.
 * Returns the users (ids and their numbers' ids) when `keep` is set.
 */
export function seedUsers(file, { keep = false, ...spec }) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insertUser = db.prepare(`insert into users (${USER_COLUMNS.join(', ')}) values (${USER_COLUMNS.map(() => '?').join(', ')})`);
  const insertNumber = db.prepare(`insert into phone_numbers (${NUMBER_COLUMNS.join(', ')}) values (${NUMBER_COLUMNS.map(() => '?').join(', ')})`);
  const kept = [];
  db.transaction(() => {
    for (const { userId, numberIds, user, numbers } of seedRows(spec)) {
      insertUser.run(...user);
      for (const number of numbers) insertNumber.run(...number);
      if (keep) kept.push({ userId, numberIds });
    }
  })();
  db.close();
  return kept;
}

/**
 * The same rows into PostgreSQL (`client`: a connected pg.Client whose search_path is the run's schema),
 * in one transaction, a few hundred rows per statement. Returns the users, as seedUsers does with `keep`.
 */
export async function seedUsersPostgres(client, spec) {
  const insertMany = async (table, columns, rows) => {
    for (let i = 0; i < rows.length; i += 500) {
      const batch = rows.slice(i, i + 500);
      const values = batch.map((_, r) => `(${placeholders(columns.length, r * columns.length)})`).join(', ');
      await client.query(`insert into ${table} (${columns.join(', ')}) values ${values}`, batch.flat());
    }
  };
  const kept = [];
  const users = [];
  const numbers = [];
  for (const row of seedRows(spec)) {
    kept.push({ userId: row.userId, numberIds: row.numberIds });
    users.push(row.user);
    numbers.push(...row.numbers);
  }
  await client.query('begin');
  try {
    await insertMany('users', USER_COLUMNS, users);
    await insertMany('phone_numbers', NUMBER_COLUMNS, numbers);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
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
