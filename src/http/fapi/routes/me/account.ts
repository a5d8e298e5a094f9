import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.js';
import { errors } from '../../../../domain/errors.js';
import { newId } from '../../../../domain/ids.js';
import { regenerateBackupCodes, setPrimaryPhoneNumber } from '../../../../operations/account.js';
import { finishSession } from '../../../../operations/sessions.js';
import { activeSessionsOfUser, findSession } from '../../../../store/clients.js';
import { clientJson, sessionJson } from '../../../json/client.js';
import { userJson } from '../../../json/user.js';
import { eventsOf } from '../../../origin.js';
import { optionalString, readBody } from '../../../params.js';
import { requireSession } from '../../auth.js';
import { loadClientView } from '../../respond.js';

// The signed-in user's own account, as Clerk's <UserProfile/> uses it: the user (and its primary
// number), the devices it is signed in on, and its backup codes.

type SessionParams = { Params: { session_id: string } };

export function accountRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = ctx.database.db;

  /** `{response: user, client}` as it stands now. */
  async function userAnswer(caller: Awaited<ReturnType<typeof requireSession>>) {
    const view = await loadClientView(ctx, caller);
    const now = ctx.now();
    const user = view.users.get(caller.session.user_id);
    if (!user) throw errors.signedOut();
    return { response: userJson(user, view.numbersByUser.get(user.id) ?? [], now), client: clientJson(view, now) };
  }

  app.get('/v1/me', async (request) => userAnswer(await requireSession(ctx, request)));

  // UpdateUser: the primary number. Names and username are off on this instance, as the environment says.
  app.patch('/v1/me', async (request) => {
    const body = readBody(request, ['primary_phone_number_id', 'first_name', 'last_name', 'username', 'primary_email_address_id', 'primary_web3_wallet_id', 'unsafe_metadata']);
    for (const off of ['first_name', 'last_name', 'username', 'primary_email_address_id', 'primary_web3_wallet_id']) {
      if (optionalString(body, off) !== undefined) throw errors.paramValueInvalid(off, `${off} is not used on this instance.`);
    }
    const primary = optionalString(body, 'primary_phone_number_id');
    const caller = await requireSession(ctx, request);

    if (primary !== undefined) await setPrimaryPhoneNumber(db, eventsOf(ctx, request), caller.session.user_id, primary, ctx.now());
    return userAnswer(caller);
  });

  // Active devices: the user's active sessions on every client. No device details are recorded, so the activity is bare.
  app.get('/v1/me/sessions/active', async (request) => {
    const caller = await requireSession(ctx, request);
    const sessions = await activeSessionsOfUser(db, caller.session.user_id, ctx.now());
    return sessions.map((s) => ({
      object: 'session', id: s.id, status: s.status, expire_at: s.expire_at, abandon_at: s.abandon_at, last_active_at: s.last_active_at,
      last_active_token: null, actor: null, tasks: null,
      latest_activity: { object: 'session_activity', id: `sess_activity_${s.id.slice('sess_'.length)}`, is_mobile: false },
    }));
  });

  // Signing one of the user's devices out.
  app.post<SessionParams>('/v1/me/sessions/:session_id/revoke', async (request) => {
    readBody(request, []);
    const caller = await requireSession(ctx, request);
    const target = await findSession(db, request.params.session_id);
    if (!target || target.user_id !== caller.session.user_id) throw errors.resourceNotFound();
    const now = ctx.now();
    await finishSession(db, eventsOf(ctx, request), target.id, 'revoked', now);
    const remaining = caller.sessions.filter((s) => s.id !== target.id);
    const view = await loadClientView(ctx, { client: caller.client, sessions: remaining }, [target]);
    const user = userJson(view.users.get(target.user_id)!, view.numbersByUser.get(target.user_id) ?? [], now);
    return { response: sessionJson({ ...target, status: target.status === 'active' ? 'revoked' : target.status, updated_at: now }, user), client: clientJson(view, now) };
  });

  // Regenerate backup codes: shown this once.
  app.post('/v1/me/backup_codes', async (request) => {
    readBody(request, []);
    const caller = await requireSession(ctx, request);
    const now = ctx.now();
    const codes = await regenerateBackupCodes(db, ctx.keys.derived.backupCodes, caller.session.user_id, now);
    const view = await loadClientView(ctx, caller);
    return { response: { object: 'backup_code', id: newId('bcode', now), codes, created_at: now, updated_at: now }, client: clientJson(view, now) };
  });
}
