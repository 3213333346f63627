import type { ImportJob } from '../../../shared/schemas/import.schema';
import type { ImportStore } from '../contract';
import { toImportRecord, type ImportRecord, type ImportRow } from '../import.repository';
import type { Queryable } from './queryable';

/** Import runs on PostgreSQL; each method means what `ImportRepository`'s (SQLite) does. */
export class PgImportRepository implements ImportStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async start(id: string, crisisId: string, userId: string, fileName: string, at: string): Promise<void> {
    await this.#db.query("INSERT INTO imports (id, crisis_id, user_id, file_name, state, started_at) VALUES ($1, $2, $3, $4, 'running', $5)", [
      id,
      crisisId,
      userId,
      fileName,
      at,
    ]);
  }

  async save(job: ImportJob): Promise<void> {
    await this.#db.query(
      `UPDATE imports SET state = $1, finished_at = $2, rows_total = $3, imported = $4, already_present = $5, refused = $6
       WHERE id = $7`,
      [job.state, job.finishedAt, job.total, job.imported, job.alreadyPresent, job.refused, job.importId],
    );
  }

  async findById(id: string): Promise<ImportRecord | null> {
    const { rows } = await this.#db.query<ImportRow>('SELECT * FROM imports WHERE id = $1', [id]);
    return rows[0] ? toImportRecord(rows[0]) : null;
  }
}
