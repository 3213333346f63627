import type { Group } from '../../../shared/schemas/group.schema';
import type { ChangeLogStore } from '../contract';
import type { Site } from '../../../shared/schemas/site.schema';
import {
  CHANGE_COLUMNS,
  LOGGED_COLUMNS,
  toChangeRecord,
  toLoggedChange,
  type ChangeKind,
  type ChangeRecord,
  type ChangeRow as SharedChangeRow,
  type LoggedChange,
} from '../change-log.repository';
import { GROUP_DATA_FORMAT, readLoggedGroup } from '../group.repository';
import { changed, refuseNul, toNumber, type BufferedQueryable, type Lookup } from './queryable';

type ChangeRow = SharedChangeRow<string>;

// pg hands the bigint `seq` over as text: it is made a number here, then mapped as on SQLite.
const toRecord = (row: ChangeRow): ChangeRecord => toChangeRecord({ ...row, seq: toNumber(row.seq) });
const toLogged = (row: ChangeRow): LoggedChange => toLoggedChange({ ...row, seq: toNumber(row.seq) });

/** The change log on PostgreSQL; each method means what `ChangeLogRepository`'s (SQLite) does. */
export class PgChangeLogRepository implements ChangeLogStore {
  readonly #db: BufferedQueryable;

  constructor(db: BufferedQueryable) {
    this.#db = db;
  }

  async pageCrisis(crisisId: string, afterSeq: number, limit: number): Promise<ChangeRecord[]> {
    const { rows } = await this.#db.query<ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM change_log WHERE crisis_id = $1 AND entity = 'group' AND seq > $2 ORDER BY seq LIMIT $3`,
      [crisisId, afterSeq, limit],
    );
    return rows.map(toRecord);
  }

  async timeSpan(crisisId: string, upTo: string | null): Promise<{ first: string; last: string } | null> {
    const end = async (order: 'ASC' | 'DESC') =>
      (
        await this.#db.query<{ at: string }>(
          `SELECT at FROM change_log WHERE crisis_id = $1 AND ($2::text IS NULL OR at <= $2::text) ORDER BY seq ${order} LIMIT 1`,
          [crisisId, upTo],
        )
      ).rows[0]?.at;
    const first = await end('ASC');
    const last = await end('DESC');
    return first !== undefined && last !== undefined ? { first, last } : null;
  }

  async listForEntity(crisisId: string, entityId: string): Promise<ChangeRecord[]> {
    const { rows } = await this.#db.query<ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM change_log WHERE crisis_id = $1 AND entity_id = $2 AND entity = 'group' ORDER BY seq`,
      [crisisId, entityId],
    );
    return rows.map(toRecord);
  }

  /**
   * In a batch: the lookup (for `readTogether`) of the log's head, read once and locked (the write
   * lock keeps every other appender out anyway), for the batch to hand out numbers from; null
   * outside a batch or once it is known. The batch asks up front, beside its other reads, so the
   * head costs no round trip of its own between the commands.
   */
  prefetchHead(): Lookup | null {
    const buffer = this.#db.buffer();
    if (!buffer || buffer.hasHead) return null;
    return {
      text: 'SELECT seq FROM change_head FOR UPDATE',
      learn: (rows) => {
        const head = (rows as { seq: string }[])[0]?.seq;
        if (head === undefined) throw new Error('change_head holds no row: the schema is damaged');
        buffer.learnHead(toNumber(head));
      },
    };
  }

  async appendGroupChange(kind: ChangeKind, group: Group, actor: string | null, at: string, json: string = JSON.stringify(group)): Promise<number> {
    return this.#append('group', kind, group, actor, at, json);
  }

  async appendSiteChange(kind: ChangeKind, site: Site, actor: string | null, at: string, json: string = JSON.stringify(site)): Promise<number> {
    return this.#append('site', kind, site, actor, at, json);
  }

  /**
   * Appends a change of either entity. In a batch the number comes from the buffer, which hands
   * out every number of the batch (a site's as well as a group's), so the two never collide.
   */
  async #append(
    entity: 'group' | 'site',
    kind: ChangeKind,
    record: { crisisId: string; id: string },
    actor: string | null,
    at: string,
    json: string,
  ): Promise<number> {
    const buffer = this.#db.buffer();
    if (buffer) {
      refuseNul([record.crisisId, record.id, kind, json, actor, at]);
      if (!buffer.hasHead) await this.#db.readTogether([this.prefetchHead()]);
      return buffer.appendChange(kind, record, actor, at, json, entity);
    }
    // The number comes from change_head in this transaction: its row lock holds the next appender
    // until this transaction ends, so numbers commit in order and a rollback gives its number back.
    const { rows } = await this.#db.query<{ seq: string }>(
      `WITH head AS (UPDATE change_head SET seq = seq + 1 RETURNING seq)
       INSERT INTO change_log (seq, crisis_id, entity, entity_id, kind, data, data_format, actor, at)
       SELECT head.seq, $1, $7, $2, $3, $4, CASE WHEN $7 = 'group' THEN ${GROUP_DATA_FORMAT} END, $5, $6 FROM head
       RETURNING seq`,
      [record.crisisId, record.id, kind, json, actor, at, entity],
    );
    const seq = rows[0]?.seq;
    if (seq === undefined) throw new Error('change_head holds no row: the schema is damaged');
    return toNumber(seq);
  }

  async headSeq(): Promise<number> {
    // MAX(seq), as on SQLite: the newest committed change (or this transaction's own newest).
    const { rows } = await this.#db.query<{ seq: string | null }>('SELECT MAX(seq) AS seq FROM change_log');
    return toNumber(rows[0]?.seq ?? 0);
  }

  async oldestSeq(): Promise<number | null> {
    const { rows } = await this.#db.query<{ seq: string | null }>('SELECT MIN(seq) AS seq FROM change_log');
    const seq = rows[0]?.seq ?? null;
    return seq === null ? null : toNumber(seq);
  }

  async countAfter(crisisId: string, afterSeq: number, limit: number): Promise<number> {
    const { rows } = await this.#db.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM (SELECT 1 FROM change_log WHERE crisis_id = $1 AND seq > $2 LIMIT $3) AS counted',
      [crisisId, afterSeq, limit],
    );
    return toNumber(rows[0]?.n ?? 0);
  }

  async listAfter(crisisId: string, afterSeq: number, uptoSeq: number): Promise<LoggedChange[]> {
    const { rows } = await this.#db.query<ChangeRow>(
      `SELECT ${LOGGED_COLUMNS} FROM change_log WHERE crisis_id = $1 AND entity IN ('group', 'site') AND seq > $2 AND seq <= $3 ORDER BY seq`,
      [crisisId, afterSeq, uptoSeq],
    );
    return rows.map(toLogged);
  }

  async listRange(afterSeq: number, uptoSeq: number, limit: number): Promise<LoggedChange[]> {
    const { rows } = await this.#db.query<ChangeRow>(
      `SELECT ${LOGGED_COLUMNS} FROM change_log WHERE entity IN ('group', 'site') AND seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
      [afterSeq, uptoSeq, limit],
    );
    return rows.map(toLogged);
  }

  async stateBefore(entityId: string, beforeSeq: number): Promise<Group | null> {
    const { rows } = await this.#db.query<{ data: string; data_format: number | null }>(
      "SELECT data, data_format FROM change_log WHERE entity_id = $1 AND seq < $2 AND entity = 'group' ORDER BY seq DESC LIMIT 1",
      [entityId, beforeSeq],
    );
    return rows[0] ? readLoggedGroup(rows[0].data, rows[0].data_format) : null;
  }

  async statesBeforeRange(afterSeq: number, uptoSeq: number, limit: number): Promise<Map<string, Group>> {
    // The range's rows as listRange reads them, their groups once each, and for each the newest
    // row at or before afterSeq through the (entity_id, seq) index (LATERAL: one probe per group,
    // never a scan of the log up to afterSeq).
    const { rows } = await this.#db.query<{ entity_id: string; data: string; data_format: number | null }>(
      `SELECT g.entity_id, b.data, b.data_format
         FROM (SELECT DISTINCT r.entity_id FROM (SELECT entity, entity_id FROM change_log
                WHERE entity IN ('group', 'site') AND seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3) r
               WHERE r.entity = 'group') g
         CROSS JOIN LATERAL (SELECT data, data_format FROM change_log p
                WHERE p.entity_id = g.entity_id AND p.entity = 'group' AND p.seq <= $1 ORDER BY p.seq DESC LIMIT 1) b`,
      [afterSeq, uptoSeq, limit],
    );
    const out = new Map<string, Group>();
    for (const row of rows) out.set(row.entity_id, readLoggedGroup(row.data, row.data_format));
    return out;
  }

  async rewriteGroup(seq: number, json: string): Promise<void> {
    await this.#db.query('UPDATE change_log SET data = $1 WHERE seq = $2', [json, seq]);
  }

  async deleteEntity(entityId: string): Promise<number> {
    return changed(await this.#db.query('DELETE FROM change_log WHERE entity_id = $1', [entityId]));
  }
}
