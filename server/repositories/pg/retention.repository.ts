import type { RetentionPolicy } from '../../../shared/retention';
import type { Group } from '../../../shared/schemas/group.schema';
import type { RetentionStore } from '../contract';
import { parseStoredGroup } from '../group.repository';
import { toPolicy, toPurgeEntry, type PolicyRow, type PurgedMark, type PurgeEntry } from '../retention.repository';
import { changed, type Queryable } from './queryable';

const POLICY_COLUMNS = 'crisis_id AS "crisisId", keep_days AS "keepDays", counted_from AS "after", crisis_closed_at AS "crisisClosedAt", set_at AS "setAt"';

/** Retention on PostgreSQL; each method means what `RetentionRepository`'s (SQLite) does. */
export class PgRetentionRepository implements RetentionStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async setPolicy(p: RetentionPolicy): Promise<void> {
    await this.#db.query(
      `INSERT INTO retention_policies (crisis_id, keep_days, counted_from, crisis_closed_at, set_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (crisis_id) DO UPDATE SET keep_days = excluded.keep_days, counted_from = excluded.counted_from,
         crisis_closed_at = excluded.crisis_closed_at, set_at = excluded.set_at`,
      [p.crisisId, p.keepDays, p.after, p.crisisClosedAt, p.setAt],
    );
  }

  async clearPolicy(crisisId: string): Promise<boolean> {
    return changed(await this.#db.query('DELETE FROM retention_policies WHERE crisis_id = $1', [crisisId])) > 0;
  }

  async findPurged(groupId: string): Promise<PurgedMark | null> {
    const { rows } = await this.#db.query<PurgedMark>('SELECT version, purged_at AS "purgedAt" FROM purged_groups WHERE group_id = $1', [groupId]);
    return rows[0] ? { version: Number(rows[0].version), purgedAt: rows[0].purgedAt } : null;
  }

  async findPolicy(crisisId: string): Promise<RetentionPolicy | null> {
    const { rows } = await this.#db.query<PolicyRow>(`SELECT ${POLICY_COLUMNS} FROM retention_policies WHERE crisis_id = $1`, [crisisId]);
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  async listPolicies(): Promise<RetentionPolicy[]> {
    const { rows } = await this.#db.query<PolicyRow>(`SELECT ${POLICY_COLUMNS} FROM retention_policies ORDER BY crisis_id`);
    return rows.map(toPolicy);
  }

  async dueGroups(crisisId: string, cutoff: string, afterKey: number, limit: number): Promise<{ key: number; group: Group }[]> {
    const { rows } = await this.#db.query<{ key: string; data: string }>(
      `SELECT g.report_order AS key, g.data FROM groups g
        WHERE g.crisis_id = $1 AND g.updated_at < $2 AND g.report_order > $3
          AND NOT EXISTS (SELECT 1 FROM purged_groups p WHERE p.group_id = g.id AND p.version = g.version)
        ORDER BY g.report_order LIMIT $4`,
      [crisisId, cutoff, afterKey, limit],
    );
    return rows.map((row) => ({ key: Number(row.key), group: parseStoredGroup(row.data) }));
  }

  async markPurged(groupId: string, crisisId: string, version: number, at: string): Promise<void> {
    await this.#db.query(
      `INSERT INTO purged_groups (group_id, crisis_id, version, purged_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (group_id) DO UPDATE SET version = excluded.version, purged_at = excluded.purged_at`,
      [groupId, crisisId, version, at],
    );
  }

  async forgetPurged(groupId: string): Promise<void> {
    await this.#db.query('DELETE FROM purged_groups WHERE group_id = $1', [groupId]);
  }

  async purgeImports(crisisId: string, cutoff: string): Promise<number> {
    return changed(await this.#db.query("UPDATE imports SET file_name = '' WHERE crisis_id = $1 AND started_at < $2 AND file_name <> ''", [crisisId, cutoff]));
  }

  async recordPurge(e: PurgeEntry): Promise<void> {
    await this.#db.query('INSERT INTO purges (id, crisis_id, kind, group_id, groups, cutoff, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      e.id,
      e.crisisId,
      e.kind,
      e.groupId,
      e.groups,
      e.cutoff,
      e.reason,
      e.at,
    ]);
  }

  async listPurges(): Promise<PurgeEntry[]> {
    const { rows } = await this.#db.query<PurgeEntry>(
      'SELECT id, crisis_id AS "crisisId", kind, group_id AS "groupId", groups, cutoff, reason, at FROM purges ORDER BY at, id',
    );
    return rows.map(toPurgeEntry);
  }
}
