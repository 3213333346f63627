import type { Movement } from '../../../shared/schemas/movement.schema';
import { isOpenMovement } from '../../../shared/movements';
import { PlainTransactionNeeded, type MovementStore } from '../contract';
import {
  manifestGroupIds,
  parseStoredMovement,
  toMovementChange,
  type MovementChangeKind,
  type MovementChangeRecord,
  type MovementChangeRow,
} from '../movement.repository';
import { changed, toNumber, type BufferedQueryable } from './queryable';

/**
 * Movements on PostgreSQL; each method means what `MovementRepository`'s (SQLite) does.
 *
 * A batch transaction (write-buffer.ts) holds group rows and change-log numbers in memory; a
 * movement's rows are not held there. Movement writes are few (a coordinator's plan, a carrier's
 * check-ins), so a batch that makes one runs again as a plain transaction, where the change log's
 * numbers come from change_head in order, rather than teaching the buffer a second kind of row.
 */
export class PgMovementRepository implements MovementStore {
  readonly #db: BufferedQueryable;

  constructor(db: BufferedQueryable) {
    this.#db = db;
  }

  /** Refuses to write inside a batch: the store runs the batch again plainly (see the class comment). */
  #plain(): void {
    const buffer = this.#db.buffer();
    if (!buffer) return;
    buffer.poisoned ??= new PlainTransactionNeeded('a movement write runs in a plain transaction');
    throw buffer.poisoned;
  }

  async #setGroups(m: Movement): Promise<void> {
    await this.#db.query('DELETE FROM movement_groups WHERE movement_id = $1', [m.id]);
    const ids = manifestGroupIds(m);
    if (ids.length > 0) {
      await this.#db.query('INSERT INTO movement_groups (group_id, movement_id) SELECT g, $2 FROM unnest($1::text[]) AS g', [ids, m.id]);
    }
  }

  async insert(m: Movement, json: string = JSON.stringify(m)): Promise<void> {
    this.#plain();
    await this.#db.query('INSERT INTO movements (id, crisis_id, version, open, data, updated_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      m.id,
      m.crisisId,
      m.version,
      isOpenMovement(m) ? 1 : 0,
      json,
      m.updatedAt,
    ]);
    await this.#setGroups(m);
  }

  async update(m: Movement, json: string = JSON.stringify(m)): Promise<void> {
    this.#plain();
    const result = await this.#db.query('UPDATE movements SET version = $1, open = $2, data = $3, updated_at = $4 WHERE id = $5 AND version = $6', [
      m.version,
      isOpenMovement(m) ? 1 : 0,
      json,
      m.updatedAt,
      m.id,
      m.version - 1,
    ]);
    if (changed(result) !== 1) throw new Error(`movement update lost a race (expected version ${m.version - 1})`);
    await this.#setGroups(m);
  }

  async findById(id: string): Promise<Movement | null> {
    const { rows } = await this.#db.query<{ data: string }>('SELECT data FROM movements WHERE id = $1', [id]);
    return rows[0] ? parseStoredMovement(rows[0].data) : null;
  }

  async pageByCrisis(crisisId: string, afterId: string, limit: number): Promise<Movement[]> {
    const { rows } = await this.#db.query<{ data: string }>('SELECT data FROM movements WHERE crisis_id = $1 AND id > $2 ORDER BY id LIMIT $3', [
      crisisId,
      afterId,
      limit,
    ]);
    return rows.map((r) => parseStoredMovement(r.data));
  }

  async idsForGroup(groupId: string, openOnly: boolean): Promise<string[]> {
    const { rows } = await this.#db.query<{ id: string }>(
      'SELECT m.id FROM movement_groups g JOIN movements m ON m.id = g.movement_id WHERE g.group_id = $1 AND ($2 = 0 OR m.open = 1) ORDER BY m.id',
      [groupId, openOnly ? 1 : 0],
    );
    return rows.map((r) => r.id);
  }

  async appendChange(kind: MovementChangeKind, m: Movement, actor: string | null, at: string, json: string = JSON.stringify(m)): Promise<number> {
    this.#plain();
    // The number comes from change_head, as a group change's does (see PgChangeLogRepository).
    const { rows } = await this.#db.query<{ seq: string }>(
      `WITH head AS (UPDATE change_head SET seq = seq + 1 RETURNING seq)
       INSERT INTO change_log (seq, crisis_id, entity, entity_id, kind, data, actor, at)
       SELECT head.seq, $1, 'movement', $2, $3, $4, $5, $6 FROM head
       RETURNING seq`,
      [m.crisisId, m.id, kind, json, actor, at],
    );
    const seq = rows[0]?.seq;
    if (seq === undefined) throw new Error('change_head holds no row: the schema is damaged');
    return toNumber(seq);
  }

  async listChanges(crisisId: string | null, afterSeq: number, uptoSeq: number, limit: number): Promise<MovementChangeRecord[]> {
    const { rows } = await this.#db.query<MovementChangeRow<string>>(
      `SELECT seq, crisis_id, kind, data, at FROM change_log
        WHERE entity = 'movement' AND ($1::text IS NULL OR crisis_id = $1::text) AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
      [crisisId, afterSeq, uptoSeq, limit],
    );
    return rows.map((row) => toMovementChange({ ...row, seq: toNumber(row.seq) }));
  }

  async loggedListing(crisisId: string, groupIds: readonly string[]): Promise<{ seq: number; movement: Movement }[]> {
    if (groupIds.length === 0) return [];
    const { rows } = await this.#db.query<{ seq: string; data: string }>(
      `SELECT c.seq, c.data FROM movements m JOIN change_log c ON c.entity_id = m.id
        WHERE m.crisis_id = $1 AND c.entity = 'movement'
          AND EXISTS (SELECT 1 FROM jsonb_array_elements((c.data::jsonb) -> 'manifest') e WHERE e ->> 'groupId' = ANY ($2::text[]))
        ORDER BY c.seq`,
      [crisisId, groupIds],
    );
    return rows.map((row) => ({ seq: toNumber(row.seq), movement: parseStoredMovement(row.data) }));
  }

  async rewriteLogged(seq: number, json: string): Promise<void> {
    this.#plain();
    await this.#db.query("UPDATE change_log SET data = $1 WHERE seq = $2 AND entity = 'movement'", [json, seq]);
  }

  async stateBefore(movementId: string, beforeSeq: number): Promise<Movement | null> {
    const { rows } = await this.#db.query<{ data: string }>('SELECT data FROM change_log WHERE entity_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT 1', [
      movementId,
      beforeSeq,
    ]);
    return rows[0] ? parseStoredMovement(rows[0].data) : null;
  }
}
