import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { Events } from '../operations/events.js';

// Webhook events from HTTP requests: who made a change, as Clerk's events tell it
// (event_attributes.http_request), and a wake-up for the webhook worker once the change committed.

/** The event writer for the changes this request makes. */
export function eventsOf(ctx: AppContext, request: FastifyRequest): Events {
  return ctx.events.for({ client_ip: request.ip, user_agent: request.headers['user-agent'] ?? '' });
}

/** After a response every transaction of its request has committed: events it wrote go out now, not at the next poll. */
export function registerEventKick(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onResponse', async () => {
    if (ctx.events.takeWritten()) ctx.webhooks?.kick();
  });
}
