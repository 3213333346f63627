import { Router } from 'express';
import type { AuthService } from '../services/auth.service';
import type { ConsularService } from '../services/consular.service';
import { CONSULAR_ROUTES } from '../../shared/consular';
import { answer, HTTP_STATUS } from './answer';
import { requireSession } from './request-session';
import { sendCsv } from './csv-download';

export interface ConsularRoutesDeps {
  auth: AuthService;
  consular: ConsularService;
}

/** The consular view's reads: overview with areas, its history, evacuation list, its CSV export. */
export function consularRoutes(deps: ConsularRoutesDeps): Router {
  const router = Router();

  router.get(CONSULAR_ROUTES.summary, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (session) answer(res, await deps.consular.summary(await deps.auth.audienceOf(session.user)));
  });

  router.get(CONSULAR_ROUTES.history, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (session) answer(res, await deps.consular.history(await deps.auth.audienceOf(session.user)));
  });

  router.get(CONSULAR_ROUTES.evacuation, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (session) answer(res, await deps.consular.evacuation(await deps.auth.audienceOf(session.user)));
  });

  router.get(CONSULAR_ROUTES.evacuationCsv, async (req, res) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    const result = await deps.consular.evacuationCsv(await deps.auth.audienceOf(session.user));
    if (!result.ok) return void res.status(HTTP_STATUS[result.code]).json(result);
    sendCsv(req, res, result.csv, 'waymark-evacuation-list.csv');
  });

  return router;
}
