import { Router } from 'express';
import type { AuthService } from '../services/auth.service';
import type { PublishedChange } from '../services/movement.service';
import type { RetentionService } from '../services/retention.service';
import { Uuid } from '../../shared/ids';
import { failure, toIssues } from '../../shared/protocol';
import { EraseGroupRequest, RETENTION_ROUTES } from '../../shared/schemas/retention.schema';
import { answer } from './answer';
import { requireSession } from './request-session';

export interface RetentionRoutesDeps {
  auth: AuthService;
  retention: RetentionService;
  /** Sends committed changes to the connected devices; called only after the commit. */
  publish: (changes: readonly PublishedChange[]) => void;
}

/** Erasure of one group on request (coordinators). Retention itself runs on the server's timer and from the admin command. */
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
  return router;
}
