import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { environmentJson } from '../../json/environment.js';

// GET /v1/environment: the instance settings clerk-js loads before anything else. Development
// instances send PATCH (Clerk learns the app's origin from it); here both answer the same settings.

export function environmentRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Built once: it depends on configuration only.
  const json = environmentJson({
    instanceType: ctx.config.instanceType,
    applicationName: ctx.config.appName,
    testMode: ctx.config.testMode,
    lockout: { maxAttempts: ctx.config.userLockoutMaxAttempts, durationMinutes: ctx.config.userLockoutMinutes },
    enumerationProtection: ctx.config.enumerationProtection,
  });
  app.get('/v1/environment', async () => json);
  app.patch('/v1/environment', async () => json);
}
