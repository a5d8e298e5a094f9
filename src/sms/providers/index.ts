import type { Config } from '../../config.js';
import type { SmsProvider } from '../provider.js';
import { devProvider } from './dev.js';

// Picks the provider SMS_PROVIDER names.
export function createSmsProvider(config: Config): SmsProvider {
  switch (config.smsProvider) {
    case 'dev':
      return devProvider();
    default:
      throw new Error(`SMS_PROVIDER=${config.smsProvider} is not available yet`);
  }
}
