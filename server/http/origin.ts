import type http from 'node:http';
import type { RequestHandler } from 'express';
import { failure } from '../../shared/protocol';
import type { Logger } from '../log';

/** What decides which browser pages may act on this server: the same for REST and the socket. */
export interface OriginPolicy {
  /** Origins the deployment listed (WAYMARK_ALLOWED_ORIGINS), besides the server's own. */
  allowedOrigins: readonly string[];
  /** Believe one proxy's X-Forwarded-Host and X-Forwarded-Proto (WAYMARK_TRUST_PROXY=on). */
  trustProxy: boolean;
}

/** The parts of a request the rule reads: a REST request and a socket handshake both have them. */
export interface OriginRequest {
  headers: http.IncomingHttpHeaders;
  /** Whether the connection to this process is TLS. */
  encrypted: boolean;
}

/**
 * `own`: the request comes from the app's own pages (or an allowed origin); `foreign`: from any
 * other page, the same site on another port included; `absent`: nothing says, so not a browser
 * (every browser sends Origin on a WebSocket and on any method but GET and HEAD).
 */
export type OriginVerdict = 'own' | 'foreign' | 'absent';

const firstValue = (header: string | string[] | undefined): string | undefined =>
  (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim() || undefined;

/**
 * The origins this server answers as: the Host header with the scheme the request came by. Behind
 * a trusted proxy, X-Forwarded-Host and -Proto say what the browser asked for (the first value, as
 * Express reads them for `req.secure`). Without one nothing forwarded is believed, so a plain
 * connection may still have come through a TLS proxy: both schemes are taken for the same host and
 * port, which no other server can answer as. The `Forwarded` header (RFC 7239) is never read:
 * Express reads only X-Forwarded-*, and the cookie's Secure flag, the sign-in limits and this rule
 * have to agree on one proxy header family.
 */
export function ownOrigins(req: OriginRequest, trustProxy: boolean): string[] {
  const host = (trustProxy ? firstValue(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host;
  if (!host) return [];
  const proto = trustProxy ? firstValue(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const schemes = proto === 'http' || proto === 'https' ? [proto] : req.encrypted ? ['https'] : ['http', 'https'];
  return schemes.flatMap((scheme) => {
    const url = `${scheme}://${host}`;
    return URL.canParse(url) ? [new URL(url).origin] : [];
  });
}

/**
 * Where a request comes from. A listed origin is always let in (it may be another site on purpose).
 * Otherwise the browser's own Sec-Fetch-Site decides when it sent one, since no page can forge it
 * and it is right even behind a proxy that rewrote Host; browsers without it are judged by Origin.
 */
export function originVerdict(req: OriginRequest, policy: OriginPolicy): OriginVerdict {
  const origin = firstValue(req.headers.origin);
  const parsed = origin !== undefined && URL.canParse(origin) ? new URL(origin).origin : null;
  if (parsed !== null && parsed !== 'null' && policy.allowedOrigins.includes(parsed)) return 'own';
  const fetchSite = firstValue(req.headers['sec-fetch-site']);
  if (fetchSite !== undefined) return fetchSite === 'same-origin' ? 'own' : 'foreign';
  if (origin === undefined) return 'absent';
  return parsed !== null && ownOrigins(req, policy.trustProxy).includes(parsed) ? 'own' : 'foreign';
}

/** The 403 messages (code `forbidden`): tests and people reading a log tell this refusal from a role's. */
export const FOREIGN_MESSAGE = "cross-origin request refused: it did not come from this app's own pages";
export const ABSENT_MESSAGE = 'cross-origin request refused: a request that changes something must send its Origin';

/** Methods that change nothing, so any page may send them (their answers are not readable cross-origin). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery guard for every route: a request that may change something must come
 * from the app's own pages. SameSite=Strict keeps the cookie from other sites, but another port of
 * the same host is the same site; a request no browser page could have sent without saying where
 * from (no Origin, no Sec-Fetch-Site) is refused too, so a forgotten header never opens a hole.
 * API v1 (bearer token, no ambient credential) is read-only, so the guard never touches it.
 */
export function sameOriginGuard(policy: OriginPolicy, logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const verdict = originVerdict({ headers: req.headers, encrypted: isEncrypted(req) }, policy);
    if (verdict === 'own') return next();
    // Logged like the socket's refusal: a proxy that rewrites Host would refuse every write from a
    // browser without Sec-Fetch-Site; the fix is WAYMARK_TRUST_PROXY or WAYMARK_ALLOWED_ORIGINS.
    logger.warn('http.forbidden_origin', { method: req.method, path: req.path, verdict, host: req.headers.host ?? null });
    res.status(403).json(failure('forbidden', verdict === 'absent' ? ABSENT_MESSAGE : FOREIGN_MESSAGE));
  };
}

/** Whether the request's own connection is TLS (this process serves plain HTTP unless wrapped). */
export function isEncrypted(req: http.IncomingMessage): boolean {
  return 'encrypted' in req.socket && req.socket.encrypted === true;
}
