import type { Group } from '../../../shared/schemas/group.schema';
import type { GroupStore, KeyedGroup } from '../contract';
import { parseStoredGroup } from '../group.repository';
import { changed, toNumber, type Queryable } from './queryable';

/** Groups on PostgreSQL; each method means what `GroupRepository`'s (SQLite) does. */
export class PgGroupRepository implements GroupStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async insert(g: Group, json: string = JSON.stringify(g)): Promise<void> {
    await this.#db.query('INSERT INTO groups (id, crisis_id, version, status, lat, lon, updated_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      g.id,
      g.crisisId,
      g.version,
      g.status,
      g.location.lat,
      g.location.lon,
      g.updatedAt,
      json,
    ]);
  }

  async update(g: Group, json: string = JSON.stringify(g)): Promise<void> {
    // The version guard makes a lost update impossible even if a caller forgot to check.
    const result = await this.#db.query(
      'UPDATE groups SET version = $1, status = $2, lat = $3, lon = $4, updated_at = $5, data = $6 WHERE id = $7 AND version = $8',
      [g.version, g.status, g.location.lat, g.location.lon, g.updatedAt, json, g.id, g.version - 1],
    );
    if (changed(result) !== 1) throw new Error(`group update lost a race (expected version ${g.version - 1})`);
  }

  async findById(id: string): Promise<Group | null> {
    const { rows } = await this.#db.query<{ data: string }>('SELECT data FROM groups WHERE id = $1', [id]);
    return rows[0] ? parseStoredGroup(rows[0].data) : null;
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

  async countByCrisis(crisisId: string): Promise<number> {
    const { rows } = await this.#db.query<{ n: string }>('SELECT COUNT(*) AS n FROM groups WHERE crisis_id = $1', [crisisId]);
    return toNumber(rows[0]?.n ?? 0);
  }

  async delete(id: string): Promise<void> {
    await this.#db.query('DELETE FROM groups WHERE id = $1', [id]);
  }
}
