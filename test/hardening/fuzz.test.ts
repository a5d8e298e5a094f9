import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addNumber, addVerifiedNumber, bapi, createUser, fapi, readCode, signIn, type Reply } from '../helpers/fapi.js';
import { clerkErrorsProblem, rawRequest } from '../helpers/raw-http.js';

// Issue 12: a few thousand hostile requests, generated from a fixed seed, against every route of
// both APIs of a real server (the route table is read from Fastify, so a new route is fuzzed with
// no change here). Every answer must be below 500; every error a ClerkErrors body; every JSON
// success JSON. An attacker with a valid session aims at a victim's ids all along, and the victim's
// user, numbers and backup codes must come out unchanged, still usable to sign in.

const SEED = 0x12f022;
const REQUESTS = 3000;
const IN_FLIGHT = 8;

// ---- a small seeded PRNG (mulberry32), so every run sends the same requests ----

class Rng {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }
  float(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let x = this.state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.float() * n); }
  chance(p: number): boolean { return this.float() < p; }
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]!; }
  some<T>(items: readonly T[], max: number): T[] { return Array.from({ length: this.int(max + 1) }, () => this.pick(items)); }
  word(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

// ---- the route table, read from Fastify ----

interface Route { method: string; url: string }

/** Every method and path a Fastify app serves, parsed from printRoutes' tree and checked with hasRoute. */
function routeTable(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const path = (prefixes[depth - 1] ?? '') + match[2]!;
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, url: path });
  }
  return routes;
}

// ---- who is who ----

/**
 * The victim is set up once and never touched by the run. What the run itself may spend (the
 * attacker's clients, sessions, numbers, sign-in and sign-up; the users the Backend API's key may
 * delete) is renewed before each round; requests name those by these stand-ins, replaced just
 * before sending, so the seed alone still decides every request.
 */
const SLOTS = {
  tokens: ['~~t0~~', '~~t1~~', '~~t2~~'],
  sessions: ['~~s0~~', '~~s1~~', '~~s2~~'],
  /** The attacker's verified number, then its unverified one. */
  phoneIds: ['~~p0~~', '~~p1~~'],
  signIn: '~~si~~',
  signUp: '~~su~~',
  /** The attacker's two numbers, and the one it signs up with (new ones each round: a round may lose them to a sign-up). */
  phones: ['~~n0~~', '~~n1~~'],
  signUpPhone: '~~n2~~',
  bystanders: ['~~u0~~', '~~u1~~'],
  bystanderSessions: ['~~b0~~', '~~b1~~'],
};
const SLOT_PATTERN = /~~[a-z]+\d*~~/g;

/** Round r's test-mode numbers (code 424242, nothing sent): the attacker's two, and the one it signs up with. */
const roundPhones = (round: number) => [0, 1, 2].map((i) => `+1202555${String(110 + round * 3 + i).padStart(4, '0')}`);

interface Victim { userId: string; token: string; sessionId: string; clientId: string; phoneIds: string[]; phones: string[]; backupCodes: string[] }

interface Cast {
  victim: Victim;
  attackerId: string;
  /** A client with no session (the dev-browser token). */
  devBrowserToken: string;
}

// ---- hostile material ----

const FAKE_JWT_PARTS = ['eyJhbGciOiJub25lIn0', 'eyJhbGciOiJIUzI1NiJ9', 'eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLy4uLyJ9', 'e30', '', 'AAAA', '%%%'];
const fakeJwt = (rng: Rng) => `${rng.pick(FAKE_JWT_PARTS)}.${rng.pick([...FAKE_JWT_PARTS, rng.word(40)])}.${rng.word(rng.int(90))}`;

/** Path segments, already as they go on the wire (percent-encoding included). */
const SEGMENTS = ['', '.', '..', '%2e%2e', '%2E%2E%2F..%2F', '%00', 'a%00b', '%', '%zz', '%25', '%2F', '%5C', '%C3%28', '%ED%A0%80',
  '%F4%90%80%80', '%EF%BF%BF', encodeURIComponent('ü漢字🙂'), encodeURIComponent('\u202e\u0000'), 'null', 'undefined', '__proto__',
  'constructor', 'prototype', 'hasOwnProperty', '0', '-1', '1e400', '%27%20OR%201%3D1--', '%3Cscript%3E', '%7B%7D', 'idn_', 'user_',
  'sess_', 'sia_', 'x'.repeat(199), 'x'.repeat(200), 'x'.repeat(201), `idn_${'A'.repeat(250)}`, 'x'.repeat(6000), '*', '~', '$where'];
/** Segments only a raw socket sends as they are: bytes fetch would encode or normalise away. */
const RAW_SEGMENTS = ['..', '.', 'ü', '\xff\xfe', '\\..\\', '漢', '%', 'a b', '\t', '\x7f', '../../../../etc/passwd', '..;', '.%2e'];
/** Asset names to try on /assets/:name beside the hostile ones. */
const ASSET_NAMES = ['account.js', 'inbox.js', 'account.css', '..%2F..%2Fpackage.json', '..%5Cpackage.json', '.env', 'index.html'];

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** Methods fetch refuses to send, and oddities only a socket carries. */
const RAW_METHODS = ['TRACE', 'CONNECT', 'PROPFIND', 'FOO', 'get', 'M-SEARCH', 'PURGE', 'X'.repeat(40)];

const FIELDS = ['phone_number', 'reserved_for_second_factor', 'default_second_factor', 'strategy', 'code', 'identifier', 'ticket',
  'password', 'phone_number_id', 'primary_phone_number_id', 'first_name', 'last_name', 'username', 'user_id', 'expires_in_seconds',
  'external_id', 'organization_id', 'active_organization_id', 'unsafe_metadata', 'channel', 'proof_token', 'locale', 'intent',
  'email_address', 'legal_accepted', 'skip_password_checks', 'token', 'signature', 'redirect_url'];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', '__proto__[polluted]', 'constructor[prototype][polluted]',
  '__proto__.polluted', 'a[b][c]', 'phone_number[]', 'phone_number[0]', 'code[$ne]', 'hasOwnProperty', 'toString', 'valueOf', '',
  'x'.repeat(300)];
const STRINGS = ['', ' ', 'true', 'false', '1', '0', 'yes', 'no', 'on', 'TRUE', 'null', 'undefined', 'NaN', '-1', '1e309',
  '9007199254740993', '424242', '000000', '٤٢٤٢٤٢', '４２４２４２', ' 424242 ', 'phone_code', 'backup_code', 'ticket', 'password',
  'email_code', 'a\u0000b', '\u0000', 'ü漢字🙂', '\u202e', '\ud800', '%', '%00', '%zz', '{"a":1}', '[]', "' OR 1=1 --",
  '<script>alert(1)</script>', '+1', '+', '+12025550100', '+1 (202) 555-0100', '+999999999999999999', '+447911123456',
  '+882355555555', '+19005550199', '+10000000000', '12025550123', 'idn_', 'user_', 'x'.repeat(1025), 'x'.repeat(20_000)];

/** encodeURIComponent for any string: a lone surrogate goes as the bytes Buffer makes of it instead of throwing. */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

// ---- one generated request ----

type Api = 'fapi' | 'bapi';

interface Target {
  index: number;
  api: Api;
  /** The route it was generated from (the method may differ from the route's own). */
  route: string;
  transport: 'fetch' | 'raw';
  method: string;
  /** Path and query, exactly as they go on the wire. */
  url: string;
  headers: [string, string][];
  body: Buffer | undefined;
  /** Raw only: the Host header (null: none at all), and whether the body goes chunked. */
  host: string | null;
  chunked: boolean;
  /** The path the server gets names one of the victim's ids. */
  aimsAtVictim: boolean;
  /** BAPI only: it carries the valid secret key. */
  validKey: boolean;
}

/**
 * The Backend API's routes that answer without the secret key: the health check, and the metrics
 * (open on a loopback Backend API without METRICS_TOKEN, see the README's Operations). A new one
 * fails this test until it is added here, on purpose.
 */
const OPEN_BACKEND_ROUTES = new Set(['/v1/health', '/metrics']);

/**
 * The fields each route reads, so a request with one thing wrong gets past the body check to the
 * thing it tests. A route missing here (a new one) gets fields from the general list.
 */
const FIELDS_OF: Record<string, string[]> = {
  '/v1/me': ['primary_phone_number_id', 'first_name', 'unsafe_metadata'],
  '/v1/me/phone_numbers': ['phone_number', 'reserved_for_second_factor'],
  '/v1/me/phone_numbers/:phone_number_id': ['reserved_for_second_factor', 'default_second_factor'],
  '/v1/me/phone_numbers/:phone_number_id/prepare_verification': ['strategy'],
  '/v1/me/phone_numbers/:phone_number_id/attempt_verification': ['code'],
  '/v1/client/sign_ins': ['strategy', 'identifier', 'ticket'],
  '/v1/client/sign_ins/:sign_in_id/prepare_first_factor': ['strategy', 'phone_number_id'],
  '/v1/client/sign_ins/:sign_in_id/attempt_first_factor': ['strategy', 'code'],
  '/v1/client/sign_ins/:sign_in_id/prepare_second_factor': ['strategy', 'phone_number_id'],
  '/v1/client/sign_ins/:sign_in_id/attempt_second_factor': ['strategy', 'code'],
  '/v1/client/sign_ups': ['phone_number', 'strategy'],
  '/v1/client/sign_ups/:sign_up_id': ['phone_number'],
  '/v1/client/sign_ups/:sign_up_id/prepare_verification': ['strategy'],
  '/v1/client/sign_ups/:sign_up_id/attempt_verification': ['strategy', 'code'],
  '/v1/client/sessions/:session_id/touch': ['active_organization_id', 'intent'],
  '/v1/client/sessions/:session_id/tokens': ['organization_id'],
  '/v1/users': ['phone_number', 'first_name', 'last_name', 'username', 'external_id'],
  '/v1/sign_in_tokens': ['user_id', 'expires_in_seconds'],
};

/** What can be wrong with a request; each request is a plausible one with one to three of these. */
const MUTATIONS = ['method', 'auth', 'cookie', 'param', 'path', 'query', 'body', 'value', 'key', 'type', 'origin', 'header'] as const;
type Mutation = typeof MUTATIONS[number];

class Generator {
  constructor(
    private readonly rng: Rng,
    private readonly cast: Cast,
    private readonly routes: Record<Api, string[]>,
    private readonly methodsOf: Map<string, string[]>,
    private readonly secretKey: string,
    private readonly ports: Record<Api, string>,
    private readonly bodyLimit: number,
  ) {}

  private victimIds(): string[] {
    const v = this.cast.victim;
    return [v.userId, v.sessionId, v.clientId, ...v.phoneIds];
  }

  /** The request's own id for a path parameter, by the parameter's name. */
  private ownParam(name: string, api: Api): string {
    const own: Record<string, string[]> = api === 'fapi'
      ? {
        phone_number_id: SLOTS.phoneIds, session_id: SLOTS.sessions, sign_in_id: [SLOTS.signIn], sign_up_id: [SLOTS.signUp],
        name: ASSET_NAMES, template: ['default', 'supabase'],
      }
      : { user_id: SLOTS.bystanders, session_id: SLOTS.bystanderSessions };
    return this.rng.pick(own[name] ?? SEGMENTS);
  }

  /** Another value for it: the victim's ids (never with the Backend API's key: it may do anything to them), or garbage. */
  private hostileParam(api: Api, validKey: boolean, raw: boolean): string {
    const { rng } = this;
    if (rng.chance(0.45) && !(api === 'bapi' && validKey)) return rng.pick(this.victimIds());
    if (raw && rng.chance(0.3)) return rng.pick(RAW_SEGMENTS);
    if (rng.chance(0.1)) return rng.pick([...SLOTS.phoneIds, ...SLOTS.sessions, SLOTS.signIn, SLOTS.signUp]);
    return rng.pick(SEGMENTS);
  }

  private path(route: string, api: Api, validKey: boolean, raw: boolean, wrong: Set<Mutation>): string {
    const { rng } = this;
    const params = route.split('/').filter((s) => s.startsWith(':')).length;
    const wrongParam = wrong.has('param') ? rng.int(Math.max(params, 1)) : -1;
    let param = 0;
    let path = route.split('/').map((segment) => {
      if (!segment.startsWith(':')) return segment;
      return param++ === wrongParam ? this.hostileParam(api, validKey, raw) : this.ownParam(segment.slice(1), api);
    }).join('/');
    if (wrong.has('path') || (wrong.has('param') && params === 0)) {
      path = rng.pick([
        () => `${path}/`, () => `/${path}`, () => path.replace('/v1/', '/v1//'), () => path.toUpperCase(), () => `${path}/%2e%2e/%2e%2e`,
        () => `${path};jsessionid=x`, () => `${path}/${rng.pick(SEGMENTS)}`, () => `/./${path.slice(1)}`,
        () => (raw ? `${path}/../../${path.slice(1)}` : `${path}%2F..%2F`), () => `${path}${'/a'.repeat(2000)}`,
        // The Backend API's key may do anything to the victim, so only the Frontend API and a bad key get its ids.
        () => `${path}/${api === 'bapi' && validKey ? rng.pick(SEGMENTS) : rng.pick(this.victimIds())}`,
      ])();
    }
    return path;
  }

  private hostileQuery(api: Api, validKey: boolean): string[] {
    const { rng, cast } = this;
    const sessionId = () => {
      if (rng.chance(0.4) && !(api === 'bapi' && validKey)) return cast.victim.sessionId;
      return rng.chance(0.5) ? rng.pick(SLOTS.sessions) : rng.pick(SEGMENTS);
    };
    const makers = [
      () => `_method=${rng.pick(['PATCH', 'DELETE', 'PUT', 'GET', 'POST', 'HEAD', 'patch', 'OPTIONS', 'TRACE', 'FOO', '', 'PATCH,DELETE', '%00'])}`,
      () => '_method=DELETE&_method=PATCH',
      () => `_is_native=${rng.pick(['1', 'true', 'yes', '0', '', '%00'])}`,
      () => '_is_native[]=1&_is_native[]=2',
      () => `_clerk_session_id=${sessionId()}`,
      () => `_clerk_session_id=${sessionId()}&_clerk_session_id=${sessionId()}`,
      () => `_clerk_session_id[]=${sessionId()}`,
      () => `__clerk_db_jwt=${rng.pick([cast.devBrowserToken, '%', '%zz', fakeJwt(rng), '', rng.pick(SLOTS.tokens)])}`,
      () => '__proto__[polluted]=1', () => 'constructor[prototype][polluted]=1', () => '__proto__=x', () => '__proto__.polluted=1',
      () => 'a[]=1&a[]=2', () => 'a[0]=1&a[1]=2', () => 'a[b][c]=d', () => `phone_number=${percentEncode(rng.pick(STRINGS))}`,
      () => 'phone_number[]=%2B12025550100&phone_number[]=x', () => `x=${'y'.repeat(rng.pick([10, 3000, 9000]))}`,
      () => '%=%', () => '&&&', () => '=x', () => 'a=%zz', () => 'a=%00', () => `${percentEncode('ü')}=${percentEncode('漢')}`,
      () => `_clerk_js_version=${rng.word(8)}`,
    ];
    return Array.from({ length: 1 + rng.int(3) }, () => rng.pick(makers)());
  }

  private validAuth(api: Api): [string, string][] {
    const { rng } = this;
    if (api === 'bapi') return [['authorization', rng.pick([`Bearer ${this.secretKey}`, `Bearer ${this.secretKey}`, this.secretKey, `bearer  ${this.secretKey}`])]];
    const token = rng.pick(SLOTS.tokens);
    const roll = rng.float();
    if (roll < 0.6) return [['authorization', `Bearer ${token}`]];
    if (roll < 0.7) return [['authorization', token]];
    if (roll < 0.95) return [['cookie', `__client=${token}`]];
    return [['cookie', `__clerk_db_jwt=${this.cast.devBrowserToken}`]];
  }

  private hostileAuth(api: Api): [string, string][] {
    const { rng } = this;
    const token = rng.pick(SLOTS.tokens);
    const value = api === 'bapi'
      ? rng.pick([undefined, 'Bearer', 'Bearer ', `Bearer ${this.secretKey.slice(0, -1)}`, `Bearer ${this.secretKey}x`,
        `Bearer sk_test_${rng.word(40)}`, `Bearer ${fakeJwt(rng)}`, `Basic ${Buffer.from('admin:admin').toString('base64')}`,
        `Bearer ${token}`, `Bearer ${'A'.repeat(5000)}`, 'Bearer %00', `Bearer ${this.secretKey.toUpperCase()}`, `Bearer ${this.secretKey}, x`])
      : rng.pick([undefined, 'Bearer', 'Bearer ', 'Bearer  ', `Bearer ${fakeJwt(rng)}`, fakeJwt(rng), `Bearer ${'A'.repeat(600)}`,
        'Bearer %', 'Bearer null', 'Bearer undefined', `Bearer ${rng.pick(this.victimIds())}`, `Bearer ${this.secretKey}`,
        `Bearer sk_test_${rng.word(30)}`, `Basic ${Buffer.from('a:b').toString('base64')}`, `Bearer ${token}x`, `Bearer ${token}, Bearer ${token}`,
        `Bearer ${this.cast.devBrowserToken}`, `Bearer ${token.toUpperCase()}`]);
    return value === undefined ? [] : [['authorization', value]];
  }

  private hostileCookie(): [string, string] {
    const { rng } = this;
    const token = rng.pick(SLOTS.tokens);
    return ['cookie', rng.pick(['__client=%', '__client=%E0%A4%A', `__session=${fakeJwt(rng)}`, '__clerk_db_jwt=%', `__client=; __client=${token}`,
      `__client=${'x'.repeat(4000)}`, '=', ';;;', `__client=${fakeJwt(rng)}; __session=%`, `__clerk_db_jwt=${fakeJwt(rng)}`,
      `__client="${token}"`, '__client=%00', `__client=${token}%`, `__clerk_db_jwt=${fakeJwt(rng)}; __client=${token}`])];
  }

  /** Ids and numbers a body may carry; never the victim's ids next to the Backend API's key. */
  private idsAndPhones(validKey: boolean): string[] {
    return [...SLOTS.phoneIds, ...SLOTS.phones, ...this.cast.victim.phones, ...SLOTS.bystanders, ...(validKey ? [] : this.victimIds())];
  }

  /** A value that fits the field: what a client could well send. */
  private plausible(field: string, validKey: boolean): unknown {
    const { rng, cast } = this;
    switch (field) {
      case 'phone_number':
      case 'identifier':
        return rng.pick([...SLOTS.phones, ...cast.victim.phones, SLOTS.signUpPhone, '+12025550150', `+1202555${4300 + rng.int(600)}`,
          '+1 (202) 555-0145', '+447911123456', '+4915123456789']);
      case 'code':
        return rng.pick(['424242', '424242', rng.word(6, '0123456789'), rng.word(8, 'abcdefghijklmnopqrstuvwxyz0123456789')]);
      case 'strategy':
        return rng.pick(['phone_code', 'phone_code', 'phone_code', 'ticket', 'backup_code']);
      case 'reserved_for_second_factor':
      case 'default_second_factor':
        return rng.pick(['true', 'false', true, false]);
      case 'phone_number_id':
      case 'primary_phone_number_id':
        return rng.pick(validKey ? SLOTS.phoneIds : [...SLOTS.phoneIds, ...cast.victim.phoneIds]);
      case 'user_id':
        return rng.pick(SLOTS.bystanders);
      case 'expires_in_seconds':
        return rng.pick(['60', 60, '1', 3600]);
      default:
        return rng.pick(['', rng.word(8)]);
    }
  }

  private hostileValue(validKey: boolean, depth = 0): unknown {
    const { rng } = this;
    const roll = rng.float();
    if (roll < 0.45 || depth > 3) return rng.pick([...STRINGS, ...this.idsAndPhones(validKey)]);
    if (roll < 0.55) return rng.pick([0, -1, 1, 1.5, 1e308, -0, 2 ** 53 + 2, 424242, 315_360_001]);
    if (roll < 0.65) return rng.pick([true, false, null]);
    if (roll < 0.8) return rng.some([...STRINGS.slice(0, 12), 1, true, null], 4).map((v) => (rng.chance(0.2) ? this.hostileValue(validKey, depth + 1) : v));
    const object: Record<string, unknown> = {};
    for (let i = rng.int(4); i > 0; i--) object[rng.pick([...FIELDS, ...HOSTILE_KEYS])] = this.hostileValue(validKey, depth + 1);
    return object;
  }

  private fields(route: string, validKey: boolean, wrong: Set<Mutation>): [string, unknown][] {
    const { rng } = this;
    const names = FIELDS_OF[route] ?? (rng.chance(0.5) ? [] : FIELDS);
    const fields: [string, unknown][] = names.filter(() => rng.chance(wrong.size ? 0.7 : 0.9)).map((name) => [name, this.plausible(name, validKey)]);
    if (wrong.has('value')) {
      const name = fields.length && rng.chance(0.8) ? fields[rng.int(fields.length)]![0] : rng.pick(FIELDS);
      fields.push([name, this.hostileValue(validKey)]);
    }
    if (wrong.has('key')) fields.splice(rng.int(fields.length + 1), 0, [rng.pick(HOSTILE_KEYS), this.hostileValue(validKey)]);
    return fields;
  }

  private wrongType(): string {
    return this.rng.pick(['text/plain', 'text/html', 'application/xml', 'multipart/form-data; boundary=x', 'multipart/form-data',
      'application/octet-stream', '', ';;;', 'application/json, text/plain', 'application/vnd.api+json', 'application/x-www-form-urlencoded;;',
      'application/json; charset=utf-16', 'application/json; charset=latin1', 'APPLICATION/JSON', 'Application/X-WWW-Form-Urlencoded',
      'application/x-www-form-urlencoded; charset=iso-8859-1', 'application/json; boundary=--', 'image/png', '*/*', 'application/*']);
  }

  /** A form or JSON body of the route's fields; `wrong` says what to spoil in it. */
  private plausibleBody(route: string, validKey: boolean, wrong: Set<Mutation>): { body: Buffer; type: string } {
    const { rng } = this;
    const fields = this.fields(route, validKey, wrong);
    if (rng.chance(0.6)) {
      const pairs = fields.map(([key, value]) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
        const encode = (s: string) => (wrong.has('value') && rng.chance(0.1) ? s.replace(/[&=]/g, '') : percentEncode(s));
        return `${encode(key)}=${encode(text)}`;
      });
      if (wrong.has('value') && rng.chance(0.3)) {
        pairs.push(rng.pick(['phone_number=%C3%28', 'code=%', 'strategy=%zz', 'a=%00', '%ff%fe=1', 'code=1&code=2',
          'reserved_for_second_factor=true&reserved_for_second_factor=false', 'phone_number[]=1&phone_number[]=2', '&&==&&', 'code[]=424242']));
      }
      const type = rng.pick(['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8', 'application/x-www-form-urlencoded;charset=utf-8']);
      return { body: Buffer.from(pairs.join('&'), 'utf8'), type };
    }
    const type = rng.pick(['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8']);
    return { body: Buffer.from(JSON.stringify(Object.fromEntries(fields)), 'utf8'), type };
  }

  /** A body that is wrong as a whole: not an object, not JSON, not UTF-8, too big, or poisoned. */
  private hostileBody(validKey: boolean): { body: Buffer; type: string } {
    const { rng } = this;
    const json = rng.chance(0.6);
    const text: string | Buffer = json
      ? rng.pick([
        () => JSON.stringify(this.hostileValue(validKey)),
        () => JSON.stringify(this.hostileValue(validKey)),
        () => '{"__proto__":{"polluted":"yes"},"phone_number":"+12025550100"}',
        () => '{"constructor":{"prototype":{"polluted":"yes"}}}',
        () => '{"phone_number":"+12025550100","phone_number":{"$gt":""}}',
        () => `${'['.repeat(5000)}${']'.repeat(5000)}`,
        () => `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
        () => '\ufeff{"strategy":"phone_code"}',
        () => rng.pick(['{', '{"a":}', "{'a':1}", 'NaN', '', ' ', 'null', 'true', '1', '"x"', '[]', '{"a":1}}', '{"a":"\u0000"}']),
        () => Buffer.concat([Buffer.from('{"code":"'), Buffer.from([0xc3, 0x28, 0xff, 0x00]), Buffer.from('"}')]),
      ])()
      : rng.pick([
        () => Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0xc3, 0x28]),
        () => 'x'.repeat(this.bodyLimit + 10),
        () => `phone_number=${'1'.repeat(this.bodyLimit)}`,
        () => '--x\r\nContent-Disposition: form-data; name="code"\r\n\r\n424242\r\n--x--\r\n',
        () => '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>',
        () => `phone_number=${'%'.repeat(3000)}`,
        () => Buffer.from('strategy=phone_code&code=\u0000424242', 'utf8'),
        () => `${'a=1&'.repeat(2000)}`,
      ])();
    const type = rng.chance(0.8) ? (json ? 'application/json' : 'application/x-www-form-urlencoded') : this.wrongType();
    return { body: typeof text === 'string' ? Buffer.from(text, 'utf8') : text, type };
  }

  private hostileHeader(api: Api): [string, string] {
    return this.rng.pick<[string, string]>([
      ['x-forwarded-for', '1.2.3.4, 127.0.0.1'], ['x-forwarded-for', 'garbage, , ,'], ['x-forwarded-host', 'evil.test'],
      ['x-forwarded-proto', 'gopher'], ['x-http-method-override', 'DELETE'], ['accept-encoding', 'gzip, br, *'],
      ['if-none-match', '*'], ['if-none-match', '"x", W/"y"'], ['access-control-request-headers', 'x-a, x-b'],
      ['access-control-request-method', 'DELETE'], ['content-encoding', 'gzip'], ['accept', 'text/html'], ['range', 'bytes=0-1'],
      ['x-clerk-auth-status', 'signed-in'], ['user-agent', 'x'.repeat(2000)], ['authorization-x', 'Bearer x'],
      ['x-original-url', `/v1/users/${this.cast.victim.userId}`], ['x-rewrite-url', '/v1/me'], ['expect', 'x-nonsense'],
      ['forwarded', `for=1.2.3.4;host=evil.test;proto=https`], ['host-x', `localhost:${this.ports[api]}`], ['x-ünicode', 'ü'],
      ['x-long', 'y'.repeat(8000)],
    ]);
  }

  private origin(api: Api, hostile: boolean): string | undefined {
    const { rng } = this;
    if (!hostile) return rng.chance(0.2) ? `http://localhost:${this.ports[api]}` : undefined;
    return rng.pick(['http://evil.test', 'null', 'http://localhost:1', 'ht!tp://x', 'http://localhost.evil.test', `http://127.0.0.1:${this.ports[api]}`,
      'file://', 'x'.repeat(600), `https://localhost:${this.ports[api]}`, `http://localhost:${this.ports[api]}/`, 'http://[::1', 'http://ü.test']);
  }

  next(index: number): Target {
    const { rng } = this;
    const api: Api = rng.chance(0.7) ? 'fapi' : 'bapi';
    const route = rng.pick(this.routes[api]);
    // Most requests are plausible but for one to three things; some are wrong in every way at once, and
    // some are right (they move the attacker's sign-ins, numbers and sessions on, for the others to meet).
    const roll = rng.float();
    const wrong = new Set<Mutation>(roll < 0.1 ? MUTATIONS : roll < 0.3 ? [] : Array.from({ length: 1 + rng.int(3) }, () => rng.pick(MUTATIONS)));
    // An event stream never ends by itself, and the raw helper reads an answer to its end.
    let transport: 'fetch' | 'raw' = rng.chance(0.3) && !route.endsWith('/stream') ? 'raw' : 'fetch';
    const raw = transport === 'raw';

    let method = wrong.has('method') ? (raw && rng.chance(0.3) ? rng.pick(RAW_METHODS) : rng.pick(METHODS)) : rng.pick(this.methodsOf.get(`${api} ${route}`)!);
    const query: string[] = api === 'fapi' && rng.chance(0.5) ? ['_is_native=1'] : [];
    // clerk-js sends PATCH and DELETE as POST with _method.
    if (!wrong.has('method') && ['PATCH', 'DELETE'].includes(method) && rng.chance(0.4)) {
      query.push(`_method=${method}`);
      method = 'POST';
    }
    const headers = wrong.has('auth') ? this.hostileAuth(api) : this.validAuth(api);
    const validKey = api === 'bapi' && !wrong.has('auth');
    if (wrong.has('cookie')) headers.push(this.hostileCookie());
    const path = this.path(route, api, validKey, raw, wrong);
    if (wrong.has('query')) query.push(...this.hostileQuery(api, validKey));

    let body: Buffer | undefined;
    let type: string | undefined;
    if (wrong.has('body')) ({ body, type } = this.hostileBody(validKey));
    else if (['POST', 'PUT', 'PATCH'].includes(method) || wrong.has('value') || wrong.has('key')) ({ body, type } = this.plausibleBody(route, validKey, wrong));
    if (wrong.has('type')) type = rng.chance(0.2) ? undefined : this.wrongType();
    if (type !== undefined && body === undefined && rng.chance(0.5)) body = Buffer.alloc(0);
    if (type !== undefined) headers.push(['content-type', type]);
    const origin = this.origin(api, wrong.has('origin'));
    if (origin !== undefined) headers.push(['origin', origin]);
    if (wrong.has('header')) headers.push(this.hostileHeader(api));

    // fetch sends no body with GET or HEAD, no Expect, and only header values it can encode.
    const fetchRefuses = (body && (method === 'GET' || method === 'HEAD')) || headers.some(([n, v]) => n === 'expect' || /[^\x20-\x7e]/.test(v));
    if (transport === 'fetch' && fetchRefuses) {
      if (route.endsWith('/stream')) return this.next(index);
      transport = 'raw';
    }
    // fetch resolves dot segments (%2e%2e too) before sending: what counts is the path the server gets.
    const sentPath = transport === 'fetch' ? new URL(`http://x${path}`).pathname : path;
    const aimsAtVictim = this.victimIds().some((id) => sentPath.includes(id));
    const host = transport === 'raw' && rng.chance(0.1)
      ? rng.pick([null, 'evil.test', '', 'localhost:abc', '[::1]', 'LOCALHOST', `127.0.0.1:${this.ports[api]}`])
      : `localhost:${this.ports[api]}`;
    return {
      index, api, route, transport, method, url: path + (query.length ? `?${query.join('&')}` : ''), headers, body,
      host, chunked: body !== undefined && body.length > 0 && rng.chance(0.15), aimsAtVictim, validKey,
    };
  }
}

// ---- sending, and judging the answer ----

/** The request with this round's ids and tokens in place of the stand-ins. */
function filledIn(target: Target, values: Record<string, string>): Target {
  const fill = (text: string) => text.replace(SLOT_PATTERN, (slot) => values[slot] ?? slot);
  return {
    ...target,
    url: fill(target.url),
    headers: target.headers.map(([name, value]) => [name, fill(value)]),
    body: target.body && Buffer.from(fill(target.body.toString('latin1')), 'latin1'),
  };
}

interface Answer { status: number; contentType: string; body: Buffer | null; streamed: boolean }

async function viaFetch(base: string, target: Target): Promise<Answer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    // Concatenated, not resolved: a path starting with // must stay a path, not become a host.
    const response = await fetch(`${base}${target.url}`, {
      method: target.method, headers: target.headers, body: target.body && new Uint8Array(target.body), signal: controller.signal, redirect: 'manual',
    });
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.startsWith('text/event-stream')) {
      controller.abort();
      return { status: response.status, contentType, body: null, streamed: true };
    }
    return { status: response.status, contentType, body: Buffer.from(await response.arrayBuffer()), streamed: false };
  } finally {
    clearTimeout(timer);
  }
}

function rawBytes(target: Target): Buffer {
  const headers = [...target.headers];
  if (target.host !== null) headers.unshift(['host', target.host]);
  if (target.body !== undefined && !target.chunked) headers.push(['content-length', String(target.body.length)]);
  if (target.chunked) headers.push(['transfer-encoding', 'chunked']);
  headers.push(['connection', 'close']);
  // Header text as UTF-8 bytes; the path may hold bytes that are not UTF-8 at all (latin1 keeps them as they are).
  const head = Buffer.concat([
    Buffer.from(`${target.method} ${target.url} HTTP/1.1\r\n`, 'latin1'),
    Buffer.from(`${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`, 'utf8'),
  ]);
  if (target.body === undefined) return head;
  if (!target.chunked) return Buffer.concat([head, target.body]);
  const half = target.body.subarray(0, Math.floor(target.body.length / 2));
  const rest = target.body.subarray(half.length);
  const chunk = (b: Buffer) => (b.length ? [Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')] : []);
  return Buffer.concat([head, ...chunk(half), ...chunk(rest), Buffer.from('0\r\n\r\n')]);
}

async function viaRaw(base: string, target: Target): Promise<Answer> {
  const reply = await rawRequest(base, rawBytes(target), 10_000);
  return { status: reply.status, contentType: reply.headers['content-type'] ?? '', body: Buffer.from(reply.body, 'latin1'), streamed: false };
}

/** What is wrong with an answer, or null. `secrets` are what no answer to anyone but the victim may hold. */
function judge(target: Target, answer: Answer, secrets: string[]): string | null {
  const { status, contentType, body } = answer;
  const text = body?.toString('utf8') ?? '';
  const json = contentType.startsWith('application/json');
  const head = target.method.toUpperCase() === 'HEAD';
  if (status >= 500) return `status ${status}: ${text.slice(0, 200)}`;
  if (!(status >= 200 && status < 300) && status !== 304 && !(status >= 400 && status < 500)) return `unexpected status ${status}`;
  if (status >= 400) {
    if (!json) return `error ${status} with content-type ${contentType || '(none)'}: ${text.slice(0, 120)}`;
    if (head && text === '') return null;
    const problem = clerkErrorsProblem(text);
    return problem ? `error ${status} is not a ClerkErrors body (${problem}): ${text.slice(0, 200)}` : null;
  }
  if (target.aimsAtVictim) return `status ${status} for a request aimed at the victim's ids`;
  if (target.api === 'bapi' && !target.validKey && !OPEN_BACKEND_ROUTES.has(target.route)) return `status ${status} on the Backend API without the secret key`;
  const leaked = target.validKey ? undefined : secrets.find((secret) => text.includes(secret));
  if (leaked) return `status ${status}: the answer holds the victim's ${leaked.slice(0, 5)}…`;
  if (status === 304 || status === 204 || head || answer.streamed || !json) return null;
  try {
    JSON.parse(text);
  } catch {
    return `status ${status}: a JSON content-type with a body that is not JSON: ${text.slice(0, 120)}`;
  }
  return null;
}

function describeTarget(target: Target): string {
  const url = target.url.length > 160 ? `${target.url.slice(0, 160)}…(${target.url.length})` : target.url;
  const body = target.body ? ` body=${JSON.stringify(target.body.subarray(0, 160).toString('utf8'))}${target.body.length > 160 ? `…(${target.body.length})` : ''}` : '';
  const headers = target.headers.map(([n, v]) => `${n}: ${v.length > 60 ? `${v.slice(0, 60)}…` : v}`).join(' | ');
  return `#${target.index} ${target.api} ${target.transport} ${target.method} ${url} [${headers}]${body}`;
}

// ---- the run ----

const ROUNDS = 6;

let t: TestServer;
let cast: Cast;

async function setUp(): Promise<Cast> {
  // The victim: a client and session, two verified numbers, two-step verification on, backup codes.
  const victimId = await createUser(t);
  const session = await signIn(t, victimId);
  const phones = ['+12025554101', '+12025554102'];
  const phoneIds = [];
  for (const phone of phones) phoneIds.push(await addVerifiedNumber(t, session.token, phone));
  const reserved = await fapi(t, 'PATCH', `/v1/me/phone_numbers/${phoneIds[0]}`, { token: session.token, form: { reserved_for_second_factor: 'true' } });
  expect(reserved.status, JSON.stringify(reserved.body)).toBe(200);
  expect(reserved.body.response.backup_codes).toHaveLength(10);
  const client = await fapi(t, 'GET', '/v1/client', { token: session.token });

  const devBrowser = await fapi(t, 'POST', '/v1/dev_browser', { validate: false });
  expect(devBrowser.status).toBe(200);
  return {
    victim: {
      userId: victimId, token: session.token, sessionId: session.sessionId, clientId: client.body.response.id,
      phoneIds, phones, backupCodes: reserved.body.response.backup_codes,
    },
    attackerId: await createUser(t),
    devBrowserToken: devBrowser.body.id,
  };
}

/** Verifies one of the attacker's test-mode numbers (code 424242). */
async function verifyTestNumber(token: string, id: string): Promise<void> {
  const prepared = await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
  expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
  const verified = await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/attempt_verification`, { token, form: { code: '424242' } });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
}

/**
 * What a round may spend, renewed: three fresh clients of the attacker, two new numbers (one verified,
 * one not), a sign-in and a sign-up under way on its first client, and two bystanders for the Backend API.
 */
async function newRound(round: number): Promise<Record<string, string>> {
  const phones = roundPhones(round);
  const values: Record<string, string> = { [SLOTS.phones[0]!]: phones[0]!, [SLOTS.phones[1]!]: phones[1]!, [SLOTS.signUpPhone]: phones[2]! };
  for (let i = 0; i < SLOTS.tokens.length; i++) {
    const client = await signIn(t, cast.attackerId);
    values[SLOTS.tokens[i]!] = client.token;
    values[SLOTS.sessions[i]!] = client.sessionId;
  }
  const token = values[SLOTS.tokens[0]!]!;
  values[SLOTS.phoneIds[0]!] = await addNumber(t, token, phones[0]!);
  await verifyTestNumber(token, values[SLOTS.phoneIds[0]!]!);
  values[SLOTS.phoneIds[1]!] = await addNumber(t, token, phones[1]!);
  const started = await fapi(t, 'POST', '/v1/client/sign_ins', { token, form: { identifier: phones[0]! } });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  values[SLOTS.signIn] = started.body.response.id;
  const signUp = await fapi(t, 'POST', '/v1/client/sign_ups', { token, form: { phone_number: phones[2]! } });
  expect(signUp.status, JSON.stringify(signUp.body)).toBe(200);
  values[SLOTS.signUp] = signUp.body.response.id;
  for (let i = 0; i < SLOTS.bystanders.length; i++) {
    const id = await createUser(t);
    values[SLOTS.bystanders[i]!] = id;
    values[SLOTS.bystanderSessions[i]!] = (await signIn(t, id)).sessionId;
  }
  return values;
}

/** The victim as both APIs show it: its user, its numbers, its session, and the Backend API's view. */
async function victimView() {
  const { victim } = cast;
  const me = await fapi(t, 'GET', '/v1/me', { token: victim.token });
  expect(me.status, JSON.stringify(me.body)).toBe(200);
  const numbers = await fapi(t, 'GET', '/v1/me/phone_numbers', { token: victim.token });
  const backend = await bapi(t, 'GET', `/v1/users/${victim.userId}`);
  expect(backend.status).toBe(200);
  return {
    user: me.body.response, numbers: numbers.body, backend: backend.body,
    session: { lastActive: me.body.client.last_active_session_id, sessions: me.body.client.sessions.map((s: { id: string; status: string }) => [s.id, s.status]) },
  };
}

beforeAll(async () => {
  t = await startTestServer();
  cast = await setUp();
});
afterAll(async () => { await t?.close(); });

describe('fuzz: hostile requests against every route of both APIs', () => {
  // A bound on a stuck run, not a speed check: about 12 s of CPU, but this machine's two cores are shared.
  it(`${REQUESTS} requests from seed ${SEED}: no 5xx, only ClerkErrors for errors, JSON for JSON, the victim untouched`, { timeout: 120_000 }, async () => {
    const routes = { fapi: routeTable(t.server.fapi), bapi: routeTable(t.server.bapi) };
    const methodsOf = new Map<string, string[]>();
    for (const api of ['fapi', 'bapi'] as const) {
      for (const route of routes[api]) {
        expect(t.server[api].hasRoute({ method: route.method as 'GET', url: route.url }), `${api} ${route.method} ${route.url}`).toBe(true);
        methodsOf.set(`${api} ${route.url}`, [...(methodsOf.get(`${api} ${route.url}`) ?? []), route.method]);
      }
    }
    // The parse found routes the suite knows of (a change in printRoutes' format would find none).
    expect(routes.fapi.map((r) => `${r.method} ${r.url}`)).toContain('PATCH /v1/me/phone_numbers/:phone_number_id');
    expect(routes.bapi.map((r) => `${r.method} ${r.url}`)).toContain('DELETE /v1/users/:user_id');
    const paths = { fapi: [...new Set(routes.fapi.map((r) => r.url))], bapi: [...new Set(routes.bapi.map((r) => r.url))] };

    const before = await victimView();
    const ports = { fapi: new URL(t.fapiUrl).port, bapi: new URL(t.bapiUrl).port };
    const generator = new Generator(new Rng(SEED), cast, paths, methodsOf, t.secretKey, ports, t.server.ctx.config.bodyLimitBytes);
    const targets = Array.from({ length: REQUESTS }, (_, i) => generator.next(i));
    // Every route of both APIs is aimed at, several times.
    for (const api of ['fapi', 'bapi'] as const) {
      for (const path of paths[api]) expect(targets.filter((x) => x.api === api && x.route === path).length, `${api} ${path}`).toBeGreaterThanOrEqual(10);
    }

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    /** The media types of each route's 2xx answers with a body: a route that answers JSON answers only JSON. */
    const successTypes = new Map<string, Set<string>>();
    const secrets = [cast.victim.userId, cast.victim.sessionId, cast.victim.clientId, ...cast.victim.backupCodes];
    const started = Date.now();
    const cpuBefore = process.cpuUsage();
    const perRound = Math.ceil(REQUESTS / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      const values = await newRound(round);
      const batch = targets.slice(round * perRound, (round + 1) * perRound);
      let next = 0;
      await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
        while (next < batch.length) {
          const target = filledIn(batch[next++]!, values);
          const base = target.api === 'fapi' ? t.fapiUrl : t.bapiUrl;
          let answer: Answer;
          try {
            answer = target.transport === 'raw' ? await viaRaw(base, target) : await viaFetch(base, target);
          } catch (error) {
            failures.push(`no answer (${(error as Error).message}): ${describeTarget(target)}`);
            continue;
          }
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status < 300) {
            const key = `${target.api} ${target.route}`;
            const types = successTypes.get(key) ?? new Set<string>();
            if (answer.body?.length) types.add(answer.contentType.split(';')[0]!.trim());
            successTypes.set(key, types);
          }
          const problem = judge(target, answer, secrets);
          if (problem) failures.push(`${problem}\n    ${describeTarget(target)}`);
        }
      }));
    }
    const seconds = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const raw = targets.filter((x) => x.transport === 'raw').length;
    const reached = new Set(successTypes.keys());
    const allPaths = [...paths.fapi.map((p) => `fapi ${p}`), ...paths.bapi.map((p) => `bapi ${p}`)];
    console.info(`fuzz: ${targets.length} requests (${raw} over raw sockets) from seed ${SEED} in ${seconds.toFixed(1)} s `
      + `(${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU, server and client in this process); `
      + `statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; `
      + `${reached.size} of ${allPaths.length} routes answered 2xx (not: ${allPaths.filter((p) => !reached.has(p)).join(', ')})`);

    const mixed = [...successTypes].filter(([, types]) => types.has('application/json') && types.size > 1);
    expect(mixed.map(([route, types]) => `${route}: ${[...types].join(', ')}`), 'a JSON route answered 2xx with another type too').toEqual([]);
    expect(failures.slice(0, 25).join('\n')).toBe('');
    // The run got past the outer checks (auth, body, content-type) to the handlers of most routes.
    expect(reached.size).toBeGreaterThanOrEqual(Math.ceil(allPaths.length * 0.75));
    expect(failures).toHaveLength(0);

    // Nothing reached Object.prototype (the server runs in this process).
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // The victim: same user, same numbers, same session, as both APIs see it.
    expect(await victimView()).toEqual(before);
  });

  it('afterwards the victim still signs in with its number and a backup code, and its own session still works', async () => {
    const { victim } = cast;
    const native = { _is_native: '1' };
    const started = await fapi(t, 'POST', '/v1/client/sign_ins', { query: native, form: { identifier: victim.phones[0]! } });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const token = started.headers.get('authorization')!;
    const id = started.body.response.id;
    const since = Date.now();
    const prepared = await fapi(t, 'POST', `/v1/client/sign_ins/${id}/prepare_first_factor`, { query: native, token, form: { strategy: 'phone_code' } });
    expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
    const code = await readCode(t, victim.phones[0]!, since);
    const first: Reply = await fapi(t, 'POST', `/v1/client/sign_ins/${id}/attempt_first_factor`, { query: native, token, form: { strategy: 'phone_code', code } });
    expect(first.body.response?.status, JSON.stringify(first.body)).toBe('needs_second_factor');
    const second = await fapi(t, 'POST', `/v1/client/sign_ins/${id}/attempt_second_factor`, { query: native, token, form: { strategy: 'backup_code', code: victim.backupCodes[0]! } });
    expect(second.body.response?.status, JSON.stringify(second.body)).toBe('complete');
    expect((await fapi(t, 'GET', '/v1/me', { token })).body.response.id).toBe(victim.userId);
    expect((await fapi(t, 'GET', '/v1/me', { token: victim.token })).body.client.last_active_session_id).toBe(victim.sessionId);
  });
});
