import type { Db } from '../db/database';

/** A session as stored: its id is the SHA-256 of the token the browser holds. */
export interface SessionRecord {
  id: string;
  userId: string;
  createdAtMs: number;
  lastSeenAtMs: number;
}

interface SessionRow {
  id: string;
  user_id: string;
  created_at_ms: number;
  last_seen_at_ms: number;
}

/** Signed-in sessions. */
export class SessionRepository {
  readonly #insert;
  readonly #byId;
  readonly #touch;
  readonly #delete;
  readonly #deleteExpired;
  readonly #deleteByUser;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, number, number]>(
      'INSERT INTO sessions (id, user_id, created_at_ms, last_seen_at_ms) VALUES (?, ?, ?, ?)',
    );
    this.#byId = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
    this.#touch = db.prepare<[number, string]>('UPDATE sessions SET last_seen_at_ms = ? WHERE id = ?');
    this.#delete = db.prepare<[string]>('DELETE FROM sessions WHERE id = ?');
    this.#deleteByUser = db.prepare<[string]>('DELETE FROM sessions WHERE user_id = ?');
    this.#deleteExpired = db.prepare<[number, number]>(
      'DELETE FROM sessions WHERE last_seen_at_ms < ? OR created_at_ms < ?',
    );
  }

  /** Stores a new session. */
  insert(s: SessionRecord): void {
    this.#insert.run(s.id, s.userId, s.createdAtMs, s.lastSeenAtMs);
  }

  /** The session with this id, or null. */
  findById(id: string): SessionRecord | null {
    const row = this.#byId.get(id);
    return row
      ? { id: row.id, userId: row.user_id, createdAtMs: row.created_at_ms, lastSeenAtMs: row.last_seen_at_ms }
      : null;
  }

  /** Records activity on a session. */
  touch(id: string, atMs: number): void {
    this.#touch.run(atMs, id);
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
