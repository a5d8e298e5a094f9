import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrors, configWarnings, loadConfig } from '../../src/config.js';

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

  it('reports every bad setting at once, one per variable, so one restart fixes them all', () => {
    const env = { INSTANCE_TYPE: 'production', PORT: 'eighty', OTP_MAX_ATTEMPTS: '0', SMS_PROVIDER: 'twilio', TRUST_PROXY: 'maybe' };
    let thrown: unknown;
    try { loadConfig(env); } catch (error) { thrown = error; }
    expect(thrown).toBeInstanceOf(ConfigErrors);
    expect((thrown as ConfigErrors).problems.map((p) => p.variable)).toEqual([
      'CLERK_SECRET_KEY', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'PORT', 'OTP_MAX_ATTEMPTS', 'TRUST_PROXY',
    ]);
    expect((thrown as Error).message.split('\n')).toHaveLength(7);
  });

  it('warns, one line each, when production runs on plain http or a test key', () => {
    const env = { INSTANCE_TYPE: 'production', CLERK_SECRET_KEY: 'sk_test_abcdefghijklmnopqrstuvwxyz', SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: 'http://sms.example.test/send', SMS_WEBHOOK_SECRET: 'whsec_x', PUBLIC_URL: 'http://clerk.example.test' };
    expect(configWarnings(loadConfig(env))).toEqual([
      'PUBLIC_URL is http:// in production: use https://',
      'SMS_WEBHOOK_URL is http:// in production: use https://',
      'CLERK_SECRET_KEY is an sk_test_ key in production: use an sk_live_ key',
    ]);
    const safe = { ...env, CLERK_SECRET_KEY: 'sk_live_abcdefghijklmnopqrstuvwxyz', SMS_WEBHOOK_URL: 'https://sms.example.test/send', PUBLIC_URL: 'https://clerk.example.test' };
    expect(configWarnings(loadConfig(safe))).toEqual([]);
    expect(configWarnings(loadConfig({ PUBLIC_URL: 'http://localhost:4000' }))).toEqual([]);
  });
});
