import type { SessionStore } from '../contract';
import {
  toConnectionState,
  toSessionRecord,
  type ConnectionRow,
  type ConnectionState,
  type SessionRecord,
  type SessionRow,
  type UserSessions,
} from '../session.repository';
import { changed, toNumber, type Queryable } from './queryable';

/** Signed-in sessions on PostgreSQL; each method means what `SessionRepository`'s (SQLite) does. */
export class PgSessionRepository implements SessionStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async connections(ids: readonly string[]): Promise<Map<string, ConnectionState>> {
    const found = new Map<string, ConnectionState>();
    if (ids.length === 0) return found;
    // One query for every live connection, as on SQLite (there through json_each, here an array).
    const { rows } = await this.#db.query<ConnectionRow<string>>(
      `SELECT s.id AS session_id, s.last_seen_at_ms, u.id AS user_id, u.role, u.crisis_id, u.agency_id, u.disabled,
              a.type AS agency_type, a.serves_state
         FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN agencies a ON a.id = u.agency_id
        WHERE s.id = ANY($1::text[])`,
      [ids],
    );
    for (const row of rows) found.set(row.session_id, toConnectionState({ ...row, last_seen_at_ms: toNumber(row.last_seen_at_ms) }));
    return found;
  }

  async countByUser(): Promise<UserSessions[]> {
    const { rows } = await this.#db.query<{ user_id: string; count: string; last_seen_at_ms: string }>(
      'SELECT user_id, COUNT(*) AS count, MAX(last_seen_at_ms) AS last_seen_at_ms FROM sessions GROUP BY user_id ORDER BY user_id',
    );
    return rows.map((r) => ({ userId: r.user_id, count: toNumber(r.count), lastSeenAtMs: toNumber(r.last_seen_at_ms) }));
  }

  async insert(s: SessionRecord): Promise<void> {
    await this.#db.query('INSERT INTO sessions (id, user_id, created_at_ms, last_seen_at_ms) VALUES ($1, $2, $3, $4)', [
      s.id,
      s.userId,
      s.createdAtMs,
      s.lastSeenAtMs,
    ]);
  }

  async findById(id: string): Promise<SessionRecord | null> {
    const { rows } = await this.#db.query<SessionRow<string>>('SELECT * FROM sessions WHERE id = $1', [id]);
    const row = rows[0];
    return row ? toSessionRecord({ ...row, created_at_ms: toNumber(row.created_at_ms), last_seen_at_ms: toNumber(row.last_seen_at_ms) }) : null;
  }

  async touch(id: string, atMs: number): Promise<boolean> {
    return changed(await this.#db.query('UPDATE sessions SET last_seen_at_ms = $1 WHERE id = $2', [atMs, id])) > 0;
  }

  async delete(id: string): Promise<boolean> {
    return changed(await this.#db.query('DELETE FROM sessions WHERE id = $1', [id])) > 0;
  }

  async deleteByUser(userId: string): Promise<number> {
    return changed(await this.#db.query('DELETE FROM sessions WHERE user_id = $1', [userId]));
  }

  async deleteExpired(idleCutoffMs: number, absoluteCutoffMs: number): Promise<number> {
    return changed(await this.#db.query('DELETE FROM sessions WHERE last_seen_at_ms < $1 OR created_at_ms < $2', [idleCutoffMs, absoluteCutoffMs]));
  }
}
