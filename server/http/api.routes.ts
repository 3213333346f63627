import express, { Router } from 'express';
import { PROTOCOL_VERSION, MAX_REST_BODY_BYTES } from '../../shared/protocol';
import { API_ROUTES, type ClientConfig } from '../../shared/schemas/api.schema';
import { apiNotFound } from './errors';
import { sessionRoutes, type SessionRoutesDeps } from './session.routes';

export interface ApiDeps extends SessionRoutesDeps {
  basemapStyleUrl: string | null;
  /** Whether a street-level PMTiles archive is served (its route is then in `routers`). */
  basemapPmtiles: boolean;
  /** More routers under /api (admin, audit, groups), mounted before the JSON 404. */
  routers?: readonly Router[];
}

/** Everything under /api (mounted at the root, since API_ROUTES hold full paths): JSON in, JSON out, never cached. */
export function apiRoutes(deps: ApiDeps): Router {
  const api = Router();
  api.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use('/api', express.json({ limit: MAX_REST_BODY_BYTES }));
  api.use(API_ROUTES.session, sessionRoutes(deps));
  api.get(API_ROUTES.config, (_req, res) => {
    const config: ClientConfig = {
      protocolVersion: PROTOCOL_VERSION,
      basemapStyleUrl: deps.basemapStyleUrl,
      basemapPmtilesUrl: deps.basemapPmtiles ? API_ROUTES.basemapTiles : null,
    };
    res.json(config);
  });
  api.get(API_ROUTES.health, (_req, res) => {
    res.json({ ok: true });
  });
  for (const router of deps.routers ?? []) api.use(router);
  api.use('/api', apiNotFound);
  return api;
}
