import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { newWebhookSecret } from './receiver.js';

// Start-up refuses webhook settings that would send nothing, send in clear, or leak the secret,
// each on one line naming the variable, all at once.

const production = { INSTANCE_TYPE: 'production', CLERK_SECRET_KEY: 'sk_live_0123456789abcdefghij', SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: 'https://sms.example.com/x', SMS_WEBHOOK_SECRET: 'a-long-enough-shared-secret' };

function refusal(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message.split('\n');
  }
  throw new Error('the configuration was accepted');
}

describe('webhook configuration', () => {
  it('none by default; one or more endpoints, every event type unless WEBHOOK_EVENTS names some', () => {
    expect(loadConfig({}).webhooks).toMatchObject({ endpoints: [], maxTries: 8 });
    const secret = newWebhookSecret();
    const config = loadConfig({ WEBHOOK_URL: 'https://a.example.com/hooks, http://127.0.0.1:9/b', WEBHOOK_SECRET: secret, WEBHOOK_MAX_TRIES: '3' });
    expect(config.webhooks.endpoints).toEqual(['https://a.example.com/hooks', 'http://127.0.0.1:9/b']);
    expect(config.webhooks.events).toHaveLength(8);
    expect(config.webhooks.maxTries).toBe(3);
    expect(loadConfig({ WEBHOOK_URL: 'https://a.example.com', WEBHOOK_SECRET: secret, WEBHOOK_EVENTS: 'user.created, sms.created' }).webhooks.events)
      .toEqual(['user.created', 'sms.created']);
  });

  it('every bad webhook setting is reported at once, one line each, without repeating a secret or a URL', () => {
    const lines = refusal({ WEBHOOK_URL: 'https://ok.example.com,ftp://user:pass@x', WEBHOOK_SECRET: 'whsec_tooshort', WEBHOOK_EVENTS: 'user.created,user.exploded', WEBHOOK_MAX_TRIES: '0' });
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(['WEBHOOK_EVENTS', 'WEBHOOK_MAX_TRIES', 'WEBHOOK_SECRET', 'WEBHOOK_URL']);
    expect(lines.join('\n')).not.toContain('pass');
    expect(lines.join('\n')).not.toContain('tooshort');
    expect(lines.find((l) => l.startsWith('WEBHOOK_EVENTS'))).toContain('user.exploded');
    expect(refusal({ WEBHOOK_URL: 'https://a.example.com' })).toEqual(['WEBHOOK_SECRET: required when WEBHOOK_URL is set']);
  });

  it('production refuses plain http:// to another machine, and allows it to this one', () => {
    const secret = newWebhookSecret();
    expect(refusal({ ...production, WEBHOOK_URL: 'http://hooks.example.com/clerk', WEBHOOK_SECRET: secret })).toEqual([
      'WEBHOOK_URL: entry 1 is http:// to another machine; production sends webhooks over https:// only',
    ]);
    expect(loadConfig({ ...production, WEBHOOK_URL: 'http://127.0.0.1:8080/clerk,http://localhost/x,https://hooks.example.com', WEBHOOK_SECRET: secret }).webhooks.endpoints).toHaveLength(3);
    // Development sends wherever it is told.
    expect(loadConfig({ WEBHOOK_URL: 'http://hooks.example.com/clerk', WEBHOOK_SECRET: secret }).webhooks.endpoints).toHaveLength(1);
  });

  it('a lease not longer than the webhook timeout is refused once webhooks are on', () => {
    const secret = newWebhookSecret();
    expect(refusal({ WEBHOOK_URL: 'https://a.example.com', WEBHOOK_SECRET: secret, OUTBOX_LEASE_MS: '10000', SMS_SEND_TIMEOUT_MS: '1000' }))
      .toEqual(['OUTBOX_LEASE_MS: must be longer than WEBHOOK_TIMEOUT_MS (15000), or a slow receiver could be sent an event twice at once']);
    expect(loadConfig({ OUTBOX_LEASE_MS: '2000', SMS_SEND_TIMEOUT_MS: '1000' }).outboxLeaseMs).toBe(2000);
  });
});
