import type { Db } from '../db/database';
import type { Role } from '../../shared/schemas/user.schema';

/** Audited actions. Closed so that nobody logs a free-form (and possibly personal) string. */
export type AuditAction =
  | 'session.sign_in'
  | 'session.sign_out'
  | 'group.report'
  | 'group.update'
  | 'group.setStatus'
  | 'group.consent_change'
  | 'group.protection_flag_change'
  | 'admin.create_crisis'
  | 'admin.create_agency'
  | 'admin.create_user'
  | 'admin.disable_user'
  | 'admin.enable_user'
  | 'admin.reset_password'
  | 'admin.end_sessions'
  | 'admin.change_user'
  | 'group.read'
  | 'aggregate.read'
  | 'audit.read';

/** `refused`: not attempted at all (rate limit, lock). */
export type AuditOutcome = 'ok' | 'failed' | 'refused';

/** One audit entry: who, in which role, did what to which record, and how it went. No personal values. */
export interface AuditEntry {
  at: string;
  userId: string | null;
  role: Role | null;
  action: AuditAction;
  recordType: 'session' | 'group' | 'crisis' | 'agency' | 'user' | null;
  recordId: string | null;
  outcome: AuditOutcome;
}

/** The audit log. Append-only: the database's own triggers refuse updates and deletes. */
export class AuditRepository {
  readonly #insert;
  readonly #recent;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string | null, string | null, string, string | null, string | null, string]>(
      'INSERT INTO audit (at, user_id, role, action, record_type, record_id, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    // Columns are read back with the types they were written with: only append() writes them.
    this.#recent = db.prepare<[number], AuditEntry>(
      `SELECT at, user_id AS userId, role, action, record_type AS recordType, record_id AS recordId, outcome
       FROM audit ORDER BY id DESC LIMIT ?`,
    );
  }

  /** Appends an entry. */
  append(e: AuditEntry): void {
    this.#insert.run(e.at, e.userId, e.role, e.action, e.recordType, e.recordId, e.outcome);
  }

  /** The newest entries, newest first (for admins and tests). */
  recent(limit: number): AuditEntry[] {
    return this.#recent.all(limit);
  }
}
