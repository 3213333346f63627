import type { Agency } from '../../../shared/schemas/agency.schema';
import { toAgency, type AgencyRow } from '../agency.repository';
import type { AgencyStore } from '../contract';
import type { Queryable } from './queryable';

/** Agencies on PostgreSQL; each method means what `AgencyRepository`'s (SQLite) does. */
export class PgAgencyRepository implements AgencyStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async insert(a: Agency, createdAt: string): Promise<void> {
    await this.#db.query('INSERT INTO agencies (id, name, acronym, type, serves_state, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      a.id,
      a.name,
      a.acronym,
      a.type,
      a.servesState,
      createdAt,
    ]);
  }

  async findById(id: string): Promise<Agency | null> {
    const { rows } = await this.#db.query<AgencyRow>('SELECT * FROM agencies WHERE id = $1', [id]);
    return rows[0] ? toAgency(rows[0]) : null;
  }

  async findByAcronym(acronym: string): Promise<Agency | null> {
    // lower() on both sides is SQLite's NOCASE (ASCII folding under the "C" collation), and uses the unique index.
    const { rows } = await this.#db.query<AgencyRow>('SELECT * FROM agencies WHERE lower(acronym) = lower($1 COLLATE "C")', [acronym]);
    return rows[0] ? toAgency(rows[0]) : null;
  }

  async list(): Promise<Agency[]> {
    const { rows } = await this.#db.query<AgencyRow>('SELECT * FROM agencies ORDER BY lower(acronym)');
    return rows.map(toAgency);
  }
}
