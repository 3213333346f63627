import { Router, type Request, type Response } from 'express';
import type { ApiTokenService, ApiCaller } from '../services/api-token.service';
import type { ApiV1Service } from '../services/api-v1.service';
import type { AuthService } from '../services/auth.service';
import { Uuid } from '../../shared/ids';
import { failure, toIssues } from '../../shared/protocol';
import { API_TOKEN_ROUTES, API_V1_ROUTES, ApiListQuery, IssueApiToken } from '../../shared/schemas/api-v1.schema';
import { answer } from './answer';
import { API_V1_OPERATIONS, openApiDocument } from './openapi';
import { requireSession } from './request-session';

export interface ApiV1RoutesDeps {
  tokens: ApiTokenService;
  reads: ApiV1Service;
}

/** The caller of a token request, or null after answering 401/429 (with the bearer challenge). */
async function caller(req: Request, res: Response, tokens: ApiTokenService): Promise<ApiCaller | null> {
  const result = await tokens.authenticate(req.headers.authorization, req.ip);
  if ('audience' in result) return result;
  if (result.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer realm="waymark"');
  answer(res, result);
  return null;
}

function listQuery(req: Request, res: Response): ApiListQuery | null {
  const query = ApiListQuery.safeParse(req.query);
  if (query.success) return query.data;
  answer(res, failure('invalid', 'not a valid query (since, cursor, limit)', toIssues(query.error)));
  return null;
}

/** The read-only API for agencies' systems: bearer token, scoped like the app, described by OpenAPI. */
export function apiV1Routes(deps: ApiV1RoutesDeps): Router {
  const router = Router();
  const handlers: Record<string, (who: ApiCaller, req: Request, res: Response) => Promise<void>> = {
    listGroups: async (who, req, res) => {
      const q = listQuery(req, res);
      if (q) answer(res, await deps.reads.groups(who.audience, q));
    },
    getGroup: async (who, req, res) => {
      const id = Uuid.safeParse(req.params.id);
      answer(res, id.success ? await deps.reads.group(who.audience, id.data) : failure('not_found', 'no such group in your view'));
    },
    listNeeds: async (who, req, res) => {
      const q = listQuery(req, res);
      if (q) answer(res, await deps.reads.needs(who.audience, q));
    },
    listAssignments: async (who, req, res) => {
      const q = listQuery(req, res);
      if (q) answer(res, await deps.reads.assignments(who.audience, q));
    },
  };
  router.get(API_V1_ROUTES.openapi, (_req, res) => {
    res.json(openApiDocument());
  });
  // Registered from the same table the description is made from.
  for (const op of API_V1_OPERATIONS) {
    const handle = handlers[op.operationId];
    if (!handle) throw new Error(`no handler for ${op.operationId}`);
    router.get(op.path, async (req, res) => {
      const who = await caller(req, res, deps.tokens);
      if (who) await handle(who, req, res);
    });
  }
  return router;
}

export interface ApiTokenRoutesDeps {
  auth: AuthService;
  tokens: ApiTokenService;
}

/** Admin: list, issue and revoke API tokens (session-authenticated, like the rest of the admin screen). */
export function apiTokenRoutes(deps: ApiTokenRoutesDeps): Router {
  const router = Router();
  const admin = async (req: Request, res: Response) => {
    const session = await requireSession(req, res, deps.auth);
    return session ? await deps.auth.audienceOf(session.user) : null;
  };
  router.get(API_TOKEN_ROUTES.list, async (req, res) => {
    const who = await admin(req, res);
    if (who) answer(res, await deps.tokens.list(who));
  });
  router.post(API_TOKEN_ROUTES.list, async (req, res) => {
    const who = await admin(req, res);
    if (!who) return;
    const body = IssueApiToken.safeParse(req.body);
    answer(res, body.success ? await deps.tokens.issue(who, body.data) : failure('invalid', 'not a valid token request', toIssues(body.error)));
  });
  router.post(API_TOKEN_ROUTES.revoke(':id'), async (req, res) => {
    const who = await admin(req, res);
    if (!who) return;
    const id = Uuid.safeParse(req.params.id);
    answer(res, id.success ? await deps.tokens.revoke(who, id.data) : failure('not_found', 'no such API token'));
  });
  return router;
}
