import { createHmac } from 'node:crypto';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { errors } from '../domain/errors.js';
import { normalisePhone, type NormalisedPhone } from '../domain/phone.js';
import { checkSmsDestination } from '../domain/sms-policy.js';
import type { DatabaseHandle } from '../store/db.js';
import type { Metrics } from '../metrics.js';
import { openLimiterStore, type Limiter, type LimiterStore, type LimitSpec } from './limiter-store.js';

// The abuse checks the phone-number routes call before they create a number, send a code or
// check one: the destination policy (countries, number types) and the rate limits, counted in a
// store all instances share. A refused request answers 429 too_many_requests with Retry-After.

export interface PrepareRequest {
  userId: string;
  phoneNumber: string;
  ip: string;
}

export interface AbuseGuard {
  /** The destination policy (countries, number types), which costs nothing to ask. */
  checkDestination(phone: NormalisedPhone): void;
  /** Spends one of the user's new numbers for the day. */
  chargeNewNumber(userId: string): Promise<void>;
  /** Gives it back when the add did not happen after all. */
  refundNewNumber(userId: string): Promise<void>;
  checkPrepare(request: PrepareRequest): Promise<void>;
  checkAttempt(ip: string): Promise<void>;
  close(): Promise<void>;
}

const HOUR = 3_600;
const DAY = 86_400;

/** Every limit the guard keeps, from the configuration. */
function limitSpecs(config: Config) {
  const specs = {
    sendCooldownPerNumber: { name: 'sms_cooldown_number', points: 1, durationSeconds: config.smsResendCooldownSeconds },
    sendsPerNumberHour: { name: 'sms_number_hour', points: config.smsMaxPerNumberPerHour, durationSeconds: HOUR },
    sendsPerNumberDay: { name: 'sms_number_day', points: config.smsMaxPerNumberPerDay, durationSeconds: DAY },
    sendsPerUserHour: { name: 'sms_user_hour', points: config.smsMaxPerUserPerHour, durationSeconds: HOUR },
    sendsPerIpHour: { name: 'sms_ip_hour', points: config.smsMaxPerIpPerHour, durationSeconds: HOUR },
    attemptsPerIpHour: { name: 'attempt_ip_hour', points: config.attemptsMaxPerIpPerHour, durationSeconds: HOUR },
    newNumbersPerUserDay: { name: 'new_number_user_day', points: config.newNumbersMaxPerUserPerDay, durationSeconds: DAY },
  } satisfies Record<string, LimitSpec>;
  return specs;
}

/** A limiter and the name of its limit (the metrics' `limit` label). */
interface NamedLimiter {
  name: string;
  limiter: Limiter;
}

interface Charge extends NamedLimiter {
  key: string;
}

/**
 * Takes one point from each limiter in order. When one refuses, the points already taken by this
 * request are given back, so a refused request does not use up the caller's other allowances.
 */
async function chargeAll(charges: Charge[], metrics: Metrics): Promise<void> {
  const taken: Charge[] = [];
  for (const charge of charges) {
    try {
      await charge.limiter.consume(charge.key);
      taken.push(charge);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      await Promise.allSettled(taken.map((t) => t.limiter.reward(t.key, 1)));
      metrics.rateLimitRefused(charge.name);
      throw errors.tooManyRequests(refusal.msBeforeNext / 1000);
    }
  }
}

/**
 * Keys are an HMAC of the subject (number, IP, user id), so the counters table or Redis never
 * holds a phone number or an address in clear, and nobody without the server secret can tell whose they are.
 */
function subjectHasher(key: Buffer): (kind: string, subject: string) => string {
  return (kind, subject) => createHmac('sha256', key).update(`${kind}\0${subject}`).digest('base64url').slice(0, 32);
}

export interface AbuseGuardOptions {
  database: DatabaseHandle;
  /** The derived `rateLimitKeys` key (domain/keys.ts): rate-limit keys are HMACs under it. */
  keySecret: Buffer;
  /** An already open store (tests); by default one is opened from the configuration. */
  store?: LimiterStore;
  /** Counts refusals by limit. */
  metrics: Metrics;
}

export async function createAbuseGuard(config: Config, options: AbuseGuardOptions): Promise<AbuseGuard> {
  const store = options.store ?? await openLimiterStore({ database: options.database, redisUrl: config.redisUrl, keyPrefix: config.rateLimitKeyPrefix });
  const policy = { allowed: config.smsAllowedCountries, blocked: config.smsBlockedCountries };
  const hash = subjectHasher(options.keySecret);
  const specs = limitSpecs(config);
  const named = (spec: LimitSpec): NamedLimiter => ({ name: spec.name, limiter: store.limiter(spec) });
  const cooldown = config.smsResendCooldownSeconds > 0 ? named(specs.sendCooldownPerNumber) : null;
  const sendsPerNumberHour = named(specs.sendsPerNumberHour);
  const sendsPerNumberDay = named(specs.sendsPerNumberDay);
  const sendsPerUserHour = named(specs.sendsPerUserHour);
  const sendsPerIpHour = named(specs.sendsPerIpHour);
  const attemptsPerIpHour = named(specs.attemptsPerIpHour);
  const newNumbersPerUserDay = named(specs.newNumbersPerUserDay);
  const charge = (charges: Charge[]) => chargeAll(charges, options.metrics);

  return {
    checkDestination(phone) {
      checkSmsDestination(phone, policy);
    },

    async chargeNewNumber(userId) {
      await charge([{ ...newNumbersPerUserDay, key: hash('user', userId) }]);
    },

    async refundNewNumber(userId) {
      await newNumbersPerUserDay.limiter.reward(hash('user', userId), 1);
    },

    async checkPrepare(request) {
      // The policy may have changed since the number was added: enforce it again before we pay for an SMS.
      checkSmsDestination(normalisePhone(request.phoneNumber), policy);
      const number = hash('phone', request.phoneNumber);
      // Per number first (the limits an honest user meets, with the shortest Retry-After), then caller-wide ones.
      await charge([
        ...(cooldown ? [{ ...cooldown, key: number }] : []),
        { ...sendsPerNumberHour, key: number },
        { ...sendsPerNumberDay, key: number },
        { ...sendsPerUserHour, key: hash('user', request.userId) },
        { ...sendsPerIpHour, key: hash('ip', request.ip) },
      ]);
    },

    async checkAttempt(ip) {
      await charge([{ ...attemptsPerIpHour, key: hash('ip', ip) }]);
    },

    async close() {
      await store.close();
    },
  };
}
