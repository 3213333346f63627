import type { Crisis } from '../../../shared/schemas/crisis.schema';
import type { CrisisStore } from '../contract';
import { toCrisis, type CrisisRow } from '../crisis.repository';
import { toNumber, type Queryable } from './queryable';

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
