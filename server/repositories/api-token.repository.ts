import type { Db } from '../db/database';
import type { Group } from '../../shared/schemas/group.schema';
import type { ApiTokenSummary } from '../../shared/schemas/api-v1.schema';
import { parseStoredGroup } from './group.repository';

/** A stored token: never the token itself, only its hash. */
export interface ApiTokenRecord extends ApiTokenSummary {
  tokenHash: string;
}

/** An api_tokens row, as either engine returns it. */
export interface TokenRow {
  id: string;
  name: string;
  agency_id: string;
  crisis_id: string;
  token_hash: string;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A stored token from its row. */
export const toTokenRecord = (r: TokenRow): ApiTokenRecord => ({
  id: r.id,
  name: r.name,
  agencyId: r.agency_id,
  crisisId: r.crisis_id,
  tokenHash: r.token_hash,
  createdBy: r.created_by,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

/** A group's latest committed state and the sequence number of that change. */
export interface SeqGroup {
  seq: number;
  group: Group;
  /** The change is an erasure's tombstone (issue 21): the group is gone, `group` is no state of it. */
  erased: boolean;
}

/** A change-log row as the API pages it (PostgreSQL's seq already a number). */
export const toSeqGroup = (r: { seq: number; data: string; kind: string }): SeqGroup => ({
  seq: r.seq,
  group: parseStoredGroup(r.data),
  erased: r.kind === 'group.erase',
});

/** API tokens, and the change-log reads the read-only API pages through. */
export class ApiTokenRepository {
  readonly #insert;
  readonly #byHash;
  readonly #byId;
  readonly #all;
  readonly #touch;
  readonly #revoke;
  readonly #latest;
  readonly #stateAt;
  readonly #latestOf;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, string, string, string, string | null, string]>(
      'INSERT INTO api_tokens (id, name, agency_id, crisis_id, token_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#byHash = db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE token_hash = ?');
    this.#byId = db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE id = ?');
    this.#all = db.prepare<[], TokenRow>('SELECT * FROM api_tokens ORDER BY created_at DESC, id');
    this.#touch = db.prepare<[string, string]>('UPDATE api_tokens SET last_used_at = ? WHERE id = ?');
    this.#revoke = db.prepare<[string, string | null, string]>('UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL');
    // The latest change of each group changed after `after`, oldest first (sites' changes, issue 20,
    // are not groups and are left out): a cursor by seq that
    // also serves incremental pulls (a group edited again moves to the end, with its new state).
    this.#latest = db.prepare<[string, number, number], { seq: number; data: string; kind: string }>(
      `SELECT c.seq, c.data, c.kind FROM change_log c
       JOIN (SELECT entity_id, MAX(seq) AS seq FROM change_log WHERE crisis_id = ? AND seq > ? AND entity = 'group' GROUP BY entity_id) m
         ON c.seq = m.seq
       ORDER BY c.seq LIMIT ?`,
    );
    this.#stateAt = db.prepare<[string, number], { data: string }>('SELECT data FROM change_log WHERE entity_id = ? AND seq <= ? ORDER BY seq DESC LIMIT 1');
    this.#latestOf = db.prepare<[string], { seq: number; data: string; kind: string }>(
      'SELECT seq, data, kind FROM change_log WHERE entity_id = ? ORDER BY seq DESC LIMIT 1',
    );
  }

  /** Stores a new token (its hash). */
  insert(t: Omit<ApiTokenRecord, 'lastUsedAt' | 'revokedAt'>): void {
    this.#insert.run(t.id, t.name, t.agencyId, t.crisisId, t.tokenHash, t.createdBy, t.createdAt);
  }

  /** The token with this hash, or null. */
  findByHash(hash: string): ApiTokenRecord | null {
    const row = this.#byHash.get(hash);
    return row ? toTokenRecord(row) : null;
  }

  /** The token with this id, or null. */
  findById(id: string): ApiTokenRecord | null {
    const row = this.#byId.get(id);
    return row ? toTokenRecord(row) : null;
  }

  /** Every token, newest first. */
  list(): ApiTokenRecord[] {
    return this.#all.all().map(toTokenRecord);
  }

  /** Records a use. */
  touch(id: string, at: string): void {
    this.#touch.run(at, id);
  }

  /** Revokes a token; false if it was already revoked (or does not exist). */
  revoke(id: string, by: string | null, at: string): boolean {
    return this.#revoke.run(at, by, id).changes === 1;
  }

  /** Up to `limit` groups of a crisis whose latest change is after `afterSeq`, by that change's seq. */
  latestAfter(crisisId: string, afterSeq: number, limit: number): SeqGroup[] {
    return this.#latest.all(crisisId, afterSeq, limit).map(toSeqGroup);
  }

  /** A group's state as of change `seq` (its latest change at or before it), or null if it did not exist yet. */
  stateAt(groupId: string, seq: number): Group | null {
    const row = this.#stateAt.get(groupId, seq);
    return row ? parseStoredGroup(row.data) : null;
  }

  /** A group's latest committed state with its seq, or null. */
  latestOf(groupId: string): SeqGroup | null {
    const row = this.#latestOf.get(groupId);
    return row ? toSeqGroup(row) : null;
  }
}
