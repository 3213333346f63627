import { Bbox, Crisis } from '../../../shared/schemas/crisis.schema';
import type { CrisisStore } from '../contract';
import { toNumber, type Queryable } from './queryable';

interface CrisisRow {
  id: string;
  name: string;
  type: string;
  host_country: string;
  phase: string;
  area: string;
  is_demo: number;
  created_at: string;
}

const toCrisis = (row: CrisisRow): Crisis =>
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

/** Crises on PostgreSQL; each method means what `CrisisRepository`'s (SQLite) does. */
export class PgCrisisRepository implements CrisisStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async insert(c: Crisis): Promise<void> {
    await this.#db.query('INSERT INTO crises (id, name, type, host_country, phase, area, is_demo, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      c.id,
      c.name,
      c.type,
      c.hostCountry,
      c.phase,
      JSON.stringify(c.area),
      c.isDemo ? 1 : 0,
      c.createdAt,
    ]);
  }

  async findById(id: string): Promise<Crisis | null> {
    const { rows } = await this.#db.query<CrisisRow>('SELECT * FROM crises WHERE id = $1', [id]);
    return rows[0] ? toCrisis(rows[0]) : null;
  }

  async list(): Promise<Crisis[]> {
    const { rows } = await this.#db.query<CrisisRow>('SELECT * FROM crises ORDER BY created_at, id');
    return rows.map(toCrisis);
  }

  async count(): Promise<number> {
    const { rows } = await this.#db.query<{ n: string }>('SELECT COUNT(*) AS n FROM crises');
    return toNumber(rows[0]?.n ?? 0);
  }
}
