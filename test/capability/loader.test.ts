import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CapabilityFileError, loadCapability, parseCapability, PHONE_NUMBERS_CAPABILITY_PATH,
} from '../../src/capability/loader.js';

// The capability file: a faithful rebuild of the seed, and a loader that names the line and field of every problem.

const SEED_PATH = fileURLToPath(new URL('../../../shared/capability/clerk-frontend-api-phone-numbers.seed.txt', import.meta.url));
const text = readFileSync(PHONE_NUMBERS_CAPABILITY_PATH, 'utf8');

function problemsOf(broken: string) {
  try {
    parseCapability(broken, 'broken.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(CapabilityFileError);
    return (error as CapabilityFileError).problems;
  }
  throw new Error('the broken file loaded');
}

/** 1-based line of the first occurrence of `needle` (after `from`) in the file text. */
function lineOf(source: string, needle: string, from = 0): number {
  const at = source.indexOf(needle, from);
  expect(at, needle).toBeGreaterThanOrEqual(0);
  return source.slice(0, at).split('\n').length;
}

describe('the capability file', () => {
  it('is the seed, line for line, with its nesting restored', () => {
    if (!existsSync(SEED_PATH)) {
      console.warn(`!!! ${SEED_PATH} is missing: the seed comparison is skipped`);
      return;
    }
    // The seed lost its indentation and carries 4 lines of page chrome; nothing else may differ.
    const seedLines = readFileSync(SEED_PATH, 'utf8').split('\n').slice(4).map((l) => l.trim()).filter(Boolean);
    const fileLines = text.split('\n').map((l) => l.trim()).filter(Boolean);
    expect(fileLines).toEqual(seedLines);
  });

  it('nests every field where the Naftiko format puts it', () => {
    const raw = parse(text);
    expect(Object.keys(raw)).toEqual(['naftiko', 'info', 'binds', 'capability']);
    expect(raw.binds).toEqual([{ namespace: 'env', keys: { CLERK_PUBLISHABLE_KEY: 'CLERK_PUBLISHABLE_KEY' } }]);
    const api = raw.capability.consumes[0];
    expect(api).toMatchObject({ type: 'http', namespace: 'clerk-frontend-api-phone-numbers', baseUri: '' });
    expect(api.resources.map((r: { path: string; operations: { name: string }[] }) => [r.path, r.operations.map((o) => o.name)])).toEqual([
      ['/v1/me/phone_numbers', ['getPhoneNumbers', 'postPhoneNumbers']],
      ['/v1/me/phone_numbers/{phone_number_id}/attempt_verification', ['verifyPhoneNumber']],
      ['/v1/me/phone_numbers/{phone_number_id}/prepare_verification', ['sendVerificationSMS']],
      ['/v1/me/phone_numbers/{phone_number_id}', ['ReadPhoneNumber', 'UpdatePhoneNumber', 'DeletePhoneNumber']],
    ]);
    for (const resource of api.resources) {
      for (const operation of resource.operations) {
        expect(Object.keys(operation)).toEqual(['name', 'method', 'description', 'outputRawFormat', 'outputParameters', 'inputParameters']);
        expect(operation.outputParameters).toEqual([{ name: 'result', type: 'object', value: '$.' }]);
      }
    }
  });

  it('loads: seven operations, and the parsed structure is the file', () => {
    const capability = loadCapability();
    expect(capability.operations.map((o) => o.name)).toEqual([
      'getPhoneNumbers', 'postPhoneNumbers', 'verifyPhoneNumber', 'sendVerificationSMS', 'ReadPhoneNumber', 'UpdatePhoneNumber', 'DeletePhoneNumber',
    ]);
    // Nothing dropped, defaulted or renamed on the way in.
    expect(capability.file).toEqual(parse(text));
  });
});

describe('a broken file', () => {
  it('names the line and field of a bad value', () => {
    const broken = text.replace('method: PATCH', 'method: FETCH');
    expect(problemsOf(broken)).toEqual([{
      line: lineOf(broken, 'method: FETCH'), column: 17,
      field: 'capability.consumes[0].resources[3].operations[1].method', message: expect.stringContaining("'PATCH'"),
    }]);
  });

  it('names an unknown field at its own line', () => {
    const broken = text.replace('name: getPhoneNumbers\n        method: GET\n', 'name: getPhoneNumbers\n        method: GET\n        colour: red\n');
    expect(problemsOf(broken)).toEqual([{
      line: lineOf(broken, 'colour: red'), column: 9, field: 'capability.consumes[0].resources[0].operations[0].colour', message: 'unknown field',
    }]);
  });

  it('points a missing field at the object that lacks it', () => {
    const broken = text.replace('    namespace: clerk-frontend-api-phone-numbers\n', '');
    expect(problemsOf(broken)).toEqual([{
      line: lineOf(broken, '- type: http'), column: 5, field: 'capability.consumes[0].namespace', message: 'missing',
    }]);
  });

  it('reports every problem, in line order', () => {
    const broken = text.replace("baseUri: ''", 'baseUri: 7').replace('type: object\n          value: $.', 'type: object\n          value: result');
    const problems = problemsOf(broken);
    expect(problems.map((p) => p.field)).toEqual(['capability.consumes[0].baseUri', 'capability.consumes[0].resources[0].operations[0].outputParameters[0].value']);
    expect(problems[0]!.line).toBe(lineOf(broken, 'baseUri: 7'));
    expect(problems[1]!.line).toBe(lineOf(broken, 'value: result'));
    expect(problems[1]!.message).toMatch(/JSONPath/);
  });

  it('checks that path placeholders and path parameters agree', () => {
    const at = text.indexOf('name: verifyPhoneNumber');
    const broken = text.slice(0, at) + text.slice(at).replace('- name: phone_number_id', '- name: id');
    const problems = problemsOf(broken);
    expect(problems.map((p) => p.message)).toEqual([
      'path parameter "id" does not appear in /v1/me/phone_numbers/{phone_number_id}/attempt_verification',
      '{phone_number_id} in /v1/me/phone_numbers/{phone_number_id}/attempt_verification has no "in: path" input parameter',
    ]);
    expect(problems[0]).toMatchObject({ line: lineOf(broken, '- name: id'), field: 'capability.consumes[0].resources[1].operations[0].inputParameters[0].name' });
  });

  it('refuses a second operation of the same name', () => {
    const broken = text.replace('name: ReadPhoneNumber', 'name: getPhoneNumbers');
    expect(problemsOf(broken)).toEqual([{
      line: lineOf(broken, 'name: getPhoneNumbers', text.indexOf('name: getPhoneNumbers') + 1), column: 15,
      field: 'capability.consumes[0].resources[3].operations[0].name', message: 'operation "getPhoneNumbers" is defined twice',
    }]);
  });

  it('reports YAML syntax errors with their line', () => {
    const broken = text.replace('  label: Clerk', ' label: Clerk');
    const problems = problemsOf(broken);
    expect(problems[0]).toMatchObject({ field: '(YAML syntax)', line: lineOf(broken, ' label: Clerk') });
    expect(problemsOf('a: [1,\n')[0]!.field).toBe('(YAML syntax)');
  });

  it('puts file, line, column and field in the message', () => {
    try {
      parseCapability(text.replace('in: query', 'in: cookie'), 'caps/x.yaml');
      expect.fail('loaded');
    } catch (error) {
      expect((error as Error).message).toMatch(/^caps\/x\.yaml is not a valid capability file:\n {2}caps\/x\.yaml:\d+:\d+: capability\.consumes\[0\]\.resources\[0\]\.operations\[0\]\.inputParameters\[0\]\.in: /);
    }
  });
});
