import type { Db } from '../db/database';
import { isOpenMovement } from '../../shared/movements';
import type { CommandType } from '../../shared/schemas/command.schema';
import { Movement } from '../../shared/schemas/movement.schema';

/**
 * What happened to a movement: one of its commands, or `movement.refresh` when a change of a group
 * on its manifest was copied into it (written by the server in the group's transaction).
 */
export type MovementChangeKind = Extract<CommandType, `movement.${string}`> | 'movement.refresh';

/** One committed movement change, from the change log (its rows with entity 'movement'). */
export interface MovementChangeRecord {
  seq: number;
  crisisId: string;
  kind: MovementChangeKind;
  movement: Movement;
  at: string;
}

/** A change_log row of a movement; PostgreSQL's bigint `seq` comes as text and is converted first. */
export interface MovementChangeRow<Int = number> {
  seq: Int;
  crisis_id: string;
  kind: string;
  data: string;
  at: string;
}

/** Stored JSON is parsed with the shared schema on the way out, as a group's is. */
export const parseStoredMovement = (json: string): Movement => Movement.parse(JSON.parse(json));

export const toMovementChange = (row: MovementChangeRow): MovementChangeRecord => ({
  seq: row.seq,
  crisisId: row.crisis_id,
  kind: row.kind as MovementChangeKind,
  movement: parseStoredMovement(row.data),
  at: row.at,
});

/** The groups a movement's manifest lists, for the movement_groups rows. */
export const manifestGroupIds = (m: Movement): string[] => m.manifest.map((e) => e.groupId);

/**
 * Movements (evacuations, relocations): the current state of each, the groups each lists, and
 * their rows in the shared change log (entity 'movement'), numbered in the same sequence as the
 * groups' so the live feed and catch-up carry both in commit order.
 */
export class MovementRepository {
  readonly #insert;
  readonly #update;
  readonly #byId;
  readonly #page;
  readonly #addGroup;
  readonly #dropGroups;
  readonly #openForGroup;
  readonly #allForGroup;
  readonly #append;
  readonly #changes;
  readonly #crisisChanges;
  readonly #before;
  readonly #listing;
  readonly #rewrite;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, number, number, string, string]>(
      'INSERT INTO movements (id, crisis_id, version, open, data, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // The version guard makes a lost update impossible even if a caller forgot to check.
    this.#update = db.prepare<[number, number, string, string, string, number]>(
      'UPDATE movements SET version = ?, open = ?, data = ?, updated_at = ? WHERE id = ? AND version = ?',
    );
    this.#byId = db.prepare<[string], { data: string }>('SELECT data FROM movements WHERE id = ?');
    this.#page = db.prepare<[string, string, number], { data: string }>('SELECT data FROM movements WHERE crisis_id = ? AND id > ? ORDER BY id LIMIT ?');
    this.#addGroup = db.prepare<[string, string]>('INSERT INTO movement_groups (group_id, movement_id) VALUES (?, ?)');
    this.#dropGroups = db.prepare<[string]>('DELETE FROM movement_groups WHERE movement_id = ?');
    this.#openForGroup = db.prepare<[string], { id: string }>(
      'SELECT m.id FROM movement_groups g JOIN movements m ON m.id = g.movement_id WHERE g.group_id = ? AND m.open = 1 ORDER BY m.id',
    );
    this.#allForGroup = db.prepare<[string], { id: string }>('SELECT movement_id AS id FROM movement_groups WHERE group_id = ? ORDER BY movement_id');
    this.#append = db.prepare<[string, string, string, string, string | null, string]>(
      "INSERT INTO change_log (crisis_id, entity, entity_id, kind, data, actor, at) VALUES (?, 'movement', ?, ?, ?, ?, ?)",
    );
    this.#changes = db.prepare<[number, number, number], MovementChangeRow>(
      "SELECT seq, crisis_id, kind, data, at FROM change_log WHERE entity = 'movement' AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
    );
    this.#crisisChanges = db.prepare<[string, number, number, number], MovementChangeRow>(
      "SELECT seq, crisis_id, kind, data, at FROM change_log WHERE crisis_id = ? AND entity = 'movement' AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
    );
    this.#before = db.prepare<[string, number], { data: string }>('SELECT data FROM change_log WHERE entity_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1');
    // The crisis's movements (an index), then each one's logged states (the entity index): never the
    // groups' part of the log. The JSON is looked into by SQLite; only the rows that match are parsed.
    this.#listing = db.prepare<[string, string], { seq: number; data: string }>(
      `SELECT c.seq, c.data FROM movements m JOIN change_log c ON c.entity_id = m.id
        WHERE m.crisis_id = ? AND c.entity = 'movement'
          AND EXISTS (SELECT 1 FROM json_each(c.data, '$.manifest') e WHERE json_extract(e.value, '$.groupId') IN (SELECT value FROM json_each(?)))
        ORDER BY c.seq`,
    );
    this.#rewrite = db.prepare<[string, number]>("UPDATE change_log SET data = ? WHERE seq = ? AND entity = 'movement'");
  }

  /** Stores a new movement and the groups its manifest lists. */
  insert(m: Movement, json: string = JSON.stringify(m)): void {
    this.#insert.run(m.id, m.crisisId, m.version, isOpenMovement(m) ? 1 : 0, json, m.updatedAt);
    for (const groupId of manifestGroupIds(m)) this.#addGroup.run(groupId, m.id);
  }

  /** Replaces a movement's state with its next version (refused unless the stored one is the version before). */
  update(m: Movement, json: string = JSON.stringify(m)): void {
    const result = this.#update.run(m.version, isOpenMovement(m) ? 1 : 0, json, m.updatedAt, m.id, m.version - 1);
    if (result.changes !== 1) throw new Error(`movement update lost a race (expected version ${m.version - 1})`);
    this.#dropGroups.run(m.id);
    for (const groupId of manifestGroupIds(m)) this.#addGroup.run(groupId, m.id);
  }

  /** The movement with this id, or null. */
  findById(id: string): Movement | null {
    const row = this.#byId.get(id);
    return row ? parseStoredMovement(row.data) : null;
  }

  /** The movements of a crisis with an id above `afterId` (ids are UUIDv7: creation order), at most `limit`. Start with ''. */
  pageByCrisis(crisisId: string, afterId: string, limit: number): Movement[] {
    return this.#page.all(crisisId, afterId, limit).map((r) => parseStoredMovement(r.data));
  }

  /** The ids of the movements whose manifest lists this group: the open ones only, or (false) all. */
  idsForGroup(groupId: string, openOnly: boolean): string[] {
    return (openOnly ? this.#openForGroup : this.#allForGroup).all(groupId).map((r) => r.id);
  }

  /** Appends a movement change to the change log and returns its sequence number. */
  appendChange(kind: MovementChangeKind, m: Movement, actor: string | null, at: string, json: string = JSON.stringify(m)): number {
    return Number(this.#append.run(m.crisisId, m.id, kind, json, actor, at).lastInsertRowid);
  }

  /** The movement changes in (afterSeq, uptoSeq], of one crisis or (null) of every crisis, in order, at most `limit`. */
  listChanges(crisisId: string | null, afterSeq: number, uptoSeq: number, limit: number): MovementChangeRecord[] {
    const rows = crisisId === null ? this.#changes.all(afterSeq, uptoSeq, limit) : this.#crisisChanges.all(crisisId, afterSeq, uptoSeq, limit);
    return rows.map(toMovementChange);
  }

  /**
   * Every logged state (change-log row) of the crisis's movements whose manifest lists one of
   * `groupIds`, in order: what retention must reach besides each movement's current state.
   */
  loggedListing(crisisId: string, groupIds: readonly string[]): { seq: number; movement: Movement }[] {
    if (groupIds.length === 0) return [];
    return this.#listing.all(crisisId, JSON.stringify(groupIds)).map((r) => ({ seq: r.seq, movement: parseStoredMovement(r.data) }));
  }

  /** Replaces a movement's logged state in place (retention; the seq and kind stay). */
  rewriteLogged(seq: number, json: string): void {
    this.#rewrite.run(json, seq);
  }

  /** The movement's state just before the change `beforeSeq`, or null if that change created it. */
  stateBefore(movementId: string, beforeSeq: number): Movement | null {
    const row = this.#before.get(movementId, beforeSeq);
    return row ? parseStoredMovement(row.data) : null;
  }
}
