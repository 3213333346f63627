import type { Db } from '../db/database';
import { SitrepFigures } from '../../shared/exports/export.schema';

/** An issued situation report: its number in the crisis, when, by whom, and its key figures. */
export interface IssuedSitrep {
  crisisId: string;
  number: number;
  issuedAt: string;
  issuedBy: string;
  figures: SitrepFigures;
}

/** A sitreps row under the names the query gives its columns, as either engine returns it. */
export interface SitrepRow {
  crisisId: string;
  number: number;
  issuedAt: string;
  issuedBy: string;
  figures: string;
}

/** An issued report from its row, its figures checked against the schema. */
export const toIssuedSitrep = (row: SitrepRow): IssuedSitrep => ({ ...row, figures: SitrepFigures.parse(JSON.parse(row.figures)) });

/** Issued situation reports, numbered per crisis. Only figures are kept: no group, no person. */
export class SitrepRepository {
  readonly #latest;
  readonly #insert;

  constructor(db: Db) {
    this.#latest = db.prepare<[string], SitrepRow>(
      `SELECT crisis_id AS crisisId, number, issued_at AS issuedAt, issued_by AS issuedBy, figures
       FROM sitreps WHERE crisis_id = ? ORDER BY number DESC LIMIT 1`,
    );
    this.#insert = db.prepare<[string, number, string, string, string]>(
      'INSERT INTO sitreps (crisis_id, number, issued_at, issued_by, figures) VALUES (?, ?, ?, ?, ?)',
    );
  }

  /** The crisis's last issued report, or null before the first. */
  latest(crisisId: string): IssuedSitrep | null {
    const row = this.#latest.get(crisisId);
    return row ? toIssuedSitrep(row) : null;
  }

  /** Stores a report; the (crisis, number) key refuses a second report with the same number. */
  insert(report: IssuedSitrep): void {
    this.#insert.run(report.crisisId, report.number, report.issuedAt, report.issuedBy, JSON.stringify(report.figures));
  }
}
