/**
 * Issue 21, a retention purge at scale: a crisis of BENCH_GROUPS (100,000) groups whose policy has
 * come due for every group (crisis-closed, the period over), purged by the real service: pages of
 * RETENTION_PAGE groups, each one transaction that gives every group a new coarsened version,
 * rewrites its logged history and looks for old acks holding it. Each group has one idempotency
 * record, as the write path leaves one per command. Beside it, in the same run and on its own fresh
 * copy, the raw baseline: one plain UPDATE of the same groups' rows and one of their change-log
 * rows (notes and place name blanked with json_set), in one transaction. Nothing asserts a time.
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { v7 as uuidv7 } from 'uuid';
import { DATABASE_FILE_NAME } from '../../server/config';
import { openDatabase } from '../../server/db/database';
import { createRepositories } from '../../server/repositories/repositories';
import { RETENTION_PAGE, RetentionService } from '../../server/services/retention.service';
import type { BenchRow, Scenario } from '../scenario';
import { bigDatabase, type BigDatabase } from '../support/big-database';
import { BIG_GROUPS } from './cold-start';

const NAME = '21 retention purge';
const DAY_MS = 86_400_000;
const round = (x: number, places = 0) => Math.round(x * 10 ** places) / 10 ** places;
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

/** One idempotency record per group, as reports leave them (pointing into the log, no stored ack). */
function addIdempotencyRecords(file: string): void {
  const db = openDatabase(file);
  try {
    const rows = db
      .prepare<[], { seq: number; user: string; at: string }>("SELECT seq, actor AS user, at FROM change_log WHERE kind = 'group.report' AND actor IS NOT NULL")
      .all();
    const insert = db.prepare<[string, string, number, number, string]>(
      'INSERT INTO idempotency (command_id, user_id, first_seq, last_seq, at) VALUES (?, ?, ?, ?, ?)',
    );
    db.transaction(() => {
      for (const r of rows) insert.run(uuidv7(), r.user, r.seq, r.seq, r.at);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** Waymark's purge of every group of the crisis: milliseconds and groups purged. */
async function purge(big: BigDatabase): Promise<{ ms: number; groups: number }> {
  const db = openDatabase(path.join(big.dataDir, DATABASE_FILE_NAME));
  try {
    const repos = createRepositories(db);
    const now = Date.now();
    // Closed long enough ago that every group is due at once.
    await repos.retention.setPolicy({
      crisisId: big.crisisId,
      keepDays: 1,
      after: 'crisis_closed',
      crisisClosedAt: new Date(now - 2 * DAY_MS).toISOString(),
      setAt: new Date(now).toISOString(),
    });
    const service = new RetentionService(repos, Date.now);
    const t0 = performance.now();
    const runs = await service.runDue();
    const ms = performance.now() - t0;
    return { ms, groups: runs.reduce((n, r) => n + r.groups, 0) };
  } finally {
    db.close();
  }
}

/** The raw floor: the same rows blanked by two plain UPDATEs in one transaction. */
function rawUpdate(big: BigDatabase): { ms: number; rows: number } {
  const db = openDatabase(path.join(big.dataDir, DATABASE_FILE_NAME));
  try {
    const blank = "json_set(data, '$.notes', '', '$.location.placeName', '')";
    const groups = db.prepare<[string]>(`UPDATE groups SET data = ${blank} WHERE crisis_id = ?`);
    const log = db.prepare<[string]>(`UPDATE change_log SET data = ${blank} WHERE crisis_id = ? AND entity = 'group'`);
    const t0 = performance.now();
    const rows = db.transaction(() => groups.run(big.crisisId).changes + log.run(big.crisisId).changes)();
    return { ms: performance.now() - t0, rows };
  } finally {
    db.close();
  }
}

export const retentionScenario: Scenario = {
  name: 'retention',
  async run(): Promise<BenchRow[]> {
    // Each on a fresh copy, one after the other (the machine's two cores are shared).
    const waymarkCopy = await bigDatabase(BIG_GROUPS);
    let waymark: { ms: number; groups: number };
    try {
      addIdempotencyRecords(path.join(waymarkCopy.dataDir, DATABASE_FILE_NAME));
      waymark = await purge(waymarkCopy);
    } finally {
      waymarkCopy.remove();
    }
    const loadAfterWaymark = load();
    const rawCopy = await bigDatabase(BIG_GROUPS);
    let raw: { ms: number; rows: number };
    try {
      raw = rawUpdate(rawCopy);
    } finally {
      rawCopy.remove();
    }
    return [
      {
        scenario: NAME,
        metric: 'purge every group of a crisis',
        unit: 'ms',
        waymark: round(waymark.ms),
        baseline: round(raw.ms),
        ratio: round(waymark.ms / raw.ms, 2),
        note: `${waymark.groups} of ${BIG_GROUPS} groups purged in pages of ${RETENTION_PAGE} (${round(waymark.groups / (waymark.ms / 1000))} groups/s); baseline: 2 plain UPDATEs (groups, their change log: ${raw.rows} rows) in one transaction; load average (1/5/15 min) ${loadAfterWaymark} after the purge, ${load()} after the baseline`,
      },
    ];
  },
};
