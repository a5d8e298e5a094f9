import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createContext, type AppContext } from '../context.js';
import { createSignInToken, createUser, DEFAULT_SIGN_IN_TOKEN_SECONDS } from '../admin/users.js';
import { NO_REQUEST } from '../operations/events.js';
import { openDatabase, prepareDatabase } from '../store/db.js';
import { ClerkError } from '../domain/errors.js';
import { collect, print } from './output.js';

// One-shot commands on the configured database: migrate, users, sign-in tokens (SMS ones: sms.ts).

export async function withContext<T>(run: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await createContext({ ...loadConfig(), outboxWorker: false, logLevel: 'silent' });
  try {
    return await run(ctx);
  } catch (error) {
    if (error instanceof ClerkError) throw new Error(`${error.code}: ${error.longMessage}`);
    throw error;
  } finally {
    await ctx.abuse.close();
    await ctx.database.close();
  }
}


export function adminCommands(program: Command): void {
  // Migrates on a bare database handle: a full context would migrate first and leave nothing to report.
  program.command('migrate').description('apply database migrations and exit').action(async () => {
    const config = loadConfig();
    const database = openDatabase(config.databaseUrl, { poolSize: 1 });
    try {
      const applied = await prepareDatabase(database);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
    } finally {
      await database.close();
    }
  });

  const users = program.command('users').description('manage users');
  users.command('create')
    .description('create a user; --phone numbers are created verified')
    .option('--phone <e164>', 'a phone number (repeatable)', collect, [])
    .option('--first-name <name>')
    .option('--last-name <name>')
    .action(async (options: { phone: string[]; firstName?: string; lastName?: string }) => {
      await withContext(async (ctx) => {
        const user = await createUser(ctx.database.db, ctx.events.for(NO_REQUEST), { phoneNumbers: options.phone, firstName: options.firstName, lastName: options.lastName }, Date.now());
        print({ id: user.id, primary_phone_number_id: user.primary_phone_number_id });
      });
    });

  program.command('sign-in-token')
    .description('make a one-time sign-in token (ticket) for a user')
    .requiredOption('--user <id>', 'the user id')
    .option('--expires-in <seconds>', 'lifetime in seconds', String(DEFAULT_SIGN_IN_TOKEN_SECONDS))
    .action(async (options: { user: string; expiresIn: string }) => {
      await withContext(async (ctx) => {
        const token = await createSignInToken(ctx.database.db, options.user, Number(options.expiresIn), Date.now());
        print({ id: token.id, user_id: token.userId, token: token.token });
      });
    });
}
