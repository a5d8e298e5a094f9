import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

// Configuration: zero-config defaults, and one clear error naming the variable for a bad value.

describe('config', () => {
  it('runs with no environment at all, in development on SQLite', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.backendPort).toBe(4001);
    expect(config.backendHost).toBe('127.0.0.1');
    expect(config.databaseUrl).toBe('sqlite:./data/phone-numbers.db');
    expect(config.instanceType).toBe('development');
    expect(config.testMode).toBe(true);
    expect(config.otpTtlSeconds).toBe(600);
    expect(config.otpMaxAttempts).toBe(5);
    expect(config.smsProvider).toBe('dev');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ OTP_MAX_ATTEMPTS: '0' }, 'OTP_MAX_ATTEMPTS'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ INSTANCE_TYPE: 'staging' }, 'INSTANCE_TYPE'],
    [{ SMS_ALLOWED_COUNTRIES: 'US,USA' }, 'SMS_ALLOWED_COUNTRIES'],
    [{ INSTANCE_TYPE: 'production' }, 'CLERK_SECRET_KEY'],
    [{ INSTANCE_TYPE: 'production', CLERK_SECRET_KEY: 'sk_live_abcdefghijklmnopqrstuvwxyz' }, 'SMS_PROVIDER'],
    [{ SMS_PROVIDER: 'twilio' }, 'TWILIO_ACCOUNT_SID'],
    [{ CLERK_SECRET_KEY: 'secret' }, 'CLERK_SECRET_KEY'],
    [{ TEST_MODE: 'perhaps' }, 'TEST_MODE'],
  ])('%o stops start-up naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable}:`));
  });

  it('production turns test mode off unless asked', () => {
    const base = { INSTANCE_TYPE: 'production', CLERK_SECRET_KEY: 'sk_live_abcdefghijklmnopqrstuvwxyz', SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: 'http://127.0.0.1:9', SMS_WEBHOOK_SECRET: 'whsec_x' };
    expect(loadConfig(base).testMode).toBe(false);
    expect(loadConfig({ ...base, TEST_MODE: 'true' }).testMode).toBe(true);
  });
});
