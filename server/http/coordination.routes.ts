import { Router } from 'express';
import type { ActiveSession, AuthService } from '../services/auth.service';
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
  const audience = (session: ActiveSession) => deps.auth.audienceOf(session.user);

  router.get(COORDINATION_ROUTES.agencies, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (session) answer(res, await deps.coordination.agencies(await audience(session)));
  });

  router.get(COORDINATION_ROUTES.fieldTeams, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (session) answer(res, await deps.coordination.fieldTeams(await audience(session)));
  });

  router.get(COORDINATION_ROUTES.timeline(':id'), async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    const id = Uuid.safeParse(req.params.id);
    if (!id.success) return void res.status(404).json(failure('not_found', 'no such group in your crisis'));
    answer(res, await deps.coordination.timeline(await audience(session), id.data));
  });

  router.get(COORDINATION_ROUTES.history, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (session) answer(res, await deps.coordination.history(await audience(session)));
  });

  router.get(COORDINATION_ROUTES.threeW, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    const result = await deps.coordination.threeWCsv(await audience(session));
    if (!result.ok) return void res.status(HTTP_STATUS[result.code]).json(result);
    sendCsv(req, res, result.csv, 'waymark-3w.csv');
  });

  return router;
}
