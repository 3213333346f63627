import type { Db } from '../db/database';
import { Bbox, Crisis } from '../../shared/schemas/crisis.schema';

/** A crises row, as either engine returns it (`is_demo` is 0 or 1 on both, `area` JSON text). */
export interface CrisisRow {
  id: string;
  name: string;
  type: string;
  host_country: string;
  phase: string;
  area: string;
  is_demo: number;
  created_at: string;
}

/** A crisis from its row, checked against the schema. */
export const toCrisis = (row: CrisisRow): Crisis =>
  Crisis.parse({
    id: row.id,
    name: row.name,
    type: row.type,
    hostCountry: row.host_country,
    phase: row.phase,
    area: Bbox.parse(JSON.parse(row.area)),
    isDemo: row.is_demo === 1,
    createdAt: row.created_at,
  });

/** Crises: the operations a deployment serves. */
export class CrisisRepository {
  readonly #insert;
  readonly #byId;
  readonly #all;
  readonly #count;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, string, string, string, string, number, string]>(
      'INSERT INTO crises (id, name, type, host_country, phase, area, is_demo, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#byId = db.prepare<[string], CrisisRow>('SELECT * FROM crises WHERE id = ?');
    this.#all = db.prepare<[], CrisisRow>('SELECT * FROM crises ORDER BY created_at, id');
    this.#count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM crises');
  }

  /** Stores a new crisis. */
  insert(c: Crisis): void {
    this.#insert.run(c.id, c.name, c.type, c.hostCountry, c.phase, JSON.stringify(c.area), c.isDemo ? 1 : 0, c.createdAt);
  }

  /** The crisis with this id, or null. */
  findById(id: string): Crisis | null {
    const row = this.#byId.get(id);
    return row ? toCrisis(row) : null;
  }

  /** Every crisis, oldest first. */
  list(): Crisis[] {
    return this.#all.all().map(toCrisis);
  }

  /** How many crises exist (zero means an empty database, which the demo seed fills). */
  count(): number {
    return this.#count.get()?.n ?? 0;
  }
}
