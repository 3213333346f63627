import { createHash, randomBytes } from 'node:crypto';
import type { SessionPolicy } from '../config';
import type { Repositories } from '../repositories/repositories';
import { toPublicUser, type UserRecord } from '../repositories/user.repository';
import type { ConnectionState } from '../repositories/session.repository';
import type { Audience } from '../../shared/projection';
import type { SessionInfo, SignInRequest } from '../../shared/schemas/api.schema';
import { SignInLimiter } from '../security/sign-in-limiter';
import { hashPassword, verifyPassword } from './password';

/** Touching a session on every request would turn every read into a write; once a minute is enough. */
const TOUCH_INTERVAL_MS = 60_000;

/** A session that is valid right now, with its user. */
export interface ActiveSession {
  sessionId: string;
  user: UserRecord;
  createdAtMs: number;
  /** As stored after this check (now, if the check touched it). */
  lastSeenAtMs: number;
}

/** What a live connection remembers of its session between checks. */
export interface KnownSession {
  createdAtMs: number;
  /** The newest last-seen time this connection knows of (the stored one can only be newer). */
  lastSeenAtMs: number;
}

export type SignInResult =
  | { ok: true; token: string; sessionId: string; info: SessionInfo }
  | { ok: false; code: 'unauthorized' }
  | { ok: false; code: 'rate_limited'; retryAfterMs: number };

/** The id under which a session token is stored: its SHA-256, so the database never holds a token. */
export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Sign-in, sessions and who a signed-in user is. */
export class AuthService {
  readonly #repos: Repositories;
  readonly #policy: SessionPolicy;
  readonly #now: () => number;
  readonly #limiter: SignInLimiter;
  #dummyHash: Promise<string> | null = null;

  constructor(repos: Repositories, policy: SessionPolicy, now: () => number = Date.now, limiter: SignInLimiter = new SignInLimiter()) {
    this.#repos = repos;
    this.#policy = policy;
    this.#now = now;
    this.#limiter = limiter;
  }

  /**
   * Checks a username and password and opens a session. Unknown user, wrong password and disabled
   * account give the same answer after the same work, so neither the reply nor its timing tells
   * whether a username exists. Too many failures for a username (existing or not) or from an
   * address lock it: then even the right password is refused with `rate_limited`.
   */
  async signIn(request: SignInRequest, address = 'unknown'): Promise<SignInResult> {
    const user = await this.#repos.users.findByUsername(request.username);
    const lockedUntil = this.#limiter.refusedUntil(request.username, address, this.#now());
    if (lockedUntil !== null) {
      await this.#auditSignIn(user, 'refused');
      return { ok: false, code: 'rate_limited', retryAfterMs: lockedUntil - this.#now() };
    }
    const stored = user?.passwordHash ?? (await this.#dummy());
    const matches = await verifyPassword(request.password, stored);
    const at = new Date(this.#now()).toISOString();
    if (!user || !matches || user.disabled) {
      this.#limiter.recordFailure(request.username, address, this.#now());
      await this.#auditSignIn(user, 'failed');
      return { ok: false, code: 'unauthorized' };
    }
    this.#limiter.recordSuccess(request.username);
    const token = randomBytes(32).toString('base64url');
    const sessionId = sessionIdOf(token);
    const now = this.#now();
    await this.#repos.transaction(async () => {
      await this.#repos.sessions.deleteExpired(now - this.#policy.idleMs, now - this.#policy.absoluteMs);
      await this.#repos.sessions.insert({ id: sessionId, userId: user.id, createdAtMs: now, lastSeenAtMs: now });
      await this.#repos.audit.append({
        at,
        userId: user.id,
        role: user.role,
        action: 'session.sign_in',
        recordType: 'session',
        recordId: null,
        outcome: 'ok',
      });
    });
    return { ok: true, token, sessionId, info: await this.sessionInfo(user) };
  }

  /** The active session for a token from a cookie, or null. */
  resolveToken(token: string): Promise<ActiveSession | null> {
    return this.resolveSession(sessionIdOf(token));
  }

  /** The active session with this id, or null if it never existed, expired, or its user was disabled. */
  async resolveSession(sessionId: string): Promise<ActiveSession | null> {
    const session = await this.#repos.sessions.findById(sessionId);
    if (!session) return null;
    const now = this.#now();
    if (now - session.lastSeenAtMs > this.#policy.idleMs || now - session.createdAtMs > this.#policy.absoluteMs) {
      await this.#repos.sessions.delete(sessionId);
      return null;
    }
    const user = await this.#repos.users.findById(session.userId);
    if (!user || user.disabled) return null;
    let lastSeenAtMs = session.lastSeenAtMs;
    if (now - lastSeenAtMs >= TOUCH_INTERVAL_MS) {
      await this.#repos.sessions.touch(sessionId, now);
      lastSeenAtMs = now;
    }
    return { sessionId, user, createdAtMs: session.createdAtMs, lastSeenAtMs };
  }

  /**
   * Whether a live connection may act on what it knows of its session without reading the
   * database: neither limit can have passed and the session is not due to be touched. The
   * periodic check (`liveConnections`) and the `user:`/`session:` rooms close a connection whose
   * session ended or whose user changed, and each socket's expiry timer (SessionExpiry) closes it
   * at the session's absolute or idle end; here the connection's next request reads the session
   * again only when one of them is near, and so touches it (activity).
   */
  knownStillFresh(known: KnownSession): boolean {
    const now = this.#now();
    return now - known.createdAtMs <= this.#policy.absoluteMs && now - known.lastSeenAtMs < Math.min(TOUCH_INTERVAL_MS, this.#policy.idleMs);
  }

  /**
   * When a connection that knows this of its session has to close: the session's absolute end, or
   * its idle end if nothing touched it since (the stored last-seen time may be newer: read it then).
   * Past this instant `resolveSession` refuses the session too.
   */
  connectionDeadline(known: KnownSession): number {
    return Math.min(known.createdAtMs + this.#policy.absoluteMs, known.lastSeenAtMs + this.#policy.idleMs);
  }

  /** Whether a connection's session has expired by time, given the newest last-seen time known. */
  connectionExpired(known: KnownSession): boolean {
    return this.#now() > this.connectionDeadline(known);
  }

  /**
   * The sessions of these live connections that still exist, with their users, in one read: the
   * periodic check of every connection of this process.
   */
  async liveConnections(sessionIds: readonly string[]): Promise<Map<string, ConnectionState>> {
    return await this.#repos.sessions.connections(sessionIds);
  }

  /** Whether a connection opened as `audience` may stay open, given its session's state now (see `liveConnections`). */
  connectionMatches(state: ConnectionState | undefined, audience: Audience): boolean {
    if (!state || state.disabled) return false;
    return (
      state.userId === audience.userId &&
      state.role === audience.role &&
      state.crisisId === audience.crisisId &&
      state.agencyId === audience.agencyId &&
      (state.agencyType === 'consulate' ? state.servesState : null) === audience.servesState
    );
  }

  /**
   * Whether a connection opened with this session may stay open: the session still exists (not
   * signed out or ended by an admin), its user is enabled and is still who `audience` describes.
   * Neither touches nor expires the session: expiry is judged by `connectionExpired`.
   */
  async connectionStillValid(sessionId: string, audience: Audience): Promise<boolean> {
    return this.connectionMatches((await this.liveConnections([sessionId])).get(sessionId), audience);
  }

  /** Ends the session with this id (if any) and audits it. */
  async signOut(sessionId: string): Promise<void> {
    const session = await this.resolveSession(sessionId);
    await this.#repos.transaction(async () => {
      if (!(await this.#repos.sessions.delete(sessionId)) || !session) return;
      await this.#repos.audit.append({
        at: new Date(this.#now()).toISOString(),
        userId: session.user.id,
        role: session.user.role,
        action: 'session.sign_out',
        recordType: 'session',
        recordId: null,
        outcome: 'ok',
      });
    });
  }

  /** What the client is told about the signed-in user: never the hash. */
  async sessionInfo(user: UserRecord): Promise<SessionInfo> {
    return {
      user: toPublicUser(user),
      crisis: user.crisisId ? await this.#repos.crises.findById(user.crisisId) : null,
      agency: user.agencyId ? await this.#repos.agencies.findById(user.agencyId) : null,
    };
  }

  /** Who a user is for the projection: role, crisis, agency and, for a consulate, the state it serves. */
  async audienceOf(user: UserRecord): Promise<Audience> {
    const agency = user.agencyId ? await this.#repos.agencies.findById(user.agencyId) : null;
    return {
      userId: user.id,
      role: user.role,
      crisisId: user.crisisId,
      agencyId: user.agencyId,
      servesState: agency?.type === 'consulate' ? agency.servesState : null,
    };
  }

  async #auditSignIn(user: UserRecord | null, outcome: 'failed' | 'refused'): Promise<void> {
    await this.#repos.audit.append({
      at: new Date(this.#now()).toISOString(),
      userId: user?.id ?? null,
      role: user?.role ?? null,
      action: 'session.sign_in',
      recordType: 'session',
      recordId: null,
      outcome,
    });
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    return this.#dummyHash;
  }
}
