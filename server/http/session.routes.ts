import { Router, type Request } from 'express';
import type { SessionPolicy } from '../config';
import type { AuthService } from '../services/auth.service';
import { failure, toIssues } from '../../shared/protocol';
import { SignInRequest, type SessionProbe } from '../../shared/schemas/api.schema';
import { readCookie, SESSION_COOKIE, sessionCookieOptions } from './cookies';

export interface SessionRoutesDeps {
  auth: AuthService;
  policy: SessionPolicy;
  /** Closes live connections of a session that signed out. */
  onSignOut: (sessionId: string) => void;
}

const UNAUTHORIZED = failure('unauthorized', 'wrong username or password');
const RATE_LIMITED = failure('rate_limited', 'too many failed sign-ins; try again later');
const tokenOf = (req: Request) => readCookie(req.headers.cookie, SESSION_COOKIE);

/** POST/GET/DELETE on the session route: sign in, who am I, sign out. Mounted at API_ROUTES.session. */
export function sessionRoutes(deps: SessionRoutesDeps): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const parsed = SignInRequest.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json(failure('invalid', 'username and password are required', toIssues(parsed.error)));
      return;
    }
    const result = await deps.auth.signIn(parsed.data, req.ip ?? 'unknown');
    if (!result.ok && result.code === 'rate_limited') {
      // The same answer whether or not the username exists: unknown usernames are locked alike.
      res.setHeader('Retry-After', String(Math.ceil(result.retryAfterMs / 1000)));
      res.status(429).json(RATE_LIMITED);
      return;
    }
    if (!result.ok) {
      res.status(401).json(UNAUTHORIZED);
      return;
    }
    // A session this browser already held ends: each sign-in gets a new id, and a token planted
    // before it (session fixation) is worth nothing after.
    const previous = tokenOf(req);
    const held = previous ? await deps.auth.resolveToken(previous) : null;
    if (held) {
      await deps.auth.signOut(held.sessionId);
      deps.onSignOut(held.sessionId);
    }
    res.cookie(SESSION_COOKIE, result.token, sessionCookieOptions(req.secure, deps.policy.absoluteMs));
    res.status(200).json(result.info);
  });

  router.get('/', async (req, res) => {
    const token = tokenOf(req);
    const session = token ? await deps.auth.resolveToken(token) : null;
    // Nobody signed in is an answer, not an error (see SignedOut).
    const answer: SessionProbe = session ? await deps.auth.sessionInfo(session.user) : { signedIn: false };
    res.json(answer);
  });

  router.delete('/', async (req, res) => {
    const token = tokenOf(req);
    if (token) {
      const session = await deps.auth.resolveToken(token);
      if (session) {
        await deps.auth.signOut(session.sessionId);
        deps.onSignOut(session.sessionId);
      }
    }
    res.clearCookie(SESSION_COOKIE, sessionCookieOptions(req.secure));
    res.status(204).end();
  });

  return router;
}
