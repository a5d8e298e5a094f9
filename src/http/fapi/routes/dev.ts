import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { createSignInToken, createUser } from '../../../admin/users.js';
import type { AppContext } from '../../../context.js';
import { readDevInbox } from '../../../sms/dev-inbox.js';
import { signInWithTicket } from '../../../operations/sessions.js';
import { codeInMessage } from '../../../sms/message.js';
import { devSmsJson } from '../../json/backend.js';
import { eventsOf } from '../../origin.js';
import { readBody } from '../../params.js';
import { loadCaller } from '../auth.js';
import { clientCookie } from '../client-token.js';

// Development only (never registered in production): what the browser pages need on their own
// origin — a demo sign-in for the account page, and the SMS inbox with a live feed.

/** Spent at once by the same request; a short life is plenty. */
const DEMO_TICKET_SECONDS = 60;
const INBOX_LIMIT = 100;
/** How often the live feed looks for new or changed messages; reading the table works across instances. */
const FEED_POLL_MS = 400;
/** A comment line now and then keeps proxies from closing an idle stream. */
const FEED_HEARTBEAT_MS = 15_000;

async function inboxMessages(ctx: AppContext) {
  const messages = await readDevInbox(ctx.database.db, ctx.keys.derived.seal, { limit: INBOX_LIMIT });
  return messages.map(({ row, body }) => ({ ...devSmsJson(row, body), code: codeInMessage(body) }));
}

/** One poller shared by every open inbox stream: it sends the list whenever it changes. */
class InboxFeed {
  private readonly streams = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private lastPayload = '';
  private lastWriteAt = 0;
  private polling = false;

  constructor(private readonly ctx: AppContext) {}

  /** A HEAD gets the stream's headers and its end: Node writes no body for HEAD, so it would wait forever. */
  async open(res: ServerResponse, headersOnly: boolean): Promise<void> {
    const headers = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' };
    if (headersOnly) {
      res.writeHead(200, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 2000\n\n');
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    try {
      const payload = JSON.stringify(await inboxMessages(this.ctx));
      if (!res.writableEnded) res.write(`event: messages\ndata: ${payload}\n\n`);
    } catch (error) {
      this.ctx.log.warn({ err: error }, 'dev inbox feed could not read messages');
    }
    this.timer ??= setInterval(() => void this.poll(), FEED_POLL_MS);
  }

  private async poll(): Promise<void> {
    if (this.streams.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.lastPayload = '';
      return;
    }
    if (this.polling) return;
    this.polling = true;
    try {
      const payload = JSON.stringify(await inboxMessages(this.ctx));
      const now = Date.now();
      if (payload !== this.lastPayload) {
        this.lastPayload = payload;
        this.broadcast(`event: messages\ndata: ${payload}\n\n`, now);
      } else if (now - this.lastWriteAt >= FEED_HEARTBEAT_MS) {
        this.broadcast(': keep-alive\n\n', now);
      }
    } catch (error) {
      this.ctx.log.warn({ err: error }, 'dev inbox feed could not read messages');
    } finally {
      this.polling = false;
    }
  }

  private broadcast(chunk: string, now: number): void {
    this.lastWriteAt = now;
    for (const res of this.streams) res.write(chunk);
  }

  /** Ends every stream, so closing the server does not wait on browsers that keep them open. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const res of this.streams) res.end();
    this.streams.clear();
  }
}

export function fapiDevRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Signs this browser in as a new demo user through the ticket flow (sign-in token, then the same
  // operation POST /v1/client/sign_ins runs), setting the same __client cookie. A browser that is
  // already signed in keeps its session. Foreign origins are refused by browser-security.ts.
  app.post('/v1/dev/demo_sign_in', async (request, reply) => {
    readBody(request, []);
    const caller = await loadCaller(ctx, request);
    const current = caller?.sessions.find((s) => s.id === caller.client.last_active_session_id);
    if (current) return { object: 'demo_sign_in', user_id: current.user_id, session_id: current.id, created: false };

    const db = ctx.database.db;
    const now = ctx.now();
    const events = eventsOf(ctx, request);
    const user = await createUser(db, events, { firstName: 'Demo', lastName: 'User' }, now);
    const ticket = await createSignInToken(db, user.id, DEMO_TICKET_SECONDS, now);
    const result = await signInWithTicket(db, events, ticket.token, caller?.client ?? null, ctx.config.sessionLifetimeSeconds, now);
    if (result.clientToken) reply.header('Set-Cookie', clientCookie(ctx, result.clientToken, request));
    return { object: 'demo_sign_in', user_id: user.id, session_id: result.session.id, created: true };
  });

  app.get('/v1/dev/sms_messages', async () => inboxMessages(ctx));

  const feed = new InboxFeed(ctx);
  app.addHook('preClose', async () => feed.close());
  app.get('/v1/dev/sms_messages/stream', async (request, reply) => {
    reply.hijack();
    await feed.open(reply.raw, request.method === 'HEAD');
  });
}
