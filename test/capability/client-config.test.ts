import { describe, expect, it } from 'vitest';
import { ConfigError, loadClientConfig } from '../../src/config.js';

// loadClientConfig: where `call` and `mcp` send requests, and as whom.

describe('loadClientConfig', () => {
  it('takes FAPI_URL (trailing slash dropped), CLERK_PUBLISHABLE_KEY and CLERK_CLIENT_TOKEN', () => {
    expect(loadClientConfig({ FAPI_URL: 'http://localhost:4000/', CLERK_CLIENT_TOKEN: ' tok ' }))
      .toEqual({ baseUrl: 'http://localhost:4000', publishableKey: undefined, token: 'tok' });
    expect(loadClientConfig({ CLERK_PUBLISHABLE_KEY: 'pk_test_bG9jYWxob3N0OjQwMDAk' }))
      .toEqual({ baseUrl: undefined, publishableKey: 'pk_test_bG9jYWxob3N0OjQwMDAk', token: undefined });
  });

  it('names the variable that is wrong or missing', () => {
    expect(() => loadClientConfig({})).toThrow(new ConfigError('FAPI_URL', 'set FAPI_URL (e.g. http://localhost:4000) or CLERK_PUBLISHABLE_KEY'));
    expect(() => loadClientConfig({ FAPI_URL: 'localhost:4000' })).toThrow(/^FAPI_URL: expected an http\(s\) URL/);
    expect(() => loadClientConfig({ CLERK_PUBLISHABLE_KEY: 'sk_test_nope' })).toThrow(/^CLERK_PUBLISHABLE_KEY: expected pk_test_/);
  });
});
