import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * The Content-Security-Policy the client runs under. MapLibre builds its workers from blob: URLs
 * and draws with data:/blob: images; the socket is same-origin (Chromium matches ws: by 'self').
 * Styles: the build ships CSS files, and both Svelte (`style:`, `style.cssText`) and MapLibre
 * (marker and popup positions) set styles through the CSSOM, which CSP does not govern; so no
 * inline style at all is allowed (style-src-attr 'none'), and the browser test checks the map
 * draws with no violation. zod's eval probe is switched off in the client (client/lib/zod-jitless.ts).
 * A street-level PMTiles archive (WAYMARK_BASEMAP_PMTILES) is read from this origin with fetch and
 * its tiles reach the workers as bytes, so 'self' in connect-src covers it; its test runs under this policy.
 */
export function contentSecurityPolicy(basemapStyleUrl: string | null): Record<string, string[]> {
  // An opted-in online basemap is fetched from its own origin (style, tiles on that host, glyphs).
  const basemap = basemapStyleUrl ? [new URL(basemapStyleUrl).origin] : [];
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'worker-src': ["'self'", 'blob:'],
    'child-src': ['blob:'],
    'img-src': ["'self'", 'data:', 'blob:', ...basemap],
    'style-src': ["'self'"],
    'style-src-elem': ["'self'"],
    'style-src-attr': ["'none'"],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...basemap],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'manifest-src': ["'self'"],
  };
}

/** helmet's headers with the policy above; HSTS only matters (and is only honoured) over HTTPS. */
export function securityHeaders(basemapStyleUrl: string | null): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(basemapStyleUrl) },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
  });
}
