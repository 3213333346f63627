import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { AuthService } from '../services/auth.service';
import type { ImportService } from '../services/import.service';
import { Uuid } from '../../shared/ids';
import { can } from '../../shared/permissions';
import { failure, toIssues } from '../../shared/protocol';
import { ImportReadOptions, ImportRequest, IMPORT_ROUTES } from '../../shared/schemas/import.schema';
import { answer } from './answer';
import { requireSession } from './request-session';

export interface ImportRoutesDeps {
  auth: AuthService;
  imports: ImportService;
  /** Largest file accepted, in bytes; larger answers 413 `too_large`. */
  maxBytes: number;
}

/** The file's own name, as the browser sent it (URI-encoded header), for the audit trail. */
function fileName(req: Request): string {
  const raw = req.headers['x-file-name'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  try {
    return value
      ? decodeURIComponent(value)
          .replace(/\p{Cc}/gu, '')
          .slice(0, 200) || 'upload.csv'
      : 'upload.csv';
  } catch {
    return 'upload.csv';
  }
}

/** CSV import for coordinators: upload, preview with a mapping, start, follow. */
export function importRoutes(deps: ImportRoutesDeps): Router {
  const router = Router();
  const audience = async (req: Request, res: Response) => {
    const session = await requireSession(req, res, deps.auth);
    return session ? await deps.auth.audienceOf(session.user) : null;
  };
  const id = (req: Request, res: Response): string | null => {
    const parsed = Uuid.safeParse(req.params.id);
    if (!parsed.success) answer(res, failure('not_found', 'no such import'));
    return parsed.success ? parsed.data : null;
  };
  const mapping = (req: Request, res: Response) => {
    const body = ImportRequest.safeParse(req.body);
    if (!body.success) answer(res, failure('invalid', 'not a valid column mapping', toIssues(body.error)));
    return body.success ? body.data : null;
  };

  const tooLarge: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    const type = typeof error === 'object' && error !== null && 'type' in error ? error.type : null;
    if (type !== 'entity.too.large') return next(error);
    const mb = Math.round(deps.maxBytes / (1024 * 1024));
    res.status(413).json(failure('too_large', `the file is larger than the ${mb} MB an import takes; split it`));
  };
  // Signed in and allowed to import before a byte of the body is buffered (up to 32 MB).
  const mayUpload: RequestHandler = async (req, res, next) => {
    const who = await audience(req, res);
    if (!who) return;
    if (!can(who.role, 'group.import')) return answer(res, failure('forbidden', 'your role may not import groups'));
    next();
  };
  const upload: RequestHandler = async (req, res) => {
    const who = await audience(req, res);
    if (!who) return;
    const body: unknown = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) return answer(res, failure('invalid', 'the upload is empty'));
    // The person's choice over the detection: ?encoding=windows-1252&delimiter=semicolon.
    const options = ImportReadOptions.safeParse(req.query);
    if (!options.success) return answer(res, failure('invalid', 'not a known encoding or delimiter', toIssues(options.error)));
    answer(res, await deps.imports.upload(who, fileName(req), body, options.data));
  };
  router.post(IMPORT_ROUTES.upload, mayUpload, express.raw({ type: () => true, limit: deps.maxBytes }), upload, tooLarge);

  router.post(IMPORT_ROUTES.preview(':id'), async (req, res) => {
    const who = await audience(req, res);
    const importId = who && id(req, res);
    const m = importId && mapping(req, res);
    if (who && importId && m) answer(res, await deps.imports.preview(who, importId, m));
  });

  router.post(IMPORT_ROUTES.start(':id'), async (req, res) => {
    const who = await audience(req, res);
    const importId = who && id(req, res);
    const m = importId && mapping(req, res);
    if (who && importId && m) answer(res, await deps.imports.start(who, importId, m));
  });

  router.get(IMPORT_ROUTES.one(':id'), async (req, res) => {
    const who = await audience(req, res);
    const importId = who && id(req, res);
    if (who && importId) answer(res, await deps.imports.status(who, importId));
  });

  return router;
}
