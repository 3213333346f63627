import type { SitrepStore } from '../contract';
import { toIssuedSitrep, type IssuedSitrep, type SitrepRow } from '../sitrep.repository';
import type { Queryable } from './queryable';

/** Issued situation reports on PostgreSQL; each method means what `SitrepRepository`'s (SQLite) does. */
export class PgSitrepRepository implements SitrepStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async latest(crisisId: string): Promise<IssuedSitrep | null> {
    const { rows } = await this.#db.query<SitrepRow>(
      `SELECT crisis_id AS "crisisId", number, issued_at AS "issuedAt", issued_by AS "issuedBy", figures
       FROM sitreps WHERE crisis_id = $1 ORDER BY number DESC LIMIT 1`,
      [crisisId],
    );
    const row = rows[0];
    return row ? toIssuedSitrep(row) : null;
  }

  async insert(report: IssuedSitrep): Promise<void> {
    await this.#db.query('INSERT INTO sitreps (crisis_id, number, issued_at, issued_by, figures) VALUES ($1, $2, $3, $4, $5)', [
      report.crisisId,
      report.number,
      report.issuedAt,
      report.issuedBy,
      JSON.stringify(report.figures),
    ]);
  }
}
