import { Router, type Request, type Response } from 'express';
import type { AuthService } from '../services/auth.service';
import type { ExportFile, ExportFormat, ExportService, ExportStream } from '../services/export.service';
import { EXPORT_ROUTES } from '../../shared/exports/export.schema';
import { GroupExportQuery } from '../../shared/exports/group-export';
import { failure, toIssues, type Failure } from '../../shared/protocol';
import { answer, HTTP_STATUS } from './answer';
import { requireSession } from './request-session';
import { wantsBom, withoutBom } from './csv-download';
import { responseSink, ResponseClosedError } from './response-sink';
import { UTF8_BOM } from '../../shared/exports/hxl-csv';
import { MOVEMENT_EXPORT_ROUTES } from '../../shared/exports/movement-exports';
import { Uuid } from '../../shared/ids';

export interface ExportRoutesDeps {
  auth: AuthService;
  exports: ExportService;
}

const CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  // RFC 7946 §12.
  geojson: 'application/geo+json; charset=utf-8',
};

/** The download's name: what it holds and the day. */
function downloadHeaders(res: Response, name: string, format: ExportFormat, now: number): void {
  const day = new Date(now).toISOString().slice(0, 10);
  res.setHeader('Content-Type', CONTENT_TYPE[format]);
  res.setHeader('Content-Disposition', `attachment; filename="waymark-${name}-${day}.${format}"`);
}

/** Sends an export held whole (a small aggregate) as a download, or the failure as JSON. */
function sendFile(req: Request, res: Response, result: ExportFile | Failure, name: string, format: ExportFormat, now: number): void {
  if (!result.ok) return void res.status(HTTP_STATUS[result.code]).json(result);
  downloadHeaders(res, name, format, now);
  res.setHeader('X-Waymark-Rows', String(result.rows));
  // A CSV carries the BOM for spreadsheets unless ?bom=0; JSON never does (RFC 8259 §8.1).
  res.send(format === 'csv' && wantsBom(req) ? UTF8_BOM + result.body : result.body);
}

/**
 * Streams an export as a download, or sends the failure as JSON. The row count is not known until
 * the last page, so a streamed download has no X-Waymark-Rows header (an HTTP trailer would reach
 * few clients: fetch and browsers drop them); the audit row records it. A failure half-way cannot
 * change the status any more: the connection is cut (the error handler destroys it) so that the
 * client sees a broken download rather than a short file that looks whole.
 */
async function streamFile(req: Request, res: Response, result: ExportStream | Failure, name: string, format: ExportFormat, now: number): Promise<void> {
  if (!result.ok) return void res.status(HTTP_STATUS[result.code]).json(result);
  downloadHeaders(res, name, format, now);
  const sink = responseSink(res);
  let bom = format === 'csv' && wantsBom(req) ? UTF8_BOM : '';
  try {
    await result.write(async (chunk) => {
      await sink(bom + chunk);
      bom = '';
    });
  } catch (error) {
    // A client that left needs no answer; the export's audit row already says it failed.
    if (error instanceof ResponseClosedError) return;
    throw error;
  }
  res.end();
}

/** Group exports, the shareable aggregate and the situation report; the service authorizes and audits. */
export function exportRoutes(deps: ExportRoutesDeps, now: () => number = Date.now): Router {
  const router = Router();
  const audience = async (req: Request, res: Response) => {
    const session = await requireSession(req, res, deps.auth);
    return session ? await deps.auth.audienceOf(session.user) : null;
  };

  const groups = (format: ExportFormat) => async (req: Request, res: Response) => {
    const who = await audience(req, res);
    if (!who) return;
    const query = GroupExportQuery.safeParse(withoutBom(req));
    if (!query.success) return void res.status(400).json(failure('invalid', 'not a valid export filter', toIssues(query.error)));
    await streamFile(req, res, await deps.exports.groups(who, format, query.data), 'groups', format, now());
  };
  router.get(EXPORT_ROUTES.groupsCsv, groups('csv'));
  router.get(EXPORT_ROUTES.groupsGeoJson, groups('geojson'));

  const shareable = (format: ExportFormat) => async (req: Request, res: Response) => {
    const who = await audience(req, res);
    if (who) sendFile(req, res, await deps.exports.shareable(who, format), 'people-by-area-and-nationality', format, now());
  };
  router.get(EXPORT_ROUTES.shareableCsv, shareable('csv'));
  router.get(EXPORT_ROUTES.shareableGeoJson, shareable('geojson'));

  router.get(EXPORT_ROUTES.sitrep, async (req, res) => {
    const who = await audience(req, res);
    if (!who) return;
    const result = await deps.exports.sitrep(who);
    answer(res, result.ok ? result.sitrep : result);
  });
  router.post(EXPORT_ROUTES.sitrep, async (req, res) => {
    const who = await audience(req, res);
    if (!who) return;
    const result = await deps.exports.issueSitrep(who);
    answer(res, result.ok ? result.sitrep : result);
  });

  // A movement's manifest for its carrier (issue 20): CSV, or a page to print.
  router.get(MOVEMENT_EXPORT_ROUTES.manifestCsv(':id'), async (req, res) => {
    const who = await audience(req, res);
    if (!who) return;
    const id = Uuid.safeParse(req.params['id']);
    sendFile(
      req,
      res,
      id.success ? await deps.exports.manifest(who, id.data, 'csv') : failure('not_found', 'no such movement in your crisis'),
      'manifest',
      'csv',
      now(),
    );
  });
  router.get(MOVEMENT_EXPORT_ROUTES.manifestHtml(':id'), async (req, res) => {
    const who = await audience(req, res);
    if (!who) return;
    const id = Uuid.safeParse(req.params['id']);
    const result = id.success ? await deps.exports.manifest(who, id.data, 'html') : failure('not_found', 'no such movement in your crisis');
    if (!result.ok) return void res.status(HTTP_STATUS[result.code]).json(result);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.send(result.body);
  });

  return router;
}
