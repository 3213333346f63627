import type { AdminArea, BoundarySet } from '../../../shared/schemas/admin-area.schema';
import type { AdminAreaStore } from '../contract';
import { areaValues, toAdminArea, toBoundarySet, type AdminAreaRow, type BoundaryLoad, type BoundaryRow } from '../admin-area.repository';
import type { BufferedQueryable } from './queryable';

/** Rows per INSERT: 9 parameters each, far below PostgreSQL's 65,535. */
const BATCH = 500;

/** Admin boundaries on PostgreSQL; each method means what `AdminAreaRepository`'s (SQLite) does. */
export class PgAdminAreaRepository implements AdminAreaStore {
  readonly #db: BufferedQueryable;

  constructor(db: BufferedQueryable) {
    this.#db = db;
  }

  async boundaries(crisisId: string): Promise<BoundarySet | null> {
    const { rows } = await this.#db.query<BoundaryRow>(
      'SELECT version, source, synthetic, loaded_at, loaded_by, recompute_after FROM admin_boundaries WHERE crisis_id = $1',
      [crisisId],
    );
    return rows[0] ? toBoundarySet(rows[0]) : null;
  }

  async version(crisisId: string): Promise<number> {
    // Every report asks; a batch asks once. Boundaries change only in a write transaction, and the
    // batch holds the write lock, so the version read once stands for the whole batch.
    const buffer = this.#db.buffer();
    const key = `admin_boundaries.version:${crisisId}`;
    const known = buffer?.facts.get(key);
    if (typeof known === 'number') return known;
    const { rows } = await this.#db.query<{ version: number }>('SELECT version FROM admin_boundaries WHERE crisis_id = $1', [crisisId]);
    const version = rows[0]?.version ?? 0;
    buffer?.facts.set(key, version);
    return version;
  }

  async replace(crisisId: string, areas: readonly AdminArea[], load: BoundaryLoad): Promise<number> {
    await this.#db.query('DELETE FROM admin_areas WHERE crisis_id = $1', [crisisId]);
    for (let start = 0; start < areas.length; start += BATCH) {
      const batch = areas.slice(start, start + BATCH);
      const values = batch.flatMap((a) => areaValues(crisisId, a));
      const tuples = batch.map((_, i) => `(${Array.from({ length: 9 }, (_unused, j) => `$${i * 9 + j + 1}`).join(', ')})`);
      await this.#db.query(
        `INSERT INTO admin_areas (crisis_id, pcode, level, name, name_ar, name_fr, parent_pcode, geometry, bbox) VALUES ${tuples.join(', ')}`,
        values,
      );
    }
    const { rows } = await this.#db.query<{ version: number }>(
      `INSERT INTO admin_boundaries (crisis_id, version, source, synthetic, loaded_at, loaded_by, recompute_after) VALUES ($1, 1, $2, $3, $4, $5, 0)
       ON CONFLICT (crisis_id) DO UPDATE SET version = admin_boundaries.version + 1, source = excluded.source, synthetic = excluded.synthetic,
         loaded_at = excluded.loaded_at, loaded_by = excluded.loaded_by, recompute_after = 0
       RETURNING version`,
      [crisisId, load.source, load.synthetic ? 1 : 0, load.loadedAt, load.loadedBy],
    );
    const version = rows[0]?.version;
    if (version === undefined) throw new Error('admin_boundaries upsert returned no row');
    return version;
  }

  async listByCrisis(crisisId: string): Promise<AdminArea[]> {
    const { rows } = await this.#db.query<AdminAreaRow>(
      'SELECT pcode, level, name, name_ar, name_fr, parent_pcode, geometry, bbox FROM admin_areas WHERE crisis_id = $1 ORDER BY level, pcode',
      [crisisId],
    );
    return rows.map(toAdminArea);
  }

  async setRecomputeCursor(crisisId: string, version: number, afterKey: number | null): Promise<void> {
    await this.#db.query('UPDATE admin_boundaries SET recompute_after = $1 WHERE crisis_id = $2 AND version = $3', [afterKey, crisisId, version]);
  }

  async pendingRecomputes(): Promise<string[]> {
    const { rows } = await this.#db.query<{ crisis_id: string }>('SELECT crisis_id FROM admin_boundaries WHERE recompute_after IS NOT NULL ORDER BY crisis_id');
    return rows.map((r) => r.crisis_id);
  }
}
