import type { CookieOptions } from 'express';

/** The session cookie's name. */
export const SESSION_COOKIE = 'waymark_session';

/** The value of one cookie in a Cookie header, or null. Malformed percent-encoding counts as absent. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch (error) {
      if (error instanceof URIError) return null;
      throw error;
    }
  }
  return null;
}

/**
 * Session cookie flags: not readable by scripts, never sent from another site, Secure whenever the
 * request came over HTTPS. Another port of the same host is the same site, so state-changing
 * requests are also checked for the app's own origin (server/http/origin.ts) instead of a token.
 */
export function sessionCookieOptions(secure: boolean, maxAgeMs?: number): CookieOptions {
  return { httpOnly: true, sameSite: 'strict', path: '/', secure, ...(maxAgeMs ? { maxAge: maxAgeMs } : {}) };
}
