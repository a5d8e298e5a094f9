import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createSmsProvider } from '../../src/sms/providers/index.js';

// Start-up refuses SMS settings that would lose or double-send messages, naming the variable.

const production = { INSTANCE_TYPE: 'production', CLERK_SECRET_KEY: 'sk_live_0123456789abcdefghij' };
const twilio = { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'secret', TWILIO_FROM: '+15005550006' };

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('SMS configuration', () => {
  it('the dev inbox is the default in development and refused in production', () => {
    expect(loadConfig({}).smsProvider).toBe('dev');
    expect(refusal(production)).toMatch(/^SMS_PROVIDER: /);
    expect(loadConfig({ ...production, ...twilio }).smsProvider).toBe('twilio');
  });

  it('twilio and webhook need their settings', () => {
    expect(refusal({ SMS_PROVIDER: 'twilio' })).toMatch(/^TWILIO_ACCOUNT_SID: /);
    expect(refusal({ ...twilio, TWILIO_FROM: '' })).toMatch(/^TWILIO_FROM: /);
    expect(refusal({ SMS_PROVIDER: 'webhook', SMS_WEBHOOK_SECRET: 'whsec_AAAA' })).toMatch(/^SMS_WEBHOOK_URL: /);
    expect(refusal({ SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: 'ftp://x' })).toMatch(/^SMS_WEBHOOK_URL: /);
  });

  it('picks the provider SMS_PROVIDER names', () => {
    expect(createSmsProvider(loadConfig({})).name).toBe('dev');
    expect(createSmsProvider(loadConfig(twilio)).name).toBe('twilio');
    expect(createSmsProvider(loadConfig({ SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: 'http://127.0.0.1:9/x', SMS_WEBHOOK_SECRET: 'a-long-enough-shared-secret' })).name).toBe('webhook');
  });

  it('a lease not longer than the send timeout is refused (a slow send could go out twice)', () => {
    expect(refusal({ OUTBOX_LEASE_MS: '1000', SMS_SEND_TIMEOUT_MS: '1000' })).toMatch(/^OUTBOX_LEASE_MS: must be longer than SMS_SEND_TIMEOUT_MS/);
    expect(loadConfig({ OUTBOX_LEASE_MS: '1500', SMS_SEND_TIMEOUT_MS: '1000' }).outboxLeaseMs).toBe(1500);
  });

  it('rate-limit numbers and the key prefix are validated', () => {
    expect(refusal({ SMS_MAX_PER_NUMBER_PER_DAY: '0' })).toMatch(/^SMS_MAX_PER_NUMBER_PER_DAY: /);
    expect(refusal({ RATE_LIMIT_KEY_PREFIX: 'has space' })).toMatch(/^RATE_LIMIT_KEY_PREFIX: /);
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({
      otpMaxAttempts: 5, otpTtlSeconds: 600, smsResendCooldownSeconds: 30, smsMaxPerNumberPerHour: 5, smsMaxPerNumberPerDay: 10,
      attemptsMaxPerIpPerHour: 50, outboxLeaseMs: 30_000, smsSendTimeoutMs: 10_000, rateLimitKeyPrefix: 'pn',
    });
  });
});
