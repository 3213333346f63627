import type { Group } from '../../../shared/schemas/group.schema';
import type { GroupStore, KeyedGroup } from '../contract';
import { GROUP_SUMMARY_FORMAT, type GroupSummary } from '../../../shared/packed-views';
import { parseStoredGroup, storedSummary, SUMMARY_COLUMNS, summaryJson, type SummaryRow } from '../group.repository';
import { refuseNul, changed, textArray, toNumber, type BufferedQueryable, type Lookup } from './queryable';
import type { SiteLinked } from '../../../shared/schemas/site.schema';
import { AT_SITE_STATUSES } from '../../../shared/sites';

/** Groups on PostgreSQL; each method means what `GroupRepository`'s (SQLite) does. */
export class PgGroupRepository implements GroupStore {
  readonly #db: BufferedQueryable;

  constructor(db: BufferedQueryable) {
    this.#db = db;
  }

  async insert(g: Group, json: string = JSON.stringify(g)): Promise<void> {
    const buffer = this.#db.buffer();
    if (buffer) {
      refuseNul([g.id, g.crisisId, g.status, g.updatedAt, json]);
      buffer.insertGroup(g, json);
      return;
    }
    await this.#db.query(
      'INSERT INTO groups (id, crisis_id, version, status, lat, lon, updated_at, data, summary, summary_format, site_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      [g.id, g.crisisId, g.version, g.status, g.location.lat, g.location.lon, g.updatedAt, json, summaryJson(g), GROUP_SUMMARY_FORMAT, g.location.siteId],
    );
  }

  async update(g: Group, json: string = JSON.stringify(g)): Promise<void> {
    const buffer = this.#db.buffer();
    if (buffer) {
      refuseNul([g.status, g.updatedAt, json]);
      buffer.updateGroup(g, json);
      return;
    }
    // The version guard makes a lost update impossible even if a caller forgot to check.
    const result = await this.#db.query(
      'UPDATE groups SET version = $1, status = $2, lat = $3, lon = $4, updated_at = $5, data = $6, summary = $7, summary_format = $8, site_id = $9 WHERE id = $10 AND version = $11',
      [g.version, g.status, g.location.lat, g.location.lon, g.updatedAt, json, summaryJson(g), GROUP_SUMMARY_FORMAT, g.location.siteId, g.id, g.version - 1],
    );
    if (changed(result) !== 1) throw new Error(`group update lost a race (expected version ${g.version - 1})`);
  }

  async findById(id: string): Promise<Group | null> {
    const buffer = this.#db.buffer();
    const known = buffer?.knownGroup(id);
    if (known !== undefined) return known && parseStoredGroup(known.json);
    const sql = 'SELECT data FROM groups WHERE id = $1';
    const { rows } = buffer ? await this.#db.read<{ data: string }>(sql, [id]) : await this.#db.query<{ data: string }>(sql, [id]);
    return rows[0] ? parseStoredGroup(rows[0].data) : null;
  }

  /**
   * In a batch transaction: the lookup of the rows of `ids` (for `readTogether`), so the batch's
   * lookups need none; null outside a batch or for no ids.
   */
  prefetch(ids: readonly string[]): Lookup | null {
    const buffer = this.#db.buffer();
    if (!buffer || ids.length === 0) return null;
    return {
      text: `SELECT id, version, data FROM groups WHERE id = ANY(${textArray([...new Set(ids)])})`,
      learn: (rows) => {
        const found = new Map((rows as { id: string; version: number; data: string }[]).map((row) => [row.id, row]));
        for (const id of ids) {
          const row = found.get(id);
          buffer.learnGroup(id, row ? { version: row.version, json: row.data } : null);
        }
      },
    };
  }

  async listByCrisis(crisisId: string): Promise<Group[]> {
    const { rows } = await this.#db.query<{ data: string }>('SELECT data FROM groups WHERE crisis_id = $1 ORDER BY id', [crisisId]);
    return rows.map((row) => parseStoredGroup(row.data));
  }

  async pageByCrisis(crisisId: string, afterKey: number, limit: number): Promise<KeyedGroup[]> {
    // report_order is SQLite's rowid here: the order groups were first stored in.
    const { rows } = await this.#db.query<{ key: string; data: string }>(
      'SELECT report_order AS key, data FROM groups WHERE crisis_id = $1 AND report_order > $2 ORDER BY report_order LIMIT $3',
      [crisisId, afterKey, limit],
    );
    return rows.map((row) => ({ key: toNumber(row.key), group: parseStoredGroup(row.data) }));
  }

  async pageSummaries(crisisId: string, afterKey: number, limit: number): Promise<{ key: number; summary: GroupSummary }[]> {
    const { rows } = await this.#db.query<SummaryRow<string>>(
      `SELECT report_order AS key, ${SUMMARY_COLUMNS('$1')} FROM groups WHERE crisis_id = $2 AND report_order > $3 ORDER BY report_order LIMIT $4`,
      [GROUP_SUMMARY_FORMAT, crisisId, afterKey, limit],
    );
    return rows.map((row) => ({ key: toNumber(row.key), summary: storedSummary(row) }));
  }

  async countByCrisis(crisisId: string): Promise<number> {
    const { rows } = await this.#db.query<{ n: string }>('SELECT COUNT(*) AS n FROM groups WHERE crisis_id = $1', [crisisId]);
    return toNumber(rows[0]?.n ?? 0);
  }

  async linkedAtSite(siteId: string): Promise<SiteLinked> {
    // A statement on the groups table: in a batch it first sends the rows the batch holds (write-buffer.ts).
    const { rows } = await this.#db.query<{ groups: string; people: string | null }>(
      "SELECT COUNT(*) AS groups, SUM(((data::jsonb) -> 'headcount' ->> 'total')::int) AS people FROM groups WHERE site_id = $1 AND status = ANY($2::text[])",
      [siteId, AT_SITE_STATUSES],
    );
    return { groups: toNumber(rows[0]?.groups ?? 0), people: toNumber(rows[0]?.people ?? 0) };
  }

  async delete(id: string): Promise<void> {
    await this.#db.query('DELETE FROM groups WHERE id = $1', [id]);
  }
}
