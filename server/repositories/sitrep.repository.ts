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

interface Row {
  crisisId: string;
  number: number;
  issuedAt: string;
  issuedBy: string;
  figures: string;
}

/** Issued situation reports, numbered per crisis. Only figures are kept: no group, no person. */
export class SitrepRepository {
  readonly #latest;
  readonly #insert;

  constructor(db: Db) {
    this.#latest = db.prepare<[string], Row>(
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
    return row ? { ...row, figures: SitrepFigures.parse(JSON.parse(row.figures)) } : null;
  }

  /** Stores a report; the (crisis, number) key refuses a second report with the same number. */
  insert(report: IssuedSitrep): void {
    this.#insert.run(report.crisisId, report.number, report.issuedAt, report.issuedBy, JSON.stringify(report.figures));
  }
}
