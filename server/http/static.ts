import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

/** Vite names files under assets/ by content hash, so they never change: cache them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html above all) must be revalidated so a deploy reaches every tab. */
const REVALIDATE = 'no-cache';

/**
 * Serves the client build with an SPA fallback (any other GET that is not /api or /socket.io gets
 * index.html). Returns null when the folder holds no build, so the API still runs without one.
 */
export function staticRoutes(staticDir: string): Router | null {
  const indexFile = path.join(staticDir, 'index.html');
  if (!fs.existsSync(indexFile)) return null;
  const assetsDir = path.join(staticDir, 'assets') + path.sep;
  const router = Router();
  router.use(
    express.static(staticDir, {
      index: false,
      setHeaders(res, filePath) {
        res.setHeader('Cache-Control', filePath.startsWith(assetsDir) ? IMMUTABLE : REVALIDATE);
      },
    }),
  );
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // A missing hashed asset is a real 404; answering with HTML would be parsed as a script.
    if (req.path.startsWith('/api/') || req.path === '/api' || req.path.startsWith('/assets/')) return next();
    res.setHeader('Cache-Control', REVALIDATE);
    res.sendFile(indexFile);
  });
  return router;
}
