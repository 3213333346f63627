import type { Db } from '../db/database';
import type { Group } from '../../shared/schemas/group.schema';
import type { CommandType } from '../../shared/schemas/command.schema';
import type { Site } from '../../shared/schemas/site.schema';
import { GROUP_DATA_FORMAT, readLoggedGroup } from './group.repository';
import { parseStoredSite } from './site.repository';

/**
 * What happened to an entity: a group command, a retention purge of its details (the coarsened
 * state), its erasure (a tombstone: the group is gone, every device deletes its copy), or
 * `group.adminAreas` when a change of the crisis's boundaries moved the group into other admin
 * areas (written by the server, not commanded).
 */
export type ChangeKind = CommandType | 'group.purge' | 'group.erase' | 'group.adminAreas';

/** One committed change of a group with the full group state after it. */
export interface ChangeRecord {
  seq: number;
  crisisId: string;
  entityId: string;
  kind: ChangeKind;
  group: Group;
  actor: string | null;
  at: string;
}

/** One committed change of a site (issue 20) with the full site after it. */
export interface SiteChangeRecord {
  entity: 'site';
  seq: number;
  crisisId: string;
  entityId: string;
  kind: ChangeKind;
  site: Site;
  actor: string | null;
  at: string;
}

/**
 * Any logged change: what the live feed and catch-up read, in one order. Every other reader (the
 * folds, timelines, retention) asks for group changes only and gets `ChangeRecord`.
 */
export type LoggedChange = ChangeRecord | SiteChangeRecord;

/** A change_log row; PostgreSQL hands its bigint `seq` over as text (`Int` = string), which its repository converts first. */
export interface ChangeRow<Int = number> {
  seq: Int;
  /** Read only by the queries that return both entities (`LoggedRow`). */
  entity?: string;
  crisis_id: string;
  entity_id: string;
  kind: ChangeKind;
  data: string;
  /** The group document's format (`GROUP_DATA_FORMAT`); absent where a query did not read it, NULL on older rows. */
  data_format?: number | null;
  actor: string | null;
  at: string;
}

/** The change_log columns a change is read from (with `entity` where both entities are read). */
export const CHANGE_COLUMNS = 'seq, crisis_id, entity_id, kind, data, data_format, actor, at';
export const LOGGED_COLUMNS = 'seq, crisis_id, entity, entity_id, kind, data, data_format, actor, at';

/** A change from its row. */
export const toChangeRecord = (row: ChangeRow): ChangeRecord => ({
  seq: row.seq,
  crisisId: row.crisis_id,
  entityId: row.entity_id,
  kind: row.kind,
  group: readLoggedGroup(row.data, row.data_format),
  actor: row.actor,
  at: row.at,
});

/** A change of either entity from its row (the row must carry `entity`). */
export const toLoggedChange = (row: ChangeRow): LoggedChange =>
  row.entity === 'site'
    ? {
        entity: 'site',
        seq: row.seq,
        crisisId: row.crisis_id,
        entityId: row.entity_id,
        kind: row.kind,
        site: parseStoredSite(row.data),
        actor: row.actor,
        at: row.at,
      }
    : toChangeRecord(row);

/** Whether a logged change is a site's. */
export const isSiteChange = (change: LoggedChange): change is SiteChangeRecord => 'site' in change;

/** The change log: the ordered history that feeds live updates and catch-up. */
export class ChangeLogRepository {
  readonly #append;
  readonly #head;
  readonly #oldest;
  readonly #countAfter;
  readonly #listAfter;
  readonly #listRange;
  readonly #previous;
  readonly #rangeGroupIds;
  readonly #byEntity;
  readonly #page;
  readonly #firstAt;
  readonly #lastAt;
  readonly #rewrite;
  readonly #deleteEntity;
  readonly #appendSite;

  constructor(db: Db) {
    this.#rewrite = db.prepare<[string, number]>('UPDATE change_log SET data = ? WHERE seq = ?');
    this.#deleteEntity = db.prepare<[string]>('DELETE FROM change_log WHERE entity_id = ?');
    this.#append = db.prepare<[string, string, string, string, string | null, string]>(
      `INSERT INTO change_log (crisis_id, entity, entity_id, kind, data, data_format, actor, at) VALUES (?, 'group', ?, ?, ?, ${GROUP_DATA_FORMAT}, ?, ?)`,
    );
    this.#head = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM change_log');
    this.#oldest = db.prepare<[], { seq: number | null }>('SELECT MIN(seq) AS seq FROM change_log');
    this.#countAfter = db.prepare<[string, number, number], { n: number }>(
      'SELECT COUNT(*) AS n FROM (SELECT 1 FROM change_log WHERE crisis_id = ? AND seq > ? LIMIT ?)',
    );
    this.#listAfter = db.prepare<[string, number, number], ChangeRow>(
      `SELECT ${LOGGED_COLUMNS} FROM change_log WHERE crisis_id = ? AND entity IN ('group', 'site') AND seq > ? AND seq <= ? ORDER BY seq`,
    );
    this.#listRange = db.prepare<[number, number, number], ChangeRow>(
      `SELECT ${LOGGED_COLUMNS} FROM change_log WHERE entity IN ('group', 'site') AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
    );
    // The rows listRange reads, by entity; the groups among them.
    this.#rangeGroupIds = db.prepare<[number, number, number], { entity_id: string }>(
      "SELECT entity_id FROM (SELECT entity, entity_id FROM change_log WHERE entity IN ('group', 'site') AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?) WHERE entity = 'group'",
    );
    // Group changes only: a site's or a movement's id never names a group, but the filter says so to the reader.
    this.#previous = db.prepare<[string, number], { data: string; data_format: number | null }>(
      "SELECT data, data_format FROM change_log WHERE entity_id = ? AND seq < ? AND entity = 'group' ORDER BY seq DESC LIMIT 1",
    );
    this.#byEntity = db.prepare<[string, string], ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM change_log WHERE crisis_id = ? AND entity_id = ? AND entity = 'group' ORDER BY seq`,
    );
    // The folds read group histories: sites' changes are left out here (issue 20).
    this.#page = db.prepare<[string, number, number], ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM change_log WHERE crisis_id = ? AND entity = 'group' AND seq > ? ORDER BY seq LIMIT ?`,
    );
    this.#appendSite = db.prepare<[string, string, string, string, string | null, string]>(
      "INSERT INTO change_log (crisis_id, entity, entity_id, kind, data, actor, at) VALUES (?, 'site', ?, ?, ?, ?, ?)",
    );
    // Two probes of the (crisis_id, seq) index: from each end until a change at or before `upTo`.
    this.#firstAt = db.prepare<[string, string | null, string | null], { at: string }>(
      'SELECT at FROM change_log WHERE crisis_id = ? AND (? IS NULL OR at <= ?) ORDER BY seq LIMIT 1',
    );
    this.#lastAt = db.prepare<[string, string | null, string | null], { at: string }>(
      'SELECT at FROM change_log WHERE crisis_id = ? AND (? IS NULL OR at <= ?) ORDER BY seq DESC LIMIT 1',
    );
  }

  /**
   * The group changes of a crisis after `afterSeq`, oldest first, at most `limit` (the storage
   * contract's page). The group lists read group rows only (entity 'group'); site and movement rows
   * share the numbering, and the live lists (`listAfter`, `listRange`) read sites' too, while
   * movements' are read by the movement repository.
   */
  pageCrisis(crisisId: string, afterSeq: number, limit: number): ChangeRecord[] {
    return this.#page.all(crisisId, afterSeq, limit).map(toChangeRecord);
  }

  /**
   * When the crisis's first and last changes were committed, leaving out those after `upTo` (an ISO
   * time) when given, or null when there is none: what a history's bucket size is chosen from
   * before it reads the log in pages. Changes are numbered in commit order, so `at` follows `seq`.
   */
  timeSpan(crisisId: string, upTo: string | null): { first: string; last: string } | null {
    const first = this.#firstAt.get(crisisId, upTo, upTo);
    const last = this.#lastAt.get(crisisId, upTo, upTo);
    return first && last ? { first: first.at, last: last.at } : null;
  }

  /** Every change of one group of a crisis, oldest first (a group's timeline). */
  listForEntity(crisisId: string, entityId: string): ChangeRecord[] {
    return this.#byEntity.all(crisisId, entityId).map(toChangeRecord);
  }

  /** Appends a group change and returns its sequence number. */
  appendGroupChange(kind: ChangeKind, group: Group, actor: string | null, at: string, json: string = JSON.stringify(group)): number {
    const result = this.#append.run(group.crisisId, group.id, kind, json, actor, at);
    return Number(result.lastInsertRowid);
  }

  /** Appends a site change (issue 20), numbered with the groups' changes, and returns its sequence number. */
  appendSiteChange(kind: ChangeKind, site: Site, actor: string | null, at: string, json: string = JSON.stringify(site)): number {
    const result = this.#appendSite.run(site.crisisId, site.id, kind, json, actor, at);
    return Number(result.lastInsertRowid);
  }

  /** The newest sequence number, or 0 for an empty log. */
  headSeq(): number {
    return this.#head.get()?.seq ?? 0;
  }

  /** The oldest sequence number still retained, or null for an empty log. */
  oldestSeq(): number | null {
    return this.#oldest.get()?.seq ?? null;
  }

  /** How many changes of a crisis follow `afterSeq`, counting no further than `limit`. */
  countAfter(crisisId: string, afterSeq: number, limit: number): number {
    return this.#countAfter.get(crisisId, afterSeq, limit)?.n ?? 0;
  }

  /** The changes of a crisis in (afterSeq, uptoSeq], in order: groups' and sites' (movements': movement repository). */
  listAfter(crisisId: string, afterSeq: number, uptoSeq: number): LoggedChange[] {
    return this.#listAfter.all(crisisId, afterSeq, uptoSeq).map(toLoggedChange);
  }

  /** The changes of every crisis in (afterSeq, uptoSeq], in order, at most `limit` of them: groups' and sites' (movements': movement repository). */
  listRange(afterSeq: number, uptoSeq: number, limit: number): LoggedChange[] {
    return this.#listRange.all(afterSeq, uptoSeq, limit).map(toLoggedChange);
  }

  /** The group's state just before the change `beforeSeq`, or null if that change created it. */
  stateBefore(entityId: string, beforeSeq: number): Group | null {
    const row = this.#previous.get(entityId, beforeSeq);
    return row ? readLoggedGroup(row.data, row.data_format) : null;
  }

  /**
   * The state, as of `afterSeq`, of each group that changes among `listRange(afterSeq, uptoSeq,
   * limit)` (absent: none logged by then), so that a reader of that range knows what each group
   * was before its first change there without a query per change. PostgreSQL's form is one round
   * trip, which the reader runs beside the range's own.
   */
  statesBeforeRange(afterSeq: number, uptoSeq: number, limit: number): Map<string, Group> {
    const out = new Map<string, Group>();
    for (const { entity_id: id } of this.#rangeGroupIds.all(afterSeq, uptoSeq, limit)) {
      if (out.has(id)) continue;
      const row = this.#previous.get(id, afterSeq + 1);
      if (row) out.set(id, readLoggedGroup(row.data, row.data_format));
    }
    return out;
  }

  /** Replaces the state a change logged (retention coarsens history in place; the seq and kind stay). */
  rewriteGroup(seq: number, json: string): void {
    this.#rewrite.run(json, seq);
  }

  /** Deletes every change of an entity (its erasure); returns how many. */
  deleteEntity(entityId: string): number {
    return this.#deleteEntity.run(entityId).changes;
  }
}
