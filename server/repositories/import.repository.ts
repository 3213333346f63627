import type { Db } from '../db/database';
import type { ImportJob } from '../../shared/schemas/import.schema';

/** An imports row, as either engine returns it. */
export interface ImportRow {
  id: string;
  crisis_id: string;
  user_id: string;
  file_name: string;
  state: ImportJob['state'];
  started_at: string;
  finished_at: string | null;
  rows_total: number;
  imported: number;
  already_present: number;
  refused: number;
}

/** A run as stored: the job plus whose it is. */
export interface ImportRecord extends ImportJob {
  crisisId: string;
  userId: string;
}

/** A stored run from its row; `processed` is every row the run has decided on. */
export const toImportRecord = (r: ImportRow): ImportRecord => ({
  importId: r.id,
  crisisId: r.crisis_id,
  userId: r.user_id,
  fileName: r.file_name,
  state: r.state,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  total: r.rows_total,
  processed: r.imported + r.already_present + r.refused,
  imported: r.imported,
  alreadyPresent: r.already_present,
  refused: r.refused,
});

/** Import runs: who imported which file, and how many rows went in or were refused. */
export class ImportRepository {
  readonly #insert;
  readonly #progress;
  readonly #byId;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, string, string, string]>(
      "INSERT INTO imports (id, crisis_id, user_id, file_name, state, started_at) VALUES (?, ?, ?, ?, 'running', ?)",
    );
    this.#progress = db.prepare<[string, string | null, number, number, number, number, string]>(
      `UPDATE imports SET state = ?, finished_at = ?, rows_total = ?, imported = ?, already_present = ?, refused = ?
       WHERE id = ?`,
    );
    this.#byId = db.prepare<[string], ImportRow>('SELECT * FROM imports WHERE id = ?');
  }

  /** Records the start of a run. */
  start(id: string, crisisId: string, userId: string, fileName: string, at: string): void {
    this.#insert.run(id, crisisId, userId, fileName, at);
  }

  /** Stores a run's counts and state. */
  save(job: ImportJob): void {
    this.#progress.run(job.state, job.finishedAt, job.total, job.imported, job.alreadyPresent, job.refused, job.importId);
  }

  /** The run with this id, or null. */
  findById(id: string): ImportRecord | null {
    const row = this.#byId.get(id);
    return row ? toImportRecord(row) : null;
  }
}
