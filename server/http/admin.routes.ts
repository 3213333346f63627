import { Router, type Request, type Response } from 'express';
import type { AuthService } from '../services/auth.service';
import { AdminForbiddenError, AdminInputError, AdminNotFoundError, type AdminActor, type AdminService } from '../services/admin.service';
import { failure, toIssues } from '../../shared/protocol';
import { PasswordReset, ScopeChange } from '../../shared/schemas/admin.schema';
import { requireSession } from './request-session';

export interface AdminRoutesDeps {
  auth: AuthService;
  admin: AdminService;
}

/** Admin errors as named HTTP answers; anything else goes on to the error handler. */
function answerError(res: Response, error: unknown): void {
  if (error instanceof AdminForbiddenError) res.status(403).json(failure('forbidden', error.message));
  else if (error instanceof AdminNotFoundError) res.status(404).json(failure('not_found', error.message));
  else if (error instanceof AdminInputError) res.status(400).json(failure('invalid', error.message));
  else throw error;
}

/**
 * The admin API, mounted at API_ROUTES.admin. Routes only find the caller and parse; the service
 * authorizes (admin role) on its first line and does the rest.
 */
export function adminRoutes(deps: AdminRoutesDeps): Router {
  const router = Router();
  const run =
    (handle: (actor: AdminActor, req: Request<{ id: string }>, res: Response) => void | Promise<void>) =>
    async (req: Request<{ id: string }>, res: Response) => {
      const session = await requireSession(req, res, deps.auth);
      if (!session) return;
      try {
        await handle({ userId: session.user.id, role: session.user.role }, req, res);
      } catch (error) {
        answerError(res, error);
      }
    };

  router.get(
    '/overview',
    run(async (actor, _req, res) => void res.json(await deps.admin.list(actor))),
  );
  router.post(
    '/users',
    run(async (actor, req, res) => void res.status(201).json(await deps.admin.createUser(req.body, actor))),
  );
  router.post(
    '/agencies',
    run(async (actor, req, res) => void res.status(201).json(await deps.admin.createAgency(req.body, actor))),
  );
  router.post(
    '/users/:id/disable',
    run(async (actor, req, res) => void res.json(await deps.admin.setDisabled(req.params.id, true, actor))),
  );
  router.post(
    '/users/:id/enable',
    run(async (actor, req, res) => void res.json(await deps.admin.setDisabled(req.params.id, false, actor))),
  );
  router.post(
    '/users/:id/end-sessions',
    run(async (actor, req, res) => void res.json({ ended: await deps.admin.endSessions(req.params.id, actor) })),
  );
  router.post(
    '/users/:id/password',
    run(async (actor, req, res) => {
      const parsed = PasswordReset.safeParse(req.body);
      if (!parsed.success) {
        res.status(400).json(failure('invalid', 'a new password of at least 10 characters', toIssues(parsed.error)));
        return;
      }
      res.json(await deps.admin.resetPassword(req.params.id, parsed.data.password, actor));
    }),
  );
  router.put(
    '/users/:id/scope',
    run(async (actor, req, res) => {
      const parsed = ScopeChange.safeParse(req.body);
      if (!parsed.success) {
        res.status(400).json(failure('invalid', 'role, agency and crisis are required', toIssues(parsed.error)));
        return;
      }
      res.json(await deps.admin.changeScope(req.params.id, parsed.data, actor));
    }),
  );
  return router;
}
