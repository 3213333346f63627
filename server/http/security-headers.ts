import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * The Content-Security-Policy the client runs under. MapLibre builds its workers from blob: URLs
 * and draws with data:/blob: images; the socket is same-origin (Chromium matches ws: by 'self').
 * Styles: the build ships CSS files; inline style attributes (Svelte `style:` and MapLibre's
 * positioning) need style-src-attr, which cannot run script, so only attributes are allowed inline.
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
    'style-src-attr': ["'unsafe-inline'"],
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
