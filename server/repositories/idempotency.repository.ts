import type { Db } from '../db/database';

/** The first result stored for a command id. */
export interface IdempotencyRecord {
  commandId: string;
  userId: string;
  /** The acknowledgement, as JSON-compatible data; the service parses it back. */
  result: unknown;
  at: string;
}

/** Command ids already applied, with their results. */
export class IdempotencyRepository {
  readonly #insert;
  readonly #byId;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, string, string]>(
      'INSERT INTO idempotency (command_id, user_id, result, at) VALUES (?, ?, ?, ?)',
    );
    this.#byId = db.prepare<[string], { command_id: string; user_id: string; result: string; at: string }>(
      'SELECT * FROM idempotency WHERE command_id = ?',
    );
  }

  /** Records a command's result (`json`: its JSON, when the caller already has it). */
  insert(commandId: string, userId: string, result: unknown, at: string, json: string = JSON.stringify(result)): void {
    this.#insert.run(commandId, userId, json, at);
  }

  /** The stored result of a command id, or null. */
  find(commandId: string): IdempotencyRecord | null {
    const row = this.#byId.get(commandId);
    if (!row) return null;
    const result: unknown = JSON.parse(row.result);
    return { commandId: row.command_id, userId: row.user_id, result, at: row.at };
  }
}
