import type { Command } from 'commander';
import { loadClientConfig } from '../config.js';
import { createInterface } from 'node:readline';
import { ClerkApiError, PhoneNumbersClient, type SignInResource } from '../client/index.js';
import { findOperation, loadCapability, PHONE_NUMBERS_CAPABILITY_PATH, type Capability } from '../capability/loader.js';
import { CapabilityInputError, runOperation } from '../capability/runner.js';
import { collect, print } from './output.js';

// `phone-numbers call <operation> --param name=value`: any operation of the capability file from the
// shell, against FAPI_URL or CLERK_PUBLISHABLE_KEY as CLERK_CLIENT_TOKEN; and `sign-in` to get that token.

/**
 * `name=value` pairs as the operation's inputs. `body.field=value` sets one form field of the body;
 * `body=<json object>` gives the whole body. Declared numbers and booleans are converted.
 */
function inputsFromParams(capability: Capability, operationName: string, params: string[]): Record<string, unknown> {
  const declared = findOperation(capability, operationName)?.operation.inputParameters ?? [];
  const inputs: Record<string, unknown> = {};
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq <= 0) throw new CapabilityInputError(`--param ${param}: expected name=value`);
    const name = param.slice(0, eq);
    const value = param.slice(eq + 1);
    const dot = name.indexOf('.');
    if (dot > 0) {
      const parent = name.slice(0, dot);
      const input = declared.find((d) => d.name === parent);
      if (input?.type !== 'object') throw new CapabilityInputError(`--param ${name}: ${parent} is not an object input of ${operationName}`);
      const body = (inputs[parent] ??= {}) as Record<string, unknown>;
      if (typeof body !== 'object') throw new CapabilityInputError(`--param ${name}: ${parent} was already given whole`);
      body[name.slice(dot + 1)] = value;
      continue;
    }
    const type = declared.find((d) => d.name === name)?.type;
    if (type === 'number' || type === 'integer') inputs[name] = value.trim() === '' ? value : Number(value);
    else if (type === 'boolean') inputs[name] = value === 'true' ? true : value === 'false' ? false : value;
    else inputs[name] = value;
  }
  return inputs;
}

function describeOperations(capability: Capability): string {
  return capability.operations.map(({ name, operation, resource }) => {
    const inputs = (operation.inputParameters ?? []).map((i) => `${i.name}${i.required ? '' : '?'} (${i.in})`).join(', ');
    return `  ${name.padEnd(22)} ${operation.method.padEnd(6)} ${resource.path}\n  ${''.padEnd(22)} ${inputs || 'no inputs'}`;
  }).join('\n');
}

export function callCommands(program: Command): void {
  program.command('call')
    .description('run an operation of the capability file against FAPI_URL or CLERK_PUBLISHABLE_KEY, as CLERK_CLIENT_TOKEN')
    .argument('[operationName]', 'e.g. postPhoneNumbers; leave out to list the operations')
    .option('--param <name=value>', 'an input (repeatable); body fields as body.phone_number=+12015550100, or body=\'{"code":"424242"}\'', collect, [])
    .option('--capability <file>', 'the capability file', PHONE_NUMBERS_CAPABILITY_PATH)
    .addHelpText('after', `
Examples:
  phone-numbers call getPhoneNumbers
  phone-numbers call postPhoneNumbers --param body.phone_number=+12015550100
  phone-numbers call sendVerificationSMS --param phone_number_id=idn_... --param body.strategy=phone_code
  phone-numbers call verifyPhoneNumber --param phone_number_id=idn_... --param body.code=424242

Prints the operation's outputs as JSON. A Clerk error goes to stderr as JSON, with exit code 1;
inputs that do not fit the operation exit with 2 before anything is sent.`)
    .action(async (operationName: string | undefined, options: { param: string[]; capability: string }) => {
      const capability = loadCapability(options.capability);
      if (!operationName) {
        process.stdout.write(`Operations in ${capability.source}:\n${describeOperations(capability)}\n`);
        return;
      }
      const target = loadClientConfig();
      try {
        const { outputs } = await runOperation(capability, operationName, inputsFromParams(capability, operationName, options.param), target);
        print(outputs);
      } catch (error) {
        if (error instanceof ClerkApiError) {
          process.stderr.write(`${JSON.stringify(error, null, 2)}\n`);
          process.exitCode = 1;
        } else if (error instanceof CapabilityInputError) {
          process.stderr.write(`phone-numbers call: ${error.message}\n`);
          process.exitCode = 2;
        } else {
          throw error;
        }
      }
    });

  program.command('sign-in')
    .description('sign in as a native app, with a phone number and the code sent to it, or with a ticket; prints the client token for CLERK_CLIENT_TOKEN')
    .option('--phone <number>', 'a verified phone number: its code is sent, then asked for on the terminal')
    .option('--ticket <ticket>', 'a sign-in token (from `phone-numbers sign-in-token`)')
    .addHelpText('after', `
Examples:
  phone-numbers sign-in --phone +12025550143      asks for the SMS code (and the second step's, if on)
  phone-numbers sign-in --ticket <token>`)
    .action(async (options: { phone?: string; ticket?: string }) => {
      if (!options.phone === !options.ticket) {
        process.stderr.write('phone-numbers sign-in: give --phone or --ticket (one of them)\n');
        process.exitCode = 2;
        return;
      }
      const client = new PhoneNumbersClient(loadClientConfig());
      try {
        const sessionId = options.ticket ? (await client.signInWithTicket(options.ticket)).sessionId : await signInByPhone(client, options.phone!);
        print({ client_token: client.token, session_id: sessionId });
      } catch (error) {
        if (!(error instanceof ClerkApiError)) throw error;
        process.stderr.write(`${JSON.stringify(error, null, 2)}\n`);
        process.exitCode = 1;
      }
    });
}

/** Asks on the terminal (stderr, so stdout keeps only the JSON answer) until a code is given. */
async function ask(lines: AsyncIterator<string>, question: string): Promise<string> {
  process.stderr.write(question);
  const { value, done } = await lines.next();
  if (done) throw new CapabilityInputError('no code was given');
  return value.trim();
}

/** A wrong code may be typed again (the server counts every try); anything else ends the sign-in. */
async function withRetries(lines: AsyncIterator<string>, question: string, attempt: (code: string) => Promise<SignInResource>): Promise<SignInResource> {
  for (;;) {
    try {
      return await attempt(await ask(lines, question));
    } catch (error) {
      if (!(error instanceof ClerkApiError) || error.code !== 'form_code_incorrect') throw error;
      process.stderr.write('That code is incorrect.\n');
    }
  }
}

/** Phone sign-in from the terminal: the code, then the second step when the user has it on. */
async function signInByPhone(client: PhoneNumbersClient, phone: string): Promise<string> {
  const terminal = createInterface({ input: process.stdin, terminal: false });
  try {
    return await signInAsking(client, phone, terminal[Symbol.asyncIterator]());
  } finally {
    terminal.close();
  }
}

async function signInAsking(client: PhoneNumbersClient, phone: string, lines: AsyncIterator<string>): Promise<string> {
  let signIn = await client.createSignIn(phone, { sendCode: true });
  const sentTo = signIn.supported_first_factors?.[0]?.safe_identifier ?? 'your phone';
  signIn = await withRetries(lines, `Code sent to ${sentTo}. Code: `, (code) => client.attemptFirstFactor(signIn.id, code));
  if (signIn.status === 'needs_second_factor') {
    const byPhone = signIn.supported_second_factors?.find((f) => f.strategy === 'phone_code');
    if (byPhone) await client.prepareSecondFactor(signIn.id, byPhone.phone_number_id);
    const question = byPhone ? `Second step: code sent to ${byPhone.safe_identifier} (or a backup code): ` : 'Second step: a backup code: ';
    signIn = await withRetries(lines, question, (code) =>
      client.attemptSecondFactor(signIn.id, code, /^\d{6}$/.test(code) && byPhone ? 'phone_code' : 'backup_code'));
  }
  if (!signIn.created_session_id) throw new Error(`The sign-in stopped at ${signIn.status}`);
  return signIn.created_session_id;
}
