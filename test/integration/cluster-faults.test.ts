import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { Prng } from '../../server/seed/prng';
import { DEMO_PASSWORD, DEMO_USERS } from '../../server/seed/demo-seed';
import { ChaosClient, type ChaosEntry } from '../support/chaos-client';
import { createChildServer, type ChildServer } from '../support/child-server';
import { changedId, type ChangeEvent } from '../../shared/schemas/sync.schema';
import { makeGroupInput, reportCommand, signIn, updateCommand } from '../support/clients';
import { startPostgres, type PgHarness } from '../support/postgres';
import { commandSubjectId } from '../../shared/schemas/command.schema';

// Issue 15: three nodes on one PostgreSQL, field devices writing at full speed through all three,
// while node 2 is killed with SIGKILL and started again, and later PostgreSQL itself is stopped in
// immediate mode (a crash: no checkpoint, recovery at the next start) and started again. At the
// end every acknowledged command is stored exactly once, what was in flight at the crashes was
// resent and acknowledged, every device and watcher holds what the database holds, and each
// coordinator watcher applied every sequence number of the run once, without a gap.
//
// Replay a failing run with the seed it logged: CHAOS_SEED=<seed> npx vitest run test/integration/cluster-faults.test.ts

const SEED = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
const NODES = 3;
const DEVICES_PER_NODE = 4;
/** 120 each (as the issue suggests) took 100-170 s on this shared two-core machine; 70 keeps the run near 90 s. */
const CHANGES_PER_DEVICE = 70;
/** Changes made, not yet acknowledged, before the devices wait for the cluster a little. */
const MAX_BACKLOG = 150;
/** How long PostgreSQL stays down: long enough for every node to notice, short enough for the outboxes. */
const POSTGRES_DOWN_MS = 1_500;

/** Lets sockets and timers run between two steps, without waiting for any amount of time. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface DbState {
  changeLogSeqs: number[];
  /** Change-log rows by the record they changed, in sequence order. */
  changeLogBySeq: Map<number, string>;
  idempotency: Map<string, { firstSeq: number | null; lastSeq: number | null }>;
  groups: Map<string, number>;
}

/** Reads what the cluster stored, on a connection of its own (PostgreSQL may have restarted since the last one). */
async function readDb(url: string): Promise<DbState> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const log = await db.query<{ seq: string; entity_id: string }>('SELECT seq, entity_id FROM change_log ORDER BY seq');
    const idem = await db.query<{ command_id: string; first_seq: string | null; last_seq: string | null }>(
      'SELECT command_id, first_seq, last_seq FROM idempotency',
    );
    const groups = await db.query<{ id: string; version: number }>('SELECT id, version FROM groups');
    const asNumber = (v: string | null) => (v === null ? null : Number(v));
    return {
      changeLogSeqs: log.rows.map((r) => Number(r.seq)),
      changeLogBySeq: new Map(log.rows.map((r) => [Number(r.seq), r.entity_id])),
      idempotency: new Map(idem.rows.map((r) => [r.command_id, { firstSeq: asNumber(r.first_seq), lastSeq: asNumber(r.last_seq) }])),
      groups: new Map(groups.rows.map((r) => [r.id, r.version])),
    };
  } finally {
    await db.end();
  }
}

const groupOf = (entry: ChaosEntry) => commandSubjectId(entry.command);

/** A coordinator that makes no changes and records what its feed applied, to find a gap or a repeat. */
interface Watcher {
  client: ChaosClient;
  applied: number[];
  snapshots: number[];
  catchUps: { sinceSeq: number | null; seq: number; changes: readonly ChangeEvent[] }[];
}

const groupOfEvent = (event: ChangeEvent) => changedId(event);

/**
 * The run's sequence numbers a watcher never applied and no catch-up accounts for. A catch-up
 * carries each changed group once, at its last change in the range (its current state, by design:
 * sync.service.ts), so a change superseded within a catch-up's range is rightly never applied;
 * anything else missing is a gap.
 */
function gapsOf(watcher: Watcher, runSeqs: readonly number[], groupAt: ReadonlyMap<number, string>): number[] {
  const applied = new Set(watcher.applied);
  return runSeqs.filter((seq) => {
    if (applied.has(seq)) return false;
    const group = groupAt.get(seq);
    const superseded = watcher.catchUps.some(
      (c) => (c.sinceSeq ?? 0) < seq && seq <= c.seq && c.changes.some((event) => event.seq > seq && groupOfEvent(event) === group),
    );
    return !superseded;
  });
}

describe('a cluster under faults', () => {
  let postgres: PgHarness | null = null;
  const nodes: ChildServer[] = [];
  const clients: ChaosClient[] = [];

  afterAll(async () => {
    for (const client of clients) client.stop();
    await Promise.allSettled(nodes.map((node) => node.destroy()));
    await postgres?.stop();
  });

  it(`loses and doubles nothing through a node's SIGKILL and a PostgreSQL crash (seed ${SEED})`, { timeout: 180_000 }, async () => {
    console.info(`cluster faults seed: ${SEED} (replay with CHAOS_SEED=${SEED})`);
    const rng = new Prng(SEED);
    const random = () => rng.next();
    postgres = await startPostgres();
    const pgHarness = postgres;
    const url = await pgHarness.createDatabase();
    for (let i = 0; i < NODES; i++) nodes.push(await createChildServer({ env: { WAYMARK_DATABASE_URL: url } }));
    await Promise.all(nodes.map((node) => node.start()));
    // A node must survive PostgreSQL going away; one that exits would leave its devices waiting.
    const nodeExits: string[] = [];
    const nodeExited = new Promise<never>((_, reject) => {
      nodes.forEach((node, i) =>
        node.onUnexpectedExit((why) => {
          nodeExits.push(`node ${i + 1} (${why})`);
          reject(new Error(`node ${i + 1} exited by itself (${why}) during the run`));
        }),
      );
    });
    // Heard by the race below; a later exit is caught by the check of nodeExits at the end.
    nodeExited.catch(() => undefined);

    // Sessions live in PostgreSQL: one sign-in per role serves every node (and many sign-ins from
    // one address would meet the sign-in throttle).
    const fieldCookie = await signIn(nodes[0]!.url, DEMO_USERS.field, DEMO_PASSWORD);
    const coordinatorCookie = await signIn(nodes[0]!.url, DEMO_USERS.coordinator, DEMO_PASSWORD);
    const devices: ChaosClient[] = [];
    const deviceNode: number[] = [];
    for (let n = 0; n < NODES; n++) {
      for (let d = 0; d < DEVICES_PER_NODE; d++) {
        devices.push(new ChaosClient(nodes[n]!.url, fieldCookie, random));
        deviceNode.push(n);
      }
    }
    const watchers: Watcher[] = nodes.map((node) => {
      const seen: Omit<Watcher, 'client'> = { applied: [], snapshots: [], catchUps: [] };
      const client = new ChaosClient(node.url, coordinatorCookie, random, {
        onApplied: (seq) => seen.applied.push(seq),
        onSnapshot: (seq) => seen.snapshots.push(seq),
        onCatchUp: (sinceSeq, seq, changes) => seen.catchUps.push({ sinceSeq, seq, changes }),
      });
      return { client, ...seen };
    });
    clients.push(...devices, ...watchers.map((w) => w.client));
    for (const client of clients) client.connect();
    // The watchers start from a snapshot taken before the first change of the run.
    await Promise.all(watchers.map((w) => w.client.drained()));
    const before = await readDb(url);
    const startSeq = before.changeLogSeqs.at(-1) ?? 0;

    const total = devices.length * CHANGES_PER_DEVICE;
    const killAt = Math.floor(total / 3) + rng.int(-100, 100);
    const crashAt = Math.floor((2 * total) / 3) + rng.int(-100, 100);
    const own = devices.map(() => new Set<string>());
    const made = devices.map(() => 0);
    /** Commands made and not yet acknowledged when a fault struck; each must end acknowledged. */
    const unackedAtFaults = new Set<ChaosEntry>();
    /** Of those, the ones on the wire (sent, answer not yet back) when the fault struck. */
    const onTheWireAtFaults = new Set<ChaosEntry>();
    const noteUnacked = (affected: ChaosClient[]) => {
      for (const client of affected) {
        for (const entry of client.waiting) unackedAtFaults.add(entry);
        const wire = client.inFlight;
        if (wire) onTheWireAtFaults.add(wire);
      }
    };
    let fault: Promise<void> | null = null;
    let nodeKills = 0;
    let postgresCrashes = 0;
    let drops = 0;

    const startedAt = Date.now();
    for (let step = 0; step < total;) {
      await yieldToIo();
      if (nodeExits.length > 0) throw new Error(`a node exited by itself during the run: ${nodeExits.join(', ')}`);
      if (devices.reduce((n, c) => n + c.waiting.length, 0) > (fault ? 2 * MAX_BACKLOG : MAX_BACKLOG)) continue;
      if (rng.chance(0.02)) {
        rng.pick(devices).drop();
        drops++;
        continue;
      }
      const index = rng.int(0, devices.length - 1);
      if (made[index]! >= CHANGES_PER_DEVICE) continue;
      const device = devices[index]!;
      const pendingGroups = new Set(device.waiting.map(groupOf));
      const editable = [...own[index]!].filter((id) => !pendingGroups.has(id) && device.feed.groups.has(id));
      if (editable.length > 0 && rng.chance(0.3)) {
        const id = rng.pick(editable);
        const version = device.feed.groups.get(id)!.group.version;
        const { headcount } = makeGroupInput({ headcount: { total: 12 + rng.int(0, 40) } });
        device.make(updateCommand(id, version, { seenAt: new Date().toISOString(), headcount }, uuidv7()));
      } else {
        const group = makeGroupInput({ headcount: { total: 12 + rng.int(0, 40) } });
        own[index]!.add(group.id);
        device.make(reportCommand(group));
      }
      made[index]!++;
      step++;
      if (step === killAt) {
        await fault;
        const node = nodes[1]!;
        noteUnacked(devices.filter((_, i) => deviceNode[i] === 1));
        nodeKills++;
        fault = node
          .kill()
          .then(() => node.start())
          .then(() => {
            fault = null;
          });
      }
      if (step === crashAt) {
        await fault;
        noteUnacked(devices);
        postgresCrashes++;
        fault = pgHarness
          .stopImmediate()
          .then(() => pause(POSTGRES_DOWN_MS))
          .then(() => pgHarness.start())
          .then(() => {
            fault = null;
          });
      }
    }
    await fault;
    const madeAt = Date.now();
    await Promise.race([Promise.all(clients.map((c) => c.drained())), nodeExited]);
    await Promise.race([Promise.all(clients.map((c) => c.resync())), nodeExited]);

    const drainedMs = Date.now() - madeAt;
    const after = await readDb(url);
    const entries = devices.flatMap((c) => c.outbox);
    const acknowledged = entries.filter((e) => e.status === 'sent');
    const rejected = entries.filter((e) => e.status === 'rejected');
    const added = new Set(after.changeLogSeqs.filter((s) => s > startSeq));
    const lost = acknowledged.filter((e) => {
      const record = after.idempotency.get(e.command.commandId);
      return !record || e.seq === null || !added.has(e.seq) || after.changeLogBySeq.get(e.seq) !== groupOf(e);
    });
    const runSeqs = after.changeLogSeqs.filter((s) => s > startSeq);
    const addedRows = after.changeLogSeqs.length - before.changeLogSeqs.length;
    // Rows beyond one per acknowledged command: a command stored twice (a rejected one stores none).
    const duplicated = Math.max(0, addedRows - acknowledged.length);
    const idempotencyAdded = after.idempotency.size - before.idempotency.size;
    console.info(
      `cluster faults: ${entries.length} changes, acked ${acknowledged.length}, in flight at the crashes ${unackedAtFaults.size}, ` +
        `lost ${lost.length}, duplicated ${duplicated}, node kills ${nodeKills}, postgres crashes ${postgresCrashes} (seed ${SEED})`,
    );
    console.info(
      `cluster faults detail: ${onTheWireAtFaults.size} of those on the wire, ${drops} connection drops, ` +
        `watchers' catch-ups ${watchers.map((w) => w.catchUps.length).join('/')}, ` +
        `not applied (superseded in a catch-up, else a gap) ${watchers.map((w) => runSeqs.length - w.applied.length).join('/')}, ` +
        `made in ${madeAt - startedAt} ms, drained in ${drainedMs} ms`,
    );

    expect(nodeExits).toEqual([]);
    expect(nodeKills).toBe(1);
    expect(postgresCrashes).toBe(1);
    expect(entries).toHaveLength(total);
    expect(entries.filter((e) => e.status === 'waiting')).toEqual([]);
    // These devices edit only their own groups, one command at a time: nothing may be refused.
    expect(rejected.map((e) => `${e.command.type}: ${e.code}`)).toEqual([]);
    // What was unanswered at a fault was sent again by its outbox, and acknowledged.
    expect(unackedAtFaults.size).toBeGreaterThan(0);
    expect([...unackedAtFaults].filter((e) => e.status !== 'sent')).toEqual([]);

    // Exactly once: one idempotency record and one change-log row per acknowledged command, at
    // the position its acknowledgement named, for the group it changed; a command acknowledged
    // twice (resent after a cut) was given the same position both times.
    expect(lost.map((e) => e.command.commandId)).toEqual([]);
    expect(duplicated).toBe(0);
    expect(addedRows).toBe(acknowledged.length);
    expect(idempotencyAdded).toBe(acknowledged.length);
    expect(devices.reduce((n, c) => n + c.inconsistentAcks, 0)).toBe(0);
    expect(new Set(acknowledged.map((e) => e.seq)).size).toBe(acknowledged.length);
    for (const entry of acknowledged) {
      const record = after.idempotency.get(entry.command.commandId)!;
      expect({ firstSeq: record.firstSeq, lastSeq: record.lastSeq }).toEqual({ firstSeq: entry.seq, lastSeq: entry.seq });
    }
    const reports = acknowledged.filter((e) => e.command.type === 'group.report');
    expect(after.groups.size - before.groups.size).toBe(reports.length);

    // The change log is numbered 1..head without a hole, across both faults.
    const head = after.changeLogSeqs.at(-1) ?? 0;
    expect(after.changeLogSeqs).toEqual(after.changeLogSeqs.map((_, i) => i + 1));

    // No gap: each watcher's one snapshot came before the run, and from then on it applied each
    // sequence number of the run at most once, in order, across its live feed and its catch-ups,
    // and every one it did not apply was superseded inside a catch-up (gapsOf).
    for (const watcher of watchers) {
      expect(watcher.snapshots).toEqual([startSeq]);
      expect(watcher.applied).toEqual([...new Set(watcher.applied)].sort((a, b) => a - b));
      expect(watcher.applied.every((seq) => seq > startSeq && seq <= head)).toBe(true);
      expect(gapsOf(watcher, runSeqs, after.changeLogBySeq)).toEqual([]);
    }
    // Every device and every watcher converged: at the head, with the database's groups and
    // versions (a coordinator sees every group of the one crisis).
    for (const client of clients) {
      expect(client.feed.lastAppliedSeq).toBe(head);
      const seen = new Map([...client.feed.groups.values()].map((v) => [v.group.id, v.group.version]));
      expect(seen).toEqual(after.groups);
    }
  });
});
