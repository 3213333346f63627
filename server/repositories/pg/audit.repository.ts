import type { AuditStore } from '../contract';
import type { AuditEntry, AuditFilter, AuditRow } from '../audit.repository';
import { refuseNul, toNumber, type BufferedQueryable } from './queryable';

type EntryRow = Omit<AuditEntry, 'detail'> & { detail: string | null };

/** The audit log on PostgreSQL; each method means what `AuditRepository`'s (SQLite) does. Triggers refuse updates and deletes. */
export class PgAuditRepository implements AuditStore {
  readonly #db: BufferedQueryable;

  constructor(db: BufferedQueryable) {
    this.#db = db;
  }

  async query(f: AuditFilter): Promise<AuditRow[]> {
    // Typed parameters: PostgreSQL cannot infer a type for a bare `$1 IS NULL`.
    const { rows } = await this.#db.query<EntryRow & { id: string; userName: string | null }>(
      `SELECT a.id, a.at, a.user_id AS "userId", u.display_name AS "userName", a.role, a.action, a.record_type AS "recordType",
              a.record_id AS "recordId", a.outcome, a.detail
       FROM audit a LEFT JOIN users u ON u.id = a.user_id
       WHERE ($1::text IS NULL OR u.crisis_id = $1::text)
         AND ($2::text IS NULL OR a.user_id = $2::text)
         AND ($3::text IS NULL OR a.action = $3::text)
         AND ($4::text IS NULL OR a.record_id = $4::text)
         AND ($5::text IS NULL OR a.at >= $5::text)
         AND ($6::text IS NULL OR a.at <= $6::text)
         AND ($7::bigint IS NULL OR a.id < $7::bigint)
       ORDER BY a.id DESC LIMIT $8`,
      [f.crisisId ?? null, f.userId ?? null, f.action ?? null, f.recordId ?? null, f.from ?? null, f.to ?? null, f.before ?? null, f.limit],
    );
    return rows.map((row) => ({ ...row, id: toNumber(row.id) }));
  }

  async count(f: Omit<AuditFilter, 'before' | 'limit'>): Promise<number> {
    const { rows } = await this.#db.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM audit a LEFT JOIN users u ON u.id = a.user_id
       WHERE ($1::text IS NULL OR u.crisis_id = $1::text)
         AND ($2::text IS NULL OR a.user_id = $2::text)
         AND ($3::text IS NULL OR a.action = $3::text)
         AND ($4::text IS NULL OR a.record_id = $4::text)
         AND ($5::text IS NULL OR a.at >= $5::text)
         AND ($6::text IS NULL OR a.at <= $6::text)`,
      [f.crisisId ?? null, f.userId ?? null, f.action ?? null, f.recordId ?? null, f.from ?? null, f.to ?? null],
    );
    return toNumber(rows[0]?.n ?? 0);
  }

  async append(e: AuditEntry): Promise<void> {
    const buffer = this.#db.buffer();
    if (buffer) {
      refuseNul([e.at, e.userId, e.role, e.action, e.recordType, e.recordId, e.outcome, e.detail ?? null]);
      buffer.appendAudit(e);
      return;
    }
    await this.#db.query('INSERT INTO audit (at, user_id, role, action, record_type, record_id, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      e.at,
      e.userId,
      e.role,
      e.action,
      e.recordType,
      e.recordId,
      e.outcome,
      e.detail ?? null,
    ]);
  }

  async recent(limit: number): Promise<AuditEntry[]> {
    const { rows } = await this.#db.query<EntryRow>(
      `SELECT at, user_id AS "userId", role, action, record_type AS "recordType", record_id AS "recordId", outcome, detail
       FROM audit ORDER BY id DESC LIMIT $1`,
      [limit],
    );
    return rows;
  }
}
