import type { Db } from '../db/database';
import { Agency } from '../../shared/schemas/agency.schema';

/** An agencies row, as either engine returns it. */
export interface AgencyRow {
  id: string;
  name: string;
  acronym: string;
  type: string;
  serves_state: string | null;
}

/** An agency from its row, checked against the schema. */
export const toAgency = (row: AgencyRow): Agency =>
  Agency.parse({ id: row.id, name: row.name, acronym: row.acronym, type: row.type, servesState: row.serves_state });

/** Agencies: UN bodies, NGOs, Red Cross/Crescent, consulates. */
export class AgencyRepository {
  readonly #insert;
  readonly #byId;
  readonly #byAcronym;
  readonly #all;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, string, string, string | null, string]>(
      'INSERT INTO agencies (id, name, acronym, type, serves_state, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#byId = db.prepare<[string], AgencyRow>('SELECT * FROM agencies WHERE id = ?');
    this.#byAcronym = db.prepare<[string], AgencyRow>('SELECT * FROM agencies WHERE acronym = ?');
    this.#all = db.prepare<[], AgencyRow>('SELECT * FROM agencies ORDER BY acronym');
  }

  /** Stores a new agency. */
  insert(a: Agency, createdAt: string): void {
    this.#insert.run(a.id, a.name, a.acronym, a.type, a.servesState, createdAt);
  }

  /** The agency with this id, or null. */
  findById(id: string): Agency | null {
    const row = this.#byId.get(id);
    return row ? toAgency(row) : null;
  }

  /** The agency with this acronym (case-insensitive), or null. */
  findByAcronym(acronym: string): Agency | null {
    const row = this.#byAcronym.get(acronym);
    return row ? toAgency(row) : null;
  }

  /** Every agency, by acronym. */
  list(): Agency[] {
    return this.#all.all().map(toAgency);
  }
}
