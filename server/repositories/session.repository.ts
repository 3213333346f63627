import type { Db } from '../db/database';

/** A session as stored: its id is the SHA-256 of the token the browser holds. */
export interface SessionRecord {
  id: string;
  userId: string;
  createdAtMs: number;
  lastSeenAtMs: number;
}

/**
 * What the periodic check needs of a live connection's session: whether it still exists, and who
 * its user is now (enabled, role, crisis, agency and the state a consulate serves).
 */
export interface ConnectionState {
  sessionId: string;
  lastSeenAtMs: number;
  userId: string;
  role: string;
  crisisId: string | null;
  agencyId: string | null;
  disabled: boolean;
  /** The agency's type and served state (null without an agency). */
  agencyType: string | null;
  servesState: string | null;
}

/**
 * A row of the connections query, as either engine returns it. PostgreSQL hands bigint columns over
 * as text (`Int` = string), which its repository converts first; `disabled` is 0 or 1 on both.
 */
export interface ConnectionRow<Int = number> {
  session_id: string;
  last_seen_at_ms: Int;
  user_id: string;
  role: string;
  crisis_id: string | null;
  agency_id: string | null;
  disabled: number;
  agency_type: string | null;
  serves_state: string | null;
}

/** A sessions row; PostgreSQL hands its bigint columns over as text (`Int` = string), converted first. */
export interface SessionRow<Int = number> {
  id: string;
  user_id: string;
  created_at_ms: Int;
  last_seen_at_ms: Int;
}

/** A stored session from its row. */
export const toSessionRecord = (row: SessionRow): SessionRecord => ({
  id: row.id,
  userId: row.user_id,
  createdAtMs: row.created_at_ms,
  lastSeenAtMs: row.last_seen_at_ms,
});

/** A live connection's session and user from its row. */
export const toConnectionState = (row: ConnectionRow): ConnectionState => ({
  sessionId: row.session_id,
  lastSeenAtMs: row.last_seen_at_ms,
  userId: row.user_id,
  role: row.role,
  crisisId: row.crisis_id,
  agencyId: row.agency_id,
  disabled: row.disabled === 1,
  agencyType: row.agency_type,
  servesState: row.serves_state,
});

/** A user's signed-in sessions, as the admin screen lists them (never a session id: it is a bearer secret). */
export interface UserSessions {
  userId: string;
  count: number;
  lastSeenAtMs: number;
}

/** Signed-in sessions. */
export class SessionRepository {
  readonly #insert;
  readonly #byId;
  readonly #touch;
  readonly #delete;
  readonly #deleteExpired;
  readonly #deleteByUser;
  readonly #connections;
  readonly #byUser;

  constructor(db: Db) {
    this.#byUser = db.prepare<[], { user_id: string; count: number; last_seen_at_ms: number }>(
      'SELECT user_id, COUNT(*) AS count, MAX(last_seen_at_ms) AS last_seen_at_ms FROM sessions GROUP BY user_id ORDER BY user_id',
    );
    this.#insert = db.prepare<[string, string, number, number]>('INSERT INTO sessions (id, user_id, created_at_ms, last_seen_at_ms) VALUES (?, ?, ?, ?)');
    this.#byId = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
    this.#touch = db.prepare<[number, string]>('UPDATE sessions SET last_seen_at_ms = ? WHERE id = ?');
    this.#delete = db.prepare<[string]>('DELETE FROM sessions WHERE id = ?');
    this.#deleteByUser = db.prepare<[string]>('DELETE FROM sessions WHERE user_id = ?');
    this.#deleteExpired = db.prepare<[number, number]>('DELETE FROM sessions WHERE last_seen_at_ms < ? OR created_at_ms < ?');
    this.#connections = db.prepare<[string], ConnectionRow>(
      `SELECT s.id AS session_id, s.last_seen_at_ms, u.id AS user_id, u.role, u.crisis_id, u.agency_id, u.disabled,
              a.type AS agency_type, a.serves_state
         FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN agencies a ON a.id = u.agency_id
        WHERE s.id IN (SELECT value FROM json_each(?))`,
    );
  }

  /**
   * The sessions with these ids that still exist, each with its user and agency, in ONE query:
   * the periodic check of every live connection (a missing id: the session ended).
   */
  connections(ids: readonly string[]): Map<string, ConnectionState> {
    const found = new Map<string, ConnectionState>();
    if (ids.length === 0) return found;
    for (const row of this.#connections.all(JSON.stringify(ids))) found.set(row.session_id, toConnectionState(row));
    return found;
  }

  /** How many sessions each user has open and when one was last used; users without any are left out. One row per user, so as many rows as users at most. */
  countByUser(): UserSessions[] {
    return this.#byUser.all().map((r) => ({ userId: r.user_id, count: r.count, lastSeenAtMs: r.last_seen_at_ms }));
  }

  /** Stores a new session. */
  insert(s: SessionRecord): void {
    this.#insert.run(s.id, s.userId, s.createdAtMs, s.lastSeenAtMs);
  }

  /** The session with this id, or null. */
  findById(id: string): SessionRecord | null {
    const row = this.#byId.get(id);
    return row ? toSessionRecord(row) : null;
  }

  /** Records activity on a session; returns whether it still existed. */
  touch(id: string, atMs: number): boolean {
    return this.#touch.run(atMs, id).changes > 0;
  }

  /** Ends a session; returns whether it existed. */
  delete(id: string): boolean {
    return this.#delete.run(id).changes > 0;
  }

  /** Ends every session of a user; returns how many there were. */
  deleteByUser(userId: string): number {
    return this.#deleteByUser.run(userId).changes;
  }

  /** Removes sessions idle since before `idleCutoffMs` or created before `absoluteCutoffMs`. */
  deleteExpired(idleCutoffMs: number, absoluteCutoffMs: number): number {
    return this.#deleteExpired.run(idleCutoffMs, absoluteCutoffMs).changes;
  }
}
