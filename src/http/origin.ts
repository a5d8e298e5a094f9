import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { Events } from '../operations/events.js';

// Who made a change, as Clerk's webhook events tell it (event_attributes.http_request).

/** The event writer for the changes this request makes. */
export function eventsOf(ctx: AppContext, request: FastifyRequest): Events {
  return ctx.events.for({ client_ip: request.ip, user_agent: request.headers['user-agent'] ?? '' });
}
