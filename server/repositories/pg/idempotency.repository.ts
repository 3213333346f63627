import type { IdempotencyStore } from '../contract';
import type { IdempotencyRecord } from '../idempotency.repository';
import { refuseNul, textArray, toNumber, type BufferedQueryable, type Lookup } from './queryable';

interface Row {
  command_id: string;
  user_id: string;
  result: string | null;
  last_seq: string | null;
  logged: string | null;
  at: string;
}

/** Applied command ids on PostgreSQL; each method means what `IdempotencyRepository`'s (SQLite) does. */
export class PgIdempotencyRepository implements IdempotencyStore {
  readonly #db: BufferedQueryable;

  constructor(db: BufferedQueryable) {
    this.#db = db;
  }

  async insert(commandId: string, userId: string, firstSeq: number, lastSeq: number, at: string): Promise<void> {
    const buffer = this.#db.buffer();
    if (buffer) {
      refuseNul([commandId, userId, at]);
      buffer.recordCommand({ commandId, userId, firstSeq, lastSeq, at });
      return;
    }
    await this.#db.query('INSERT INTO idempotency (command_id, user_id, first_seq, last_seq, at) VALUES ($1, $2, $3, $4, $5)', [
      commandId,
      userId,
      firstSeq,
      lastSeq,
      at,
    ]);
  }

  async find(commandId: string): Promise<IdempotencyRecord | null> {
    const buffer = this.#db.buffer();
    const known = buffer?.knownRecord(commandId);
    if (known !== undefined) return known;
    const sql = `${SELECT} WHERE i.command_id = $1`;
    const { rows } = buffer ? await this.#db.read<Row>(sql, [commandId]) : await this.#db.query<Row>(sql, [commandId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * In a batch transaction: the lookup of the records of `ids` (for `readTogether`), so the batch's
   * lookups need none; null outside a batch or for no ids.
   */
  prefetch(ids: readonly string[]): Lookup | null {
    const buffer = this.#db.buffer();
    if (!buffer || ids.length === 0) return null;
    return {
      text: `${SELECT} WHERE i.command_id = ANY(${textArray([...new Set(ids)])})`,
      learn: (rows) => {
        const found = new Map((rows as Row[]).map((row) => [row.command_id, row]));
        for (const id of ids) {
          const row = found.get(id);
          buffer.learnRecord(id, row ? toRecord(row) : null);
        }
      },
    };
  }

  async legacyResultsFor(groupId: string): Promise<{ commandId: string; result: string }[]> {
    // The text column is read as JSON only for the old records that hold an ack.
    const { rows } = await this.#db.query<{ commandId: string; result: string }>(
      `SELECT command_id AS "commandId", result FROM idempotency WHERE result IS NOT NULL AND (result::jsonb -> 'group' ->> 'id') = $1`,
      [groupId],
    );
    return rows;
  }

  async rewriteLegacy(commandId: string, result: string): Promise<void> {
    await this.#db.query('UPDATE idempotency SET result = $1 WHERE command_id = $2 AND result IS NOT NULL', [result, commandId]);
  }
}

const SELECT = `SELECT i.command_id, i.user_id, i.result, i.last_seq, c.data AS logged, i.at
  FROM idempotency i LEFT JOIN change_log c ON c.seq = i.first_seq`;

function toRecord(row: Row): IdempotencyRecord {
  // A missing log row leaves `group` null, which the service's parse refuses loudly.
  const result: unknown =
    row.result !== null
      ? JSON.parse(row.result)
      : { ok: true, seq: row.last_seq === null ? null : toNumber(row.last_seq), group: row.logged === null ? null : JSON.parse(row.logged) };
  return { commandId: row.command_id, userId: row.user_id, result, at: row.at };
}
