import type { Request, Response } from 'express';
import type { ActiveSession, AuthService } from '../services/auth.service';
import { failure } from '../../shared/protocol';
import { readCookie, SESSION_COOKIE } from './cookies';

/** The caller's live session, or null after answering 401 (routes then just return). */
export async function requireSession(req: Request, res: Response, auth: AuthService): Promise<ActiveSession | null> {
  const token = readCookie(req.headers.cookie, SESSION_COOKIE);
  const session = token ? await auth.resolveToken(token) : null;
  if (!session) res.status(401).json(failure('unauthorized', 'not signed in'));
  return session;
}
