/**
 * Scenario 1, ingest: field sockets send reports as fast as their acks come back (a closed loop),
 * then at a fixed 2,000 reports/s (an open loop, for the latency goal), against a Waymark server
 * in its own process. Baselines in the same run: a bare Socket.IO server that acks at once (same
 * sockets, same payloads, same loops) and bare better-sqlite3 inserts of the same group rows with
 * the same durability (WAL, synchronous=FULL), one transaction per row and many rows per
 * transaction: what group commit reaches for.
 *
 * BENCH_INGEST_SOCKETS (200), BENCH_INGEST_SECONDS (20), BENCH_INGEST_RATE (2000),
 * BENCH_INGEST_OPEN_SECONDS (10), BENCH_SQLITE_SECONDS (5), BENCH_MAX_BATCH (server default).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchRow, Scenario } from '../scenario';
import { closeAll, closedLoop, connectBare, connectUsers, envNumber, openLoop, type LoopResult } from '../support/load';
import { reportFactory } from '../support/payloads';
import { flushRows } from '../support/flush-rows';
import { startBenchServer, type ChildStats } from '../support/processes';

const SOCKETS = envNumber('BENCH_INGEST_SOCKETS', 200);
const SECONDS = envNumber('BENCH_INGEST_SECONDS', 20);
const RATE = envNumber('BENCH_INGEST_RATE', 2000);
const OPEN_SECONDS = envNumber('BENCH_INGEST_OPEN_SECONDS', 10);
const SQLITE_SECONDS = envNumber('BENCH_SQLITE_SECONDS', 5);
const MAX_BATCH = process.env.BENCH_MAX_BATCH ? Number(process.env.BENCH_MAX_BATCH) : undefined;

interface Measured {
  closed: LoopResult;
  open: LoopResult;
}

/** CPU time (user + system) of this process, the clients' side, in ms. */
const ownCpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

async function waymark(): Promise<Measured & { closedStats: ChildStats; openStats: ChildStats; clientCpuMs: number }> {
  const server = await startBenchServer('waymark', { users: { field: SOCKETS }, ...(MAX_BATCH ? { maxBatch: MAX_BATCH } : {}) });
  try {
    const sockets = await connectUsers(server.url, server.users);
    const next = reportFactory();
    await server.stats();
    const cpu = process.cpuUsage();
    const closed = await closedLoop(sockets, SECONDS, next);
    const clientCpuMs = ownCpuMs(cpu);
    const closedStats = await server.stats();
    const open = await openLoop(sockets, RATE, OPEN_SECONDS, next);
    const openStats = await server.stats();
    closeAll(sockets);
    return { closed, open, closedStats, openStats, clientCpuMs };
  } finally {
    await server.stop();
  }
}

async function echo(): Promise<Measured & { closedStats: ChildStats; clientCpuMs: number }> {
  const server = await startBenchServer('echo');
  try {
    const sockets = await connectBare(server.url, SOCKETS);
    const next = reportFactory();
    await server.stats();
    const cpu = process.cpuUsage();
    const closed = await closedLoop(sockets, SECONDS, next);
    const clientCpuMs = ownCpuMs(cpu);
    const closedStats = await server.stats();
    const open = await openLoop(sockets, RATE, OPEN_SECONDS, next);
    closeAll(sockets);
    return { closed, open, closedStats, clientCpuMs };
  } finally {
    await server.stop();
  }
}

/** Inserts group rows like Waymark's groups table for `seconds`, `perTransaction` rows per transaction. */
function sqliteInserts(perTransaction: number, seconds: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'waymark-bench-'));
  const db = new Database(join(dir, 'raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`CREATE TABLE groups (id TEXT PRIMARY KEY, crisis_id TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,
      lat REAL NOT NULL, lon REAL NOT NULL, updated_at TEXT NOT NULL, data TEXT NOT NULL) STRICT`);
    const insert = db.prepare('INSERT INTO groups (id, crisis_id, version, status, lat, lon, updated_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const next = reportFactory();
    const many = db.transaction((rows: { id: string; lat: number; lon: number; json: string }[]) => {
      for (const r of rows) insert.run(r.id, 'crisis', 1, 'reported', r.lat, r.lon, new Date().toISOString(), r.json);
    });
    let rows = 0;
    const started = performance.now();
    const end = started + seconds * 1000;
    while (performance.now() < end) {
      const batch = Array.from({ length: perTransaction }, () => {
        const command = next();
        if (command.type !== 'group.report') throw new Error('not a report');
        const g = command.group;
        return { id: g.id, lat: g.location.lat, lon: g.location.lon, json: JSON.stringify(g) };
      });
      many(batch);
      rows += batch.length;
    }
    return rows / ((performance.now() - started) / 1000);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const scenario: Scenario = {
  name: 'ingest',
  async run(): Promise<BenchRow[]> {
    const w = await waymark();
    const e = await echo();
    const perRow = sqliteInserts(1, SQLITE_SECONDS);
    const batched = sqliteInserts(SOCKETS, SQLITE_SECONDS);
    const s = '1 ingest';
    const load = `${SOCKETS} field sockets, closed loop ${SECONDS} s`;
    const openLoad = `${RATE}/s open loop over ${SOCKETS} sockets, ${OPEN_SECONDS} s`;
    const row = (metric: string, unit: string, waymark: number, baseline: number, extra: Partial<BenchRow> = {}): BenchRow => ({
      scenario: s,
      metric,
      unit,
      waymark,
      baseline,
      ratio: baseline > 0 ? waymark / baseline : NaN,
      ...extra,
    });
    const goalRate = 10_000;
    // The server's own CPU per acked report: what one core given to the server alone would carry.
    // Here the bench's 200 clients run on the same two cores, so the closed loop cannot show it.
    const cpuPerReport = (stats: ChildStats, loop: LoopResult) => (stats.cpuMs * 1000) / Math.max(1, loop.perSecond * SECONDS);
    const waymarkCpu = cpuPerReport(w.closedStats, w.closed);
    const echoCpu = cpuPerReport(e.closedStats, e.closed);
    const clientCpuPerReport = (cpuMs: number, loop: LoopResult) => (cpuMs * 1000) / Math.max(1, loop.perSecond * SECONDS);
    const clientCpu = clientCpuPerReport(w.clientCpuMs, w.closed);
    const echoClientCpu = clientCpuPerReport(e.clientCpuMs, e.closed);
    const cores = availableParallelism();
    return [
      row('acked reports/s vs socket.io echo', '/s', w.closed.perSecond, e.closed.perSecond, {
        goal: '≥ 10,000/s',
        met: w.closed.perSecond >= goalRate,
        note: `${load}; ${w.closed.failed} refused; every field socket also receives every report`,
      }),
      row('acked reports/s vs SQLite 1 tx/row', '/s', w.closed.perSecond, perRow, { note: 'bare inserts of the same group rows, WAL + FULL' }),
      row('server CPU per acked report, closed loop', 'µs', waymarkCpu, echoCpu, {
        note: `user + system time of the server process over the closed loop; one core to itself would ack about ${Math.round(1e6 / waymarkCpu).toLocaleString('en')}/s (echo: ${Math.round(1e6 / echoCpu).toLocaleString('en')}/s)`,
      }),
      row('server + bench clients CPU per acked report', 'µs', waymarkCpu + clientCpu, echoCpu + echoClientCpu, {
        note: `the clients (this process) used ${clientCpu.toFixed(0)} µs per report (echo's: ${echoClientCpu.toFixed(0)} µs); this machine's ${cores} cores, fully used by both, would carry at most ${Math.round((cores * 1e6) / (waymarkCpu + clientCpu)).toLocaleString('en')}/s`,
      }),
      row('acked reports/s vs SQLite batched', '/s', w.closed.perSecond, batched, { note: `${SOCKETS} rows per transaction, WAL + FULL` }),
      row('ack p50, closed loop', 'ms', w.closed.p50, e.closed.p50, { note: load }),
      row('ack p99, closed loop', 'ms', w.closed.p99, e.closed.p99, { note: load }),
      row(`ack p50 at ${RATE}/s`, 'ms', w.open.p50, e.open.p50, { note: openLoad }),
      row(`ack p99 at ${RATE}/s`, 'ms', w.open.p99, e.open.p99, {
        goal: '< 50 ms',
        met: w.open.p99 < 50,
        note: `${openLoad}; achieved ${Math.round(w.open.perSecond)}/s, ${w.open.failed} refused`,
      }),
      ...flushRows(s, 'closed loop', w.closedStats),
      ...flushRows(s, `${RATE}/s`, w.openStats),
    ];
  },
};
