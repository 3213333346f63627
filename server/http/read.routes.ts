import { Router } from 'express';
import type { AuthService } from '../services/auth.service';
import type { ReadService } from '../services/read.service';
import { failure, toIssues } from '../../shared/protocol';
import { Uuid } from '../../shared/ids';
import { AuditQuery } from '../../shared/schemas/admin.schema';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { answer, HTTP_STATUS } from './answer';
import { requireSession } from './request-session';
import { sendCsv } from './csv-download';

export interface ReadRoutesDeps {
  auth: AuthService;
  reads: ReadService;
}

/** GET a group's details, an embassy's aggregates, the audit log: each audited by the read service. */
export function readRoutes(deps: ReadRoutesDeps): Router {
  const router = Router();

  router.get(`${API_ROUTES.groups}/:id`, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    const id = Uuid.safeParse(req.params.id);
    // Not a group id at all: the same answer as a group one may not see.
    if (!id.success) return void res.status(404).json(failure('not_found', 'no such group in your view'));
    answer(res, await deps.reads.readGroup(await deps.auth.audienceOf(session.user), id.data));
  });

  router.get(API_ROUTES.aggregates, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    answer(res, await deps.reads.aggregates(await deps.auth.audienceOf(session.user)));
  });

  router.get(API_ROUTES.aggregatesCsv, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    const result = await deps.reads.aggregatesCsv(await deps.auth.audienceOf(session.user));
    if (!result.ok) return void res.status(HTTP_STATUS[result.code]).json(result);
    sendCsv(req, res, result.csv, 'waymark-nationals-by-area.csv');
  });

  router.get(API_ROUTES.audit, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    const query = AuditQuery.safeParse(req.query);
    if (!query.success) return void res.status(400).json(failure('invalid', 'not a valid audit query', toIssues(query.error)));
    answer(res, await deps.reads.audit(await deps.auth.audienceOf(session.user), query.data));
  });

  return router;
}
