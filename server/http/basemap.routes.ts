import fs from 'node:fs/promises';
import { Router, type Response } from 'express';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { failure } from '../../shared/protocol';
import type { Logger } from '../log';
import type { AuthService } from '../services/auth.service';
import { requireSession } from './request-session';

export interface BasemapRoutesDeps {
  auth: AuthService;
  /** The PMTiles archive on disk (config.basemapPmtiles). Never said to a client, in a header, body or error. */
  file: string;
  logger: Logger;
}

/**
 * Revalidated on every use, never stored by a shared cache: the archive is served to signed-in
 * users only. MapLibre reads `max-age` as a tile's expiry, so none is given and drawn tiles stay.
 */
const CACHE_CONTROL = 'private, no-cache';

/**
 * A strong validator from the file's size and modification time: the pmtiles reader ignores weak
 * ones, and compares this one across its range requests to notice an archive replaced mid-session.
 */
function etagOf(stat: { size: number; mtimeMs: number }): string {
  return `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
}

function statusOf(error: unknown): number | null {
  return typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : null;
}

/**
 * The street-level basemap: one PMTiles archive, read by the map with HTTP range requests (206
 * with Content-Range, 416 past the end, 304 and If-Range by ETag). Signed-in users only: the tiles
 * hold no personal data, but every view that draws them is behind sign-in, and an archive of a
 * region is hundreds of megabytes that nobody else should be able to pull over a crisis's thin link.
 */
export function basemapRoutes(deps: BasemapRoutesDeps): Router {
  const router = Router();
  const gone = (res: Response) => res.status(404).json(failure('not_found', 'no street basemap is available'));
  router.get(API_ROUTES.basemapTiles, async (req, res, next) => {
    const session = await requireSession(req, res, deps.auth);
    if (!session) return;
    let stat;
    try {
      stat = await fs.stat(deps.file);
    } catch {
      // Moved or deleted after startup: the bundled basemap still draws beneath.
      deps.logger.error('basemap.missing', { note: 'the WAYMARK_BASEMAP_PMTILES file can no longer be read' });
      gone(res);
      return;
    }
    // Replaces the /api default (no-store) for this route only.
    res.setHeader('Cache-Control', CACHE_CONTROL);
    res.setHeader('ETag', etagOf(stat));
    res.setHeader('Content-Type', 'application/octet-stream');
    res.sendFile(deps.file, { etag: false, cacheControl: false, lastModified: true, dotfiles: 'allow', acceptRanges: true }, (error?: unknown) => {
      if (!error || res.headersSent) return;
      res.removeHeader('Content-Type');
      if (statusOf(error) === 416) {
        // `send` has set Content-Range to "bytes */<size>", as RFC 9110 asks of a 416.
        res.status(416).json(failure('invalid', 'the requested range is outside the archive'));
      } else if (statusOf(error) === 404) {
        gone(res);
      } else {
        next(error);
      }
    });
  });
  return router;
}
