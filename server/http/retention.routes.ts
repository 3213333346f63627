import { Router } from 'express';
import type { AuthService } from '../services/auth.service';
import type { PublishedChange } from '../services/command.service';
import type { RetentionService } from '../services/retention.service';
import type { RetentionAdminActor, RetentionAdminService } from '../services/retention-admin.service';
import type { Role } from '../../shared/schemas/user.schema';
import { Uuid } from '../../shared/ids';
import { failure, toIssues } from '../../shared/protocol';
import { EraseGroupRequest, RETENTION_ROUTES, RetentionPolicyBody } from '../../shared/schemas/retention.schema';
import { answer } from './answer';
import { requireSession } from './request-session';

export interface RetentionRoutesDeps {
  auth: AuthService;
  retention: RetentionService;
  /** The admin screen's retention: policies, closing, the ledger, a purge now. */
  admin: RetentionAdminService;
  /** Sends committed changes to the connected devices; called only after the commit. */
  publish: (changes: readonly PublishedChange[]) => void;
}

/** The admin as the retention service names them in its audit rows. */
const actorOf = (user: { id: string; role: Role }): RetentionAdminActor => ({ userId: user.id, role: user.role });

/**
 * Erasure of one group on request (coordinators), and the admin screen's retention (admins; the
 * service authorizes). Retention itself runs on the server's timer, from the admin command, and
 * from the admin screen's "purge now".
 */
export function retentionRoutes(deps: RetentionRoutesDeps): Router {
  const router = Router();
  router.post(RETENTION_ROUTES.erase(':id'), async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    const id = Uuid.safeParse(req.params.id);
    if (!id.success) return answer(res, failure('not_found', 'no such group in your crisis'));
    const body = EraseGroupRequest.safeParse(req.body);
    if (!body.success) return answer(res, failure('invalid', 'an erasure needs a reason code', toIssues(body.error)));
    const result = await deps.retention.erase(await deps.auth.audienceOf(session.user), id.data, body.data.reason);
    if (!result.ok) return answer(res, result);
    deps.publish(result.committed);
    answer(res, { ok: true as const, seq: result.seq });
  });

  router.get(RETENTION_ROUTES.overview, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    answer(res, await deps.admin.overview(actorOf(session.user)));
  });
  router.put(RETENTION_ROUTES.policy(':id'), async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    const id = Uuid.safeParse(req.params.id);
    if (!id.success) return answer(res, failure('not_found', 'no such crisis'));
    const body = RetentionPolicyBody.safeParse(req.body);
    if (!body.success) return answer(res, failure('invalid', 'a policy needs whole days (1 to 36500) and what they count from', toIssues(body.error)));
    answer(res, await deps.admin.setPolicy(actorOf(session.user), id.data, body.data));
  });
  router.delete(RETENTION_ROUTES.policy(':id'), async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    const id = Uuid.safeParse(req.params.id);
    if (!id.success) return answer(res, failure('not_found', 'no such crisis'));
    answer(res, await deps.admin.clearPolicy(actorOf(session.user), id.data));
  });
  router.post(RETENTION_ROUTES.close(':id'), async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    const id = Uuid.safeParse(req.params.id);
    if (!id.success) return answer(res, failure('not_found', 'no such crisis'));
    answer(res, await deps.admin.closeCrisis(actorOf(session.user), id.data));
  });
  router.post(RETENTION_ROUTES.purge, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    answer(res, await deps.admin.purgeNow(actorOf(session.user)));
  });
  return router;
}
