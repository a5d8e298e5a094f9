// The peer: Better Auth's phone-number plugin on SQLite, served by its own Node handler, in production mode.
// Its sendOTP callback keeps the last code per number in memory so the harness can verify with it;
// GET /bench/codes hands them over (outside the measured endpoints).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { phoneNumber } from 'better-auth/plugins';
import { toNodeHandler } from 'better-auth/node';
import { getMigrations } from 'better-auth/db/migration';

const file = process.env.PEER_DATABASE_FILE;
const port = Number(process.env.PORT ?? 0);
if (!file) throw new Error('PEER_DATABASE_FILE is required');

const sqlite = new Database(file);
// The same durability settings our server uses on SQLite, so neither side gets a cheaper disk.
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('synchronous = NORMAL');
sqlite.pragma('foreign_keys = ON');
sqlite.pragma('busy_timeout = 5000');

const codes = new Map();

/** One unverified user per phone number, written in one transaction: verify needs a user holding the number. */
function seedUsers(phonesFile) {
  if (!phonesFile) return;
  const phones = JSON.parse(readFileSync(phonesFile, 'utf8'));
  const now = new Date().toISOString();
  const insert = sqlite.prepare(`insert or ignore into "user" ("id", "name", "email", "emailVerified", "createdAt", "updatedAt", "phoneNumber", "phoneNumberVerified")
    values (?, ?, ?, 0, ?, ?, ?, 0)`);
  sqlite.transaction(() => {
    phones.forEach((phone, i) => insert.run(`benchuser${i}`, `Bench ${i}`, `bench${i}@example.invalid`, now, now, phone));
  })();
}
const options = {
  database: sqlite,
  secret: process.env.PEER_SECRET ?? 'bench-peer-secret-0123456789abcdef0123456789',
  baseURL: `http://127.0.0.1:${port}`,
  logger: { level: 'error' },
  // The benchmark measures throughput, not the limiter, on both sides.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [phoneNumber({
    sendOTP: ({ phoneNumber: to, code }) => { codes.set(to, code); },
    allowedAttempts: 5,
  })],
};

const { runMigrations } = await getMigrations(options);
await runMigrations();
seedUsers(process.env.PEER_SEED_PHONES_FILE);
const auth = betterAuth(options);
const handler = toNodeHandler(auth);

const server = createServer((req, res) => {
  if (req.url === '/bench/codes') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(Object.fromEntries(codes)));
    return;
  }
  handler(req, res);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.once('SIGTERM', () => server.close(() => { sqlite.close(); process.exit(0); }));
