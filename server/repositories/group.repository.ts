import type { Db } from '../db/database';
import { Group } from '../../shared/schemas/group.schema';
import { GROUP_SUMMARY_FORMAT, summarizeGroup, type GroupSummary } from '../../shared/packed-views';
import type { SiteLinked } from '../../shared/schemas/site.schema';
import { AT_SITE_STATUSES } from '../../shared/sites';

/**
 * Stored JSON is parsed with the shared schema on the way out: a row written by an older version
 * or edited by hand fails loudly here instead of reaching a client in a shape it cannot read.
 */
export const parseStoredGroup = (json: string): Group => Group.parse(JSON.parse(json));

/**
 * The shape of the group documents this version writes to the change log, kept with each row
 * (`data_format`, migrations 012 and pg 009). Bump it with any change to Group's schema
 * (test/unit/stored-group-format.test.ts holds the schema's fingerprint and fails until then): rows
 * written before keep the old number and are read through the schema, with its new defaults.
 */
export const GROUP_DATA_FORMAT = 1;

/**
 * A group as the change log holds it. A row of the current format is taken as written: it is the
 * JSON of a group this version made and already published as is to its own sockets, and the
 * schema's pass would give it back unchanged (the stored form is a fixed point). Another node
 * reading those changes spent most of its read in that pass. Any other row (NULL: written before
 * the format was kept; an older number) goes through the schema, as `parseStoredGroup`. A row
 * edited by hand is taken as written while it keeps the current number: set its `data_format` to
 * NULL with the edit, and the schema checks it again on the way out.
 */
export const readLoggedGroup = (json: string, format: number | null | undefined): Group =>
  format === GROUP_DATA_FORMAT ? (JSON.parse(json) as Group) : parseStoredGroup(json);

/** A group's stored summary column (migration 007): its JSON, written with the row. */
export const summaryJson = (g: Group): string => JSON.stringify(summarizeGroup(g));

/** A row as the summary page reads it: its summary when it holds the current shape, else its data. */
export interface SummaryRow<K> {
  key: K;
  summary: string | null;
  summary_format: number | null;
  /** Only read when the summary is missing or of an older shape. */
  data: string | null;
}

/**
 * The summary of a stored group: the summary column as written (it was made by `summarizeGroup`
 * from the validated group the row holds), or, for a row without one of the current shape, made
 * from its parsed data as before.
 */
export function storedSummary(row: SummaryRow<unknown>): GroupSummary {
  if (row.summary !== null && row.summary_format === GROUP_SUMMARY_FORMAT) return JSON.parse(row.summary) as GroupSummary;
  if (row.data === null) throw new Error('a group row holds neither a current summary nor data');
  return summarizeGroup(parseStoredGroup(row.data));
}

/** The summary page's columns: `data` only where the summary cannot stand for it. */
export const SUMMARY_COLUMNS = (format: string) => `summary, summary_format, CASE WHEN summary_format = ${format} THEN NULL ELSE data END AS data`;

/** Groups (the cases): the current state of each. */
export class GroupRepository {
  readonly #insert;
  readonly #update;
  readonly #byId;
  readonly #byCrisis;
  readonly #countByCrisis;
  readonly #page;
  readonly #summaryPage;
  readonly #delete;
  readonly #atSite;

  constructor(db: Db) {
    this.#delete = db.prepare<[string]>('DELETE FROM groups WHERE id = ?');
    this.#insert = db.prepare<[string, string, number, string, number, number, string, string, string, number, string | null]>(
      'INSERT INTO groups (id, crisis_id, version, status, lat, lon, updated_at, data, summary, summary_format, site_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#update = db.prepare<[number, string, number, number, string, string, string, number, string | null, string, number]>(
      // The version guard makes a lost update impossible even if a caller forgot to check.
      'UPDATE groups SET version = ?, status = ?, lat = ?, lon = ?, updated_at = ?, data = ?, summary = ?, summary_format = ?, site_id = ? WHERE id = ? AND version = ?',
    );
    // The statuses are the shared rule's, written into the statement once (a fixed list of enum values).
    this.#atSite = db.prepare<[string], { groups: number; people: number | null }>(
      `SELECT COUNT(*) AS groups, SUM(json_extract(data, '$.headcount.total')) AS people FROM groups
        WHERE site_id = ? AND status IN (${AT_SITE_STATUSES.map((s) => `'${s}'`).join(', ')})`,
    );
    this.#summaryPage = db.prepare<[number, string, number, number], SummaryRow<number>>(
      `SELECT rowid AS key, ${SUMMARY_COLUMNS('?')} FROM groups WHERE crisis_id = ? AND rowid > ? ORDER BY rowid LIMIT ?`,
    );
    this.#byId = db.prepare<[string], { data: string }>('SELECT data FROM groups WHERE id = ?');
    this.#byCrisis = db.prepare<[string], { data: string }>('SELECT data FROM groups WHERE crisis_id = ? ORDER BY id');
    this.#page = db.prepare<[string, number, number], { key: number; data: string }>(
      'SELECT rowid AS key, data FROM groups WHERE crisis_id = ? AND rowid > ? ORDER BY rowid LIMIT ?',
    );
    this.#countByCrisis = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM groups WHERE crisis_id = ?');
  }

  /** Stores a new group (`json`: its JSON, when the caller already has it). */
  insert(g: Group, json: string = JSON.stringify(g)): void {
    this.#insert.run(
      g.id,
      g.crisisId,
      g.version,
      g.status,
      g.location.lat,
      g.location.lon,
      g.updatedAt,
      json,
      summaryJson(g),
      GROUP_SUMMARY_FORMAT,
      g.location.siteId,
    );
  }

  /** Replaces a group's state; throws if the stored version is not `g.version - 1`. */
  update(g: Group, json: string = JSON.stringify(g)): void {
    const result = this.#update.run(
      g.version,
      g.status,
      g.location.lat,
      g.location.lon,
      g.updatedAt,
      json,
      summaryJson(g),
      GROUP_SUMMARY_FORMAT,
      g.location.siteId,
      g.id,
      g.version - 1,
    );
    if (result.changes !== 1) throw new Error(`group update lost a race (expected version ${g.version - 1})`);
  }

  /** The group with this id (any crisis), or null. Callers scope it. */
  findById(id: string): Group | null {
    const row = this.#byId.get(id);
    return row ? parseStoredGroup(row.data) : null;
  }

  /** Every group of a crisis. */
  listByCrisis(crisisId: string): Group[] {
    return this.#byCrisis.all(crisisId).map((row) => parseStoredGroup(row.data));
  }

  /** The groups of a crisis in report order (rowid) after `afterKey`, at most `limit` (the storage contract's page). */
  pageByCrisis(crisisId: string, afterKey: number, limit: number): { key: number; group: Group }[] {
    return this.#page.all(crisisId, afterKey, limit).map((row) => ({ key: row.key, group: parseStoredGroup(row.data) }));
  }

  /** The summaries of a crisis's groups in report order after `afterKey`, at most `limit` (a coordinator's big snapshot). */
  pageSummaries(crisisId: string, afterKey: number, limit: number): { key: number; summary: GroupSummary }[] {
    return this.#summaryPage.all(GROUP_SUMMARY_FORMAT, crisisId, afterKey, limit).map((row) => ({ key: row.key, summary: storedSummary(row) }));
  }

  /** How many groups a crisis has. */
  countByCrisis(crisisId: string): number {
    return this.#countByCrisis.get(crisisId)?.n ?? 0;
  }

  /**
   * The groups at a site that count there now (shared/sites.ts `siteLinkOf`) and their people,
   * counted from the `site_id` index: what the site's maintained tally must equal.
   */
  linkedAtSite(siteId: string): SiteLinked {
    const row = this.#atSite.get(siteId);
    return { groups: row?.groups ?? 0, people: row?.people ?? 0 };
  }

  /** Deletes a group's row (its erasure). */
  delete(id: string): void {
    this.#delete.run(id);
  }
}
