import type { FastifyReply } from 'fastify';
import type { Config } from '../config.js';
import { normalisePhone, type NormalisedPhone } from '../domain/phone.js';
import { checkSmsDestination } from '../domain/sms-policy.js';

// The abuse checks the phone-number routes call before they create a number, send a code or
// check one. Counters (rate limits, daily caps) live behind this same interface.

export interface PrepareRequest {
  userId: string;
  phoneNumber: string;
  ip: string;
}

export interface AbuseGuard {
  checkNewNumber(userId: string, phone: NormalisedPhone): Promise<void>;
  checkPrepare(request: PrepareRequest, reply?: FastifyReply): Promise<void>;
  checkAttempt(ip: string): Promise<void>;
  close(): Promise<void>;
}

export function createAbuseGuard(config: Config): AbuseGuard {
  const policy = { allowed: config.smsAllowedCountries, blocked: config.smsBlockedCountries };
  return {
    async checkNewNumber(_userId, phone) {
      checkSmsDestination(phone, policy);
    },
    async checkPrepare(request) {
      checkSmsDestination(normalisePhone(request.phoneNumber), policy);
    },
    async checkAttempt() {},
    async close() {},
  };
}
