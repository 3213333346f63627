import { Router } from 'express';
import type { AuthService } from '../services/auth.service';
import type { CoordinationService } from '../services/coordination.service';
import { Uuid } from '../../shared/ids';
import { failure } from '../../shared/protocol';
import { COORDINATION_ROUTES } from '../../shared/schemas/coordination.schema';
import { answer, HTTP_STATUS } from './answer';
import { requireSession } from './request-session';
import { sendCsv } from './csv-download';

export interface CoordinationRoutesDeps {
  auth: AuthService;
  coordination: CoordinationService;
}

/** Agencies, field teams, a group's timeline, the counters' history and the 3W export. */
export function coordinationRoutes(deps: CoordinationRoutesDeps): Router {
  const router = Router();
  const audience = (session: NonNullable<ReturnType<typeof requireSession>>) => deps.auth.audienceOf(session.user);

  router.get(COORDINATION_ROUTES.agencies, (req, res) => {
    const session = requireSession(req, res, deps.auth);
    if (session) answer(res, deps.coordination.agencies(audience(session)));
  });

  router.get(COORDINATION_ROUTES.fieldTeams, (req, res) => {
    const session = requireSession(req, res, deps.auth);
    if (session) answer(res, deps.coordination.fieldTeams(audience(session)));
  });

  router.get(COORDINATION_ROUTES.timeline(':id'), (req, res) => {
    const session = requireSession(req, res, deps.auth);
    if (!session) return;
    const id = Uuid.safeParse(req.params.id);
    if (!id.success) return void res.status(404).json(failure('not_found', 'no such group in your crisis'));
    answer(res, deps.coordination.timeline(audience(session), id.data));
  });

  router.get(COORDINATION_ROUTES.history, (req, res) => {
    const session = requireSession(req, res, deps.auth);
    if (session) answer(res, deps.coordination.history(audience(session)));
  });

  router.get(COORDINATION_ROUTES.threeW, (req, res) => {
    const session = requireSession(req, res, deps.auth);
    if (!session) return;
    const result = deps.coordination.threeWCsv(audience(session));
    if (!result.ok) return void res.status(HTTP_STATUS[result.code]).json(result);
    sendCsv(req, res, result.csv, 'waymark-3w.csv');
  });

  return router;
}
