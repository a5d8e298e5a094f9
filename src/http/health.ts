import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { errors } from '../domain/errors.js';
import { databaseFault, probeWritable, type DatabaseFault } from '../store/db.js';
import { sendClerkError } from './errors.js';

// GET /v1/health for load balancers: 200 {status: healthy} when the database takes a write, else 503
// {status: unhealthy, message} as Clerk's FAPI answers it, with the usual ClerkErrors beside it and
// `database` saying why for a monitor: read_only, full or unreachable.

/** A check slower than this counts as down: a balancer should route around a stuck instance. */
const CHECK_TIMEOUT_MS = 3_000;

/** How long one probe's answer stands for every check that asks (see healthRoute). */
const PROBE_REUSE_MS = 1_000;

const FAULT_MESSAGES: Record<DatabaseFault, string> = {
  read_only: 'The database is read-only: nothing can be saved.',
  full: 'The database is full: nothing can be saved.',
  unreachable: 'The database is not answering.',
};

function withinTimeout(check: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('database check timed out')), CHECK_TIMEOUT_MS);
  });
  return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
}

export function healthRoute(app: FastifyInstance, ctx: AppContext): void {
  // The probe is a write rolled back (store/db.ts probeWritable): about 0.25 ms on SQLite and 1.2 ms on
  // PostgreSQL here, five and three times the read it replaced, and it takes the write lock. This route
  // needs no key, so a flood of it must not keep the database busy: one probe answers every check
  // for a second (a balancer probes every few seconds; a fault shows within one).
  let last: { at: number; failure: Promise<unknown> } | undefined;
  const probe = (): Promise<unknown> => {
    const now = Date.now();
    if (last === undefined || now - last.at >= PROBE_REUSE_MS) {
      last = { at: now, failure: withinTimeout(probeWritable(ctx.database)).then(() => undefined, (error: unknown) => error) };
    }
    return last.failure;
  };

  app.get('/v1/health', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const failure = await probe();
    if (failure !== undefined) {
      const database = databaseFault(failure);
      request.log.warn({ err: failure, database }, 'health check failed');
      const unavailable = errors.serviceUnavailable(FAULT_MESSAGES[database]);
      return sendClerkError(reply, unavailable, { status: 'unhealthy', database, message: unavailable.longMessage });
    }
    return reply.send({ status: 'healthy' });
  });
}
