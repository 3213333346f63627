import type { Db } from '../db/database';
import { AdminArea, AreaGeometry, BoundarySet } from '../../shared/schemas/admin-area.schema';
import { Bbox } from '../../shared/schemas/crisis.schema';

/** An admin_areas row, as either engine returns it. */
export interface AdminAreaRow {
  pcode: string;
  level: number;
  name: string;
  name_ar: string | null;
  name_fr: string | null;
  parent_pcode: string | null;
  geometry: string | null;
  bbox: string | null;
}

/** An admin_boundaries row; PostgreSQL hands its bigint `recompute_after` over as text. */
export interface BoundaryRow {
  version: number;
  source: string;
  synthetic: number;
  loaded_at: string;
  loaded_by: string | null;
  recompute_after: number | string | null;
}

/** An area from its row, checked against the schema. */
export const toAdminArea = (row: AdminAreaRow): AdminArea =>
  AdminArea.parse({
    pcode: row.pcode,
    level: row.level,
    name: row.name,
    nameAr: row.name_ar,
    nameFr: row.name_fr,
    parentPcode: row.parent_pcode,
    geometry: row.geometry === null ? null : AreaGeometry.parse(JSON.parse(row.geometry)),
    bbox: row.bbox === null ? null : Bbox.parse(JSON.parse(row.bbox)),
  });

/** A boundary set from its row. */
export const toBoundarySet = (row: BoundaryRow): BoundarySet =>
  BoundarySet.parse({
    version: row.version,
    source: row.source,
    synthetic: row.synthetic === 1,
    loadedAt: row.loaded_at,
    loadedBy: row.loaded_by,
    recomputeAfter: row.recompute_after === null ? null : Number(row.recompute_after),
  });

/** The columns of one area, in insert order. */
export const areaValues = (crisisId: string, a: AdminArea): (string | number | null)[] => [
  crisisId,
  a.pcode,
  a.level,
  a.name,
  a.nameAr,
  a.nameFr,
  a.parentPcode,
  a.geometry === null ? null : JSON.stringify(a.geometry),
  a.bbox === null ? null : JSON.stringify(a.bbox),
];

/** What a load stores besides its areas. */
export interface BoundaryLoad {
  source: string;
  synthetic: boolean;
  loadedAt: string;
  loadedBy: string | null;
}

const AREA_COLUMNS = 'pcode, level, name, name_ar, name_fr, parent_pcode, geometry, bbox';

/** Admin boundaries of each crisis: the current set's areas and its bookkeeping. */
export class AdminAreaRepository {
  readonly #boundaries;
  readonly #deleteAreas;
  readonly #insertArea;
  readonly #upsertBoundaries;
  readonly #list;
  readonly #version;
  readonly #setCursor;
  readonly #pending;

  constructor(db: Db) {
    this.#boundaries = db.prepare<[string], BoundaryRow>(
      'SELECT version, source, synthetic, loaded_at, loaded_by, recompute_after FROM admin_boundaries WHERE crisis_id = ?',
    );
    this.#deleteAreas = db.prepare<[string]>('DELETE FROM admin_areas WHERE crisis_id = ?');
    this.#insertArea = db.prepare<(string | number | null)[]>(`INSERT INTO admin_areas (crisis_id, ${AREA_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#upsertBoundaries = db.prepare<[string, string, number, string, string | null], { version: number }>(
      `INSERT INTO admin_boundaries (crisis_id, version, source, synthetic, loaded_at, loaded_by, recompute_after) VALUES (?, 1, ?, ?, ?, ?, 0)
       ON CONFLICT (crisis_id) DO UPDATE SET version = admin_boundaries.version + 1, source = excluded.source, synthetic = excluded.synthetic,
         loaded_at = excluded.loaded_at, loaded_by = excluded.loaded_by, recompute_after = 0
       RETURNING version`,
    );
    this.#list = db.prepare<[string], AdminAreaRow>(`SELECT ${AREA_COLUMNS} FROM admin_areas WHERE crisis_id = ? ORDER BY level, pcode`);
    this.#version = db.prepare<[string], { version: number }>('SELECT version FROM admin_boundaries WHERE crisis_id = ?');
    this.#setCursor = db.prepare<[number | null, string, number]>('UPDATE admin_boundaries SET recompute_after = ? WHERE crisis_id = ? AND version = ?');
    this.#pending = db.prepare<[], { crisis_id: string }>('SELECT crisis_id FROM admin_boundaries WHERE recompute_after IS NOT NULL ORDER BY crisis_id');
  }

  /** The crisis's current boundary set, or null when none was ever loaded. */
  boundaries(crisisId: string): BoundarySet | null {
    const row = this.#boundaries.get(crisisId);
    return row ? toBoundarySet(row) : null;
  }

  /** The current boundary version of a crisis (0 when none): a cheap check before reusing a cached index. */
  version(crisisId: string): number {
    return this.#version.get(crisisId)?.version ?? 0;
  }

  /**
   * Replaces every area of a crisis with `areas` and starts a new version whose recomputation has
   * not begun (cursor 0). Returns the new version. Callers run it in a transaction.
   */
  replace(crisisId: string, areas: readonly AdminArea[], load: BoundaryLoad): number {
    this.#deleteAreas.run(crisisId);
    for (const area of areas) this.#insertArea.run(...areaValues(crisisId, area));
    const row = this.#upsertBoundaries.get(crisisId, load.source, load.synthetic ? 1 : 0, load.loadedAt, load.loadedBy);
    if (!row) throw new Error('admin_boundaries upsert returned no row');
    return row.version;
  }

  /** Every area of a crisis (admin 1 then 2, by p-code): a few thousand at most, so one read. */
  listByCrisis(crisisId: string): AdminArea[] {
    return this.#list.all(crisisId).map(toAdminArea);
  }

  /**
   * Records how far the recomputation of `version` has gone (null: finished). Does nothing when a
   * newer load has replaced that version meanwhile: its own recomputation starts over.
   */
  setRecomputeCursor(crisisId: string, version: number, afterKey: number | null): void {
    this.#setCursor.run(afterKey, crisisId, version);
  }

  /** Crises whose latest boundaries have not yet been applied to every group (a restart resumes them). */
  pendingRecomputes(): string[] {
    return this.#pending.all().map((r) => r.crisis_id);
  }
}
