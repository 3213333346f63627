import type { Group } from '../../../shared/schemas/group.schema';
import type { ApiTokenStore } from '../contract';
import { toSeqGroup, toTokenRecord, type ApiTokenRecord, type SeqGroup, type TokenRow } from '../api-token.repository';
import { parseStoredGroup } from '../group.repository';
import { changed, toNumber, type Queryable } from './queryable';

/** API tokens and the API's change-log reads on PostgreSQL; each method means what `ApiTokenRepository`'s (SQLite) does. */
export class PgApiTokenRepository implements ApiTokenStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async insert(t: Omit<ApiTokenRecord, 'lastUsedAt' | 'revokedAt'>): Promise<void> {
    await this.#db.query('INSERT INTO api_tokens (id, name, agency_id, crisis_id, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      t.id,
      t.name,
      t.agencyId,
      t.crisisId,
      t.tokenHash,
      t.createdBy,
      t.createdAt,
    ]);
  }

  async findByHash(hash: string): Promise<ApiTokenRecord | null> {
    const { rows } = await this.#db.query<TokenRow>('SELECT * FROM api_tokens WHERE token_hash = $1', [hash]);
    return rows[0] ? toTokenRecord(rows[0]) : null;
  }

  async findById(id: string): Promise<ApiTokenRecord | null> {
    const { rows } = await this.#db.query<TokenRow>('SELECT * FROM api_tokens WHERE id = $1', [id]);
    return rows[0] ? toTokenRecord(rows[0]) : null;
  }

  async list(): Promise<ApiTokenRecord[]> {
    const { rows } = await this.#db.query<TokenRow>('SELECT * FROM api_tokens ORDER BY created_at DESC, id');
    return rows.map(toTokenRecord);
  }

  async touch(id: string, at: string): Promise<void> {
    await this.#db.query('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [at, id]);
  }

  async revoke(id: string, by: string | null, at: string): Promise<boolean> {
    return changed(await this.#db.query('UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL', [at, by, id])) === 1;
  }

  async latestAfter(crisisId: string, afterSeq: number, limit: number): Promise<SeqGroup[]> {
    // The latest change of each group changed after `afterSeq`, oldest first (see the SQLite class).
    const { rows } = await this.#db.query<{ seq: string; data: string; kind: string }>(
      `SELECT c.seq, c.data, c.kind FROM change_log c
       JOIN (SELECT entity_id, MAX(seq) AS seq FROM change_log WHERE crisis_id = $1 AND seq > $2 AND entity = 'group' GROUP BY entity_id) m
         ON c.seq = m.seq
       ORDER BY c.seq LIMIT $3`,
      [crisisId, afterSeq, limit],
    );
    return rows.map((r) => toSeqGroup({ ...r, seq: toNumber(r.seq) }));
  }

  async stateAt(groupId: string, seq: number): Promise<Group | null> {
    const { rows } = await this.#db.query<{ data: string }>('SELECT data FROM change_log WHERE entity_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1', [
      groupId,
      seq,
    ]);
    return rows[0] ? parseStoredGroup(rows[0].data) : null;
  }

  async latestOf(groupId: string): Promise<SeqGroup | null> {
    const { rows } = await this.#db.query<{ seq: string; data: string; kind: string }>(
      'SELECT seq, data, kind FROM change_log WHERE entity_id = $1 ORDER BY seq DESC LIMIT 1',
      [groupId],
    );
    const row = rows[0];
    return row ? toSeqGroup({ ...row, seq: toNumber(row.seq) }) : null;
  }
}
