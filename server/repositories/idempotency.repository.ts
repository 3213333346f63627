import type { Db } from '../db/database';

/** The first result stored for a command id. */
export interface IdempotencyRecord {
  commandId: string;
  userId: string;
  /** The acknowledgement, as JSON-compatible data; the service parses it back. */
  result: unknown;
  at: string;
}

interface Row {
  command_id: string;
  user_id: string;
  result: string | null;
  last_seq: number | null;
  /** The change-log row at first_seq: the state the ack carried. */
  logged: string | null;
  at: string;
}

/**
 * Command ids already applied, with their results. A record points at the command's change-log
 * rows (its ack is the last sequence number and the state logged at the first) rather than
 * holding a third copy of the group's JSON; records from before that hold their ack as JSON.
 */
export class IdempotencyRepository {
  readonly #insert;
  readonly #byId;
  readonly #legacyFor;
  readonly #rewriteLegacy;

  constructor(db: Db) {
    // Only records from before migration 004 hold a group in `result`; the ones after point into the log.
    this.#legacyFor = db.prepare<[string], { commandId: string; result: string }>(
      "SELECT command_id AS commandId, result FROM idempotency WHERE result IS NOT NULL AND json_extract(result, '$.group.id') = ?",
    );
    this.#rewriteLegacy = db.prepare<[string, string]>('UPDATE idempotency SET result = ? WHERE command_id = ? AND result IS NOT NULL');
    this.#insert = db.prepare<[string, string, number, number, string]>(
      'INSERT INTO idempotency (command_id, user_id, first_seq, last_seq, at) VALUES (?, ?, ?, ?, ?)',
    );
    this.#byId = db.prepare<[string], Row>(
      `SELECT i.command_id, i.user_id, i.result, i.last_seq, c.data AS logged, i.at
         FROM idempotency i LEFT JOIN change_log c ON c.seq = i.first_seq
        WHERE i.command_id = ?`,
    );
  }

  /** Records a successful command by its change-log rows, `firstSeq` to `lastSeq`. */
  insert(commandId: string, userId: string, firstSeq: number, lastSeq: number, at: string): void {
    this.#insert.run(commandId, userId, firstSeq, lastSeq, at);
  }

  /** The stored result of a command id, or null. */
  find(commandId: string): IdempotencyRecord | null {
    const row = this.#byId.get(commandId);
    if (!row) return null;
    // A missing log row leaves `group` null, which the service's parse refuses loudly.
    const result: unknown =
      row.result !== null ? JSON.parse(row.result) : { ok: true, seq: row.last_seq, group: row.logged === null ? null : JSON.parse(row.logged) };
    return { commandId: row.command_id, userId: row.user_id, result, at: row.at };
  }

  /** The records written before migration 004 whose stored ack holds this group, with that ack's JSON. */
  legacyResultsFor(groupId: string): { commandId: string; result: string }[] {
    return this.#legacyFor.all(groupId);
  }

  /** Replaces a pre-004 record's stored ack (retention coarsens it, erasure blanks it). */
  rewriteLegacy(commandId: string, result: string): void {
    this.#rewriteLegacy.run(result, commandId);
  }
}
