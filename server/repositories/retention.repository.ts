import type { Db } from '../db/database';
import type { RetentionPolicy } from '../../shared/retention';
import { parseStoredGroup } from './group.repository';
import type { Group } from '../../shared/schemas/group.schema';

/** A retention_policies row under the names the query gives its columns, as either engine returns it. */
export interface PolicyRow {
  crisisId: string;
  keepDays: number;
  after: RetentionPolicy['after'];
  crisisClosedAt: string | null;
  setAt: string;
}

/** One purge as the ledger keeps it: ids, counts and times, never a value about a person. */
export interface PurgeEntry {
  id: string;
  crisisId: string;
  kind: 'retention' | 'erasure';
  /** The erased group; null for a retention run. */
  groupId: string | null;
  /** How many groups the purge touched. */
  groups: number;
  /** A retention run's cutoff: details of groups last changed before it were purged. */
  cutoff: string | null;
  /** An erasure's reason code. */
  reason: string | null;
  at: string;
}

/** What a retention run wrote of one group: its details were purged at `version`, at `purgedAt`. */
export interface PurgedMark {
  version: number;
  purgedAt: string;
}

/** A policy from its row (the same on both engines). */
export const toPolicy = (row: PolicyRow): RetentionPolicy => ({ ...row, keepDays: Number(row.keepDays) });

/** A ledger entry from its row (PostgreSQL's integer arrives as a number too). */
export const toPurgeEntry = (row: PurgeEntry): PurgeEntry => ({ ...row, groups: Number(row.groups) });

/**
 * Retention: each crisis's policy, which group versions have been purged, and the purge ledger.
 * The purging itself (rewriting a group, its history and its idempotency records) goes through the
 * repositories that own those tables; this one only finds what is due and records what was done.
 */
export class RetentionRepository {
  readonly #setPolicy;
  readonly #policy;
  readonly #policies;
  readonly #due;
  readonly #markPurged;
  readonly #forgetPurged;
  readonly #record;
  readonly #ledger;
  readonly #purgeImports;
  readonly #clearPolicy;
  readonly #purgedMark;

  constructor(db: Db) {
    this.#setPolicy = db.prepare<[string, number, string, string | null, string]>(
      `INSERT INTO retention_policies (crisis_id, keep_days, counted_from, crisis_closed_at, set_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (crisis_id) DO UPDATE SET keep_days = excluded.keep_days, counted_from = excluded.counted_from,
         crisis_closed_at = excluded.crisis_closed_at, set_at = excluded.set_at`,
    );
    const columns = 'crisis_id AS crisisId, keep_days AS keepDays, counted_from AS "after", crisis_closed_at AS crisisClosedAt, set_at AS setAt';
    this.#policy = db.prepare<[string], PolicyRow>(`SELECT ${columns} FROM retention_policies WHERE crisis_id = ?`);
    this.#policies = db.prepare<[], PolicyRow>(`SELECT ${columns} FROM retention_policies ORDER BY crisis_id`);
    // Due: last changed before the cutoff, and its current version not already purged.
    this.#due = db.prepare<[string, string, number, number], { key: number; data: string }>(
      `SELECT g.rowid AS key, g.data FROM groups g
        WHERE g.crisis_id = ? AND g.updated_at < ? AND g.rowid > ?
          AND NOT EXISTS (SELECT 1 FROM purged_groups p WHERE p.group_id = g.id AND p.version = g.version)
        ORDER BY g.rowid LIMIT ?`,
    );
    this.#markPurged = db.prepare<[string, string, number, string]>(
      `INSERT INTO purged_groups (group_id, crisis_id, version, purged_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (group_id) DO UPDATE SET version = excluded.version, purged_at = excluded.purged_at`,
    );
    this.#forgetPurged = db.prepare<[string]>('DELETE FROM purged_groups WHERE group_id = ?');
    this.#purgedMark = db.prepare<[string], PurgedMark>('SELECT version, purged_at AS purgedAt FROM purged_groups WHERE group_id = ?');
    this.#clearPolicy = db.prepare<[string]>('DELETE FROM retention_policies WHERE crisis_id = ?');
    this.#record = db.prepare<[string, string, string, string | null, number, string | null, string | null, string]>(
      'INSERT INTO purges (id, crisis_id, kind, group_id, groups, cutoff, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#ledger = db.prepare<[], PurgeEntry>(
      'SELECT id, crisis_id AS crisisId, kind, group_id AS groupId, groups, cutoff, reason, at FROM purges ORDER BY at, id',
    );
    // An import's file name may name a place or a person ("kobo-export-camp-7.csv"): it goes with the details.
    this.#purgeImports = db.prepare<[string, string]>("UPDATE imports SET file_name = '' WHERE crisis_id = ? AND started_at < ? AND file_name <> ''");
  }

  /** Stores a crisis's policy, replacing the one it had. */
  setPolicy(p: RetentionPolicy): void {
    this.#setPolicy.run(p.crisisId, p.keepDays, p.after, p.crisisClosedAt, p.setAt);
  }

  /** Removes a crisis's policy (it then keeps everything again); returns whether it had one. */
  clearPolicy(crisisId: string): boolean {
    return this.#clearPolicy.run(crisisId).changes > 0;
  }

  /** The crisis's policy, or null when none was set (then nothing of it is ever purged). */
  findPolicy(crisisId: string): RetentionPolicy | null {
    const row = this.#policy.get(crisisId);
    return row ? toPolicy(row) : null;
  }

  /** Every crisis's policy. */
  listPolicies(): RetentionPolicy[] {
    return this.#policies.all().map(toPolicy);
  }

  /** Up to `limit` groups of the crisis last changed before `cutoff` whose current version is not purged yet. */
  dueGroups(crisisId: string, cutoff: string, afterKey: number, limit: number): { key: number; group: Group }[] {
    return this.#due.all(crisisId, cutoff, afterKey, limit).map((row) => ({ key: row.key, group: parseStoredGroup(row.data) }));
  }

  /** Records that the group's details are purged up to and including `version`. */
  markPurged(groupId: string, crisisId: string, version: number, at: string): void {
    this.#markPurged.run(groupId, crisisId, version, at);
  }

  /** The version up to which the group's details were purged by retention, and when; null when never. */
  findPurged(groupId: string): PurgedMark | null {
    const row = this.#purgedMark.get(groupId);
    return row ? { version: Number(row.version), purgedAt: row.purgedAt } : null;
  }

  /** Drops the group's purge marker (the group itself is gone). */
  forgetPurged(groupId: string): void {
    this.#forgetPurged.run(groupId);
  }

  /** Blanks the file names of the crisis's imports started before `cutoff`; returns how many. */
  purgeImports(crisisId: string, cutoff: string): number {
    return this.#purgeImports.run(crisisId, cutoff).changes;
  }

  /** Appends a purge to the ledger. */
  recordPurge(e: PurgeEntry): void {
    this.#record.run(e.id, e.crisisId, e.kind, e.groupId, e.groups, e.cutoff, e.reason, e.at);
  }

  /** The whole ledger, oldest first (a purge a week at most per crisis: small). */
  listPurges(): PurgeEntry[] {
    return this.#ledger.all().map(toPurgeEntry);
  }
}
