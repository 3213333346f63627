import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { AuthService } from '../services/auth.service';
import type { AdminAreaService } from '../services/admin-area.service';
import { AdminForbiddenError, AdminInputError, AdminNotFoundError } from '../services/admin.service';
import { can } from '../../shared/permissions';
import { failure } from '../../shared/protocol';
import { ADMIN_AREA_ROUTES, BOUNDARY_UPLOAD_MAX_BYTES, BOUNDARY_UPLOAD_TYPE, type BoundarySummary } from '../../shared/schemas/admin-area.schema';
import { answer } from './answer';
import { requireSession } from './request-session';

export interface AdminAreaRoutesDeps {
  auth: AuthService;
  areas: AdminAreaService;
}

// The Express forms of ADMIN_AREA_ROUTES (shared/schemas/admin-area.schema.ts).
const BOUNDARIES_PATH = '/api/admin/crises/:id/boundaries';
const DRAWABLE_PATH = '/api/crises/:id/admin-areas';
const OWN_DRAWABLE_PATH = ADMIN_AREA_ROUTES.ownDrawable;

/** Named answers for the service's errors; anything else goes on to the error handler. */
function answerError(res: Response, error: unknown): void {
  if (error instanceof AdminForbiddenError) answer(res, failure('forbidden', error.message));
  else if (error instanceof AdminNotFoundError) answer(res, failure('not_found', error.message));
  else if (error instanceof AdminInputError) answer(res, failure('invalid', error.message));
  else throw error;
}

/** Admin boundaries: an admin previews and loads COD-AB files; every user of a crisis draws them. */
export function adminAreaRoutes(deps: AdminAreaRoutesDeps): Router {
  const router = Router();
  const actor = async (req: Request, res: Response) => {
    const session = await requireSession(req, res, deps.auth);
    return session ? { userId: session.user.id, role: session.user.role } : null;
  };

  // An admin, before a byte of the (large) body is buffered.
  const mayLoad: RequestHandler = async (req, res, next) => {
    const who = await actor(req, res);
    if (!who) return;
    if (!can(who.role, 'admin.manage')) return answer(res, failure('forbidden', 'only an admin may do this'));
    next();
  };
  const tooLarge: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    const type = typeof error === 'object' && error !== null && 'type' in error ? error.type : null;
    if (type === 'entity.too.large')
      return answer(res, failure('too_large', `boundary files over ${BOUNDARY_UPLOAD_MAX_BYTES / (1024 * 1024)} MB are not taken`));
    if (type === 'entity.parse.failed') return answer(res, failure('invalid', 'the upload is not JSON'));
    next(error);
  };

  router.post(
    BOUNDARIES_PATH,
    mayLoad,
    express.json({ type: BOUNDARY_UPLOAD_TYPE, limit: BOUNDARY_UPLOAD_MAX_BYTES }),
    async (req: Request<{ id: string }>, res: Response) => {
      const who = await actor(req, res);
      if (!who) return;
      if (!req.is(BOUNDARY_UPLOAD_TYPE)) return answer(res, failure('invalid', `send the files as ${BOUNDARY_UPLOAD_TYPE}`));
      try {
        const result = await deps.areas.load(who, req.params.id, req.body);
        // A commit refused for errors is a failure the client shows with the preview that explains it.
        if (!result.committed && !result.preview.ok && req.body?.dryRun !== true) {
          res.status(400).json({ ...failure('invalid', 'the boundary files have errors; nothing was stored'), preview: result.preview });
          return;
        }
        res.json(result);
      } catch (error) {
        answerError(res, error);
      }
    },
    tooLarge,
  );

  router.get(BOUNDARIES_PATH, async (req: Request<{ id: string }>, res: Response) => {
    const who = await actor(req, res);
    if (!who) return;
    try {
      const { set, areas } = await deps.areas.boundaries(who, req.params.id);
      const summary: BoundarySummary = {
        set,
        areas: areas.map((a) => ({ pcode: a.pcode, level: a.level, name: a.name, parentPcode: a.parentPcode, drawn: a.geometry !== null })),
      };
      res.json(summary);
    } catch (error) {
      answerError(res, error);
    }
  });

  router.get(DRAWABLE_PATH, async (req: Request<{ id: string }>, res: Response) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    const drawn = await deps.areas.drawable(await deps.auth.audienceOf(session.user), req.params.id);
    // Another crisis answers exactly like a missing one.
    if (!drawn) return answer(res, failure('not_found', 'no such crisis'));
    res.json(drawn);
  });

  router.get(OWN_DRAWABLE_PATH, async (req: Request, res: Response) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    const audience = await deps.auth.audienceOf(session.user);
    const drawn = audience.crisisId === null ? null : await deps.areas.drawable(audience, audience.crisisId);
    if (!drawn) return answer(res, failure('not_found', 'you are not assigned to a crisis'));
    res.json(drawn);
  });

  return router;
}
