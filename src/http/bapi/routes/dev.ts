import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { normalisePhone } from '../../../domain/phone.js';
import { readDevInbox } from '../../../sms/dev-inbox.js';
import { devSmsJson } from '../../json/backend.js';
import { queryString } from '../../params.js';

// Development only: the dev inbox, so people and tests can read the codes "sent".

export function devRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/dev/sms_messages', async (request) => {
    const raw = queryString(request, 'phone_number');
    // A "+" left unencoded in a query string arrives as a space.
    const to = raw === undefined ? undefined : normalisePhone(raw.trim(), 'phone_number').e164;
    const messages = await readDevInbox(ctx.database.db, ctx.keys.derived.seal, { to, limit: 200 });
    return messages.map(({ row, body }) => devSmsJson(row, body));
  });
}
