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
  | 'group.merge'
  | 'group.follow_up_request'
  | 'assignment.create'
  | 'assignment.update'
  | 'group.timeline'
  | 'export.3w'
  | 'admin.create_crisis'
  | 'admin.create_agency'
  | 'admin.create_user'
  | 'admin.disable_user'
  | 'admin.enable_user'
  | 'admin.reset_password'
  | 'admin.end_sessions'
  | 'admin.change_user'
  | 'admin.load_boundaries'
  | 'group.read'
  | 'aggregate.read'
  | 'export.aggregates'
  | 'export.groups'
  | 'export.shareable'
  | 'export.sitrep'
  | 'audit.read'
  | 'import.groups'
  | 'api_token.issue'
  | 'api_token.revoke'
  | 'api.read'
  | 'consular.read'
  | 'export.evacuation'
  | 'movement.create'
  | 'movement.update'
  | 'movement.addGroup'
  | 'movement.removeGroup'
  | 'movement.setLegStatus'
  | 'movement.checkIn'
  | 'movement.confirmDocuments'
  | 'export.manifest'
  | 'group.erase'
  | 'retention.set_policy'
  | 'retention.clear_policy'
  | 'retention.close_crisis'
  | 'retention.purge'
  | 'site.create'
  | 'site.update'
  | 'site.report';

/** `refused`: not attempted at all (rate limit, lock). */
export type AuditOutcome = 'ok' | 'failed' | 'refused';

/** One audit entry: who, in which role, did what to which record, and how it went. No personal values. */
export interface AuditEntry {
  at: string;
  userId: string | null;
  role: Role | null;
  action: AuditAction;
  recordType: 'session' | 'group' | 'crisis' | 'agency' | 'user' | 'import' | 'api_token' | 'site' | 'movement' | null;
  recordId: string | null;
  outcome: AuditOutcome;
  /**
   * What an export carried, as JSON: format, row count, filters (migration 002). Never values about
   * people; absent for every other action.
   */
  detail?: string | null;
}

/** Filters of an audit query; absent ones match everything. */
export interface AuditFilter {
  crisisId?: string | undefined;
  userId?: string | undefined;
  action?: string | undefined;
  recordId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  before?: number | undefined;
  limit: number;
}

/** An entry with its id (for paging) and its user's display name as the account reads now (null for no user or a deleted one): screens name people, not ids. */
export interface AuditRow extends AuditEntry {
  id: number;
  userName: string | null;
}

type AuditParams = Record<'crisisId' | 'userId' | 'action' | 'recordId' | 'from' | 'to', string | null> & {
  before: number | null;
  limit: number;
};

/** The audit log. Append-only: the database's own triggers refuse updates and deletes. */
export class AuditRepository {
  readonly #insert;
  readonly #recent;
  readonly #query;
  readonly #count;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string | null, string | null, string, string | null, string | null, string, string | null]>(
      'INSERT INTO audit (at, user_id, role, action, record_type, record_id, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // Columns are read back with the types they were written with: only append() writes them.
    this.#recent = db.prepare<[number], AuditEntry>(
      `SELECT at, user_id AS userId, role, action, record_type AS recordType, record_id AS recordId, outcome, detail
       FROM audit ORDER BY id DESC LIMIT ?`,
    );
    this.#query = db.prepare<[AuditParams], AuditRow>(
      `SELECT a.id, a.at, a.user_id AS userId, u.display_name AS userName, a.role, a.action, a.record_type AS recordType,
              a.record_id AS recordId, a.outcome, a.detail
       FROM audit a LEFT JOIN users u ON u.id = a.user_id
       WHERE (:crisisId IS NULL OR u.crisis_id = :crisisId)
         AND (:userId IS NULL OR a.user_id = :userId)
         AND (:action IS NULL OR a.action = :action)
         AND (:recordId IS NULL OR a.record_id = :recordId)
         AND (:from IS NULL OR a.at >= :from)
         AND (:to IS NULL OR a.at <= :to)
         AND (:before IS NULL OR a.id < :before)
       ORDER BY a.id DESC LIMIT :limit`,
    );
    this.#count = db.prepare<[Omit<AuditParams, 'before' | 'limit'>], { n: number }>(
      `SELECT COUNT(*) AS n FROM audit a LEFT JOIN users u ON u.id = a.user_id
       WHERE (:crisisId IS NULL OR u.crisis_id = :crisisId)
         AND (:userId IS NULL OR a.user_id = :userId)
         AND (:action IS NULL OR a.action = :action)
         AND (:recordId IS NULL OR a.record_id = :recordId)
         AND (:from IS NULL OR a.at >= :from)
         AND (:to IS NULL OR a.at <= :to)`,
    );
  }

  /** How many entries match the filters (paging and limit aside): what a screen shows "N of". */
  count(f: Omit<AuditFilter, 'before' | 'limit'>): number {
    return (
      this.#count.get({
        crisisId: f.crisisId ?? null,
        userId: f.userId ?? null,
        action: f.action ?? null,
        recordId: f.recordId ?? null,
        from: f.from ?? null,
        to: f.to ?? null,
      })?.n ?? 0
    );
  }

  /** Entries matching every given filter, newest first; `crisisId` keeps those by users of that crisis. */
  query(f: AuditFilter): AuditRow[] {
    return this.#query.all({
      crisisId: f.crisisId ?? null,
      userId: f.userId ?? null,
      action: f.action ?? null,
      recordId: f.recordId ?? null,
      from: f.from ?? null,
      to: f.to ?? null,
      before: f.before ?? null,
      limit: f.limit,
    });
  }

  /** Appends an entry. */
  append(e: AuditEntry): void {
    this.#insert.run(e.at, e.userId, e.role, e.action, e.recordType, e.recordId, e.outcome, e.detail ?? null);
  }

  /** The newest entries, newest first (for admins and tests). */
  recent(limit: number): AuditEntry[] {
    return this.#recent.all(limit);
  }
}
