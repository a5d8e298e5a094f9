import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { errors } from '../domain/errors.js';
import { checkDatabase } from '../store/db.js';
import { sendClerkError } from './errors.js';

// GET /v1/health for load balancers: 200 {status: healthy} when the database answers, else 503
// {status: unhealthy, message} as Clerk's FAPI answers it, with the usual ClerkErrors beside it.

/** A check slower than this counts as down: a balancer should route around a stuck instance. */
const CHECK_TIMEOUT_MS = 3_000;

function withinTimeout(check: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('database check timed out')), CHECK_TIMEOUT_MS);
  });
  return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
}

export function healthRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/health', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      await withinTimeout(checkDatabase(ctx.database.db));
    } catch (error) {
      request.log.warn({ err: error }, 'health check failed');
      const unavailable = errors.serviceUnavailable('The database is not answering.');
      return sendClerkError(reply, unavailable, { status: 'unhealthy', message: unavailable.longMessage });
    }
    return reply.send({ status: 'healthy' });
  });
}
