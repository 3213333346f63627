import pg from 'pg';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countersOf } from '../../shared/counters';
import { CounterHistory, COORDINATION_ROUTES } from '../../shared/schemas/coordination.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { RetentionService } from '../../server/services/retention.service';
import {
  collectChanges,
  connectUser,
  expectChanges,
  expectOk,
  expectSnapshot,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  updateCommand,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';
import { sqliteBytesHold, tablesHolding } from '../support/stored-text';

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;

// Values only the old group holds, each in a different detail the purge must remove.
const OLD = {
  place: 'Qzretplace',
  notes: 'Qzretnote first',
  notes2: 'Qzretnote second',
  legacy: 'Qzretlegacy',
  file: 'Qzretfile.csv',
} as const;
// The old group's exact point, as its digits would appear in stored JSON.
const OLD_POINT = { lat: 26.54321, lon: 12.98765 };
const KEPT = { place: 'Qzkeptplace', notes: 'Qzkeptnote' } as const;

let clock = Date.now();
let server: TestServer;
let coordinator: ClientSocket;
let cookie: string;

beforeAll(async () => {
  // Sessions outlive the clock's jump of 91 days, so the same sockets watch the purge.
  server = await startTestServer({ now: () => clock, sessionPolicy: { idleMs: YEAR_MS, absoluteMs: YEAR_MS } });
  coordinator = await connectUser(server.url, server.accounts.coordinator);
  cookie = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
});
afterAll(async () => {
  coordinator.close();
  await server.destroy();
});

/** Runs one statement on the test server's database from outside it (`?` placeholders become `$n` on PostgreSQL). */
async function exec(sql: string, params: unknown[]): Promise<void> {
  if (server.databaseUrl) {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      let n = 0;
      await client.query(
        sql.replace(/\?/g, () => `$${++n}`),
        params,
      );
    } finally {
      await client.end();
    }
    return;
  }
  const db = new Database(server.databaseFile, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

const lastPoint = async () => {
  const res = await fetch(`${server.url}${COORDINATION_ROUTES.history}`, { headers: { cookie } });
  const { points } = CounterHistory.parse(await res.json());
  const last = points.at(-1);
  return last ? { stranded: last.stranded, inNeed: last.inNeed, assisted: last.assisted, evacuated: last.evacuated } : null;
};

const fourCounters = (groups: Group[]) => {
  const c = countersOf(groups);
  return { stranded: c.stranded, inNeed: c.inNeed, assisted: c.assisted, evacuated: c.evacuated };
};

describe('retention of a crisis with history', () => {
  it('purges the details of groups last changed before the cutoff from every table, keeps aggregates, and breaks nothing', async () => {
    const old = makeGroupInput({
      location: { ...OLD_POINT, accuracyM: 7, placeName: OLD.place, siteType: 'informal_settlement' },
      headcount: { total: 12, female: { under5: 0, age5to17: 2, age18to59: 3, age60plus: 0 }, male: { under5: 0, age5to17: 0, age18to59: 4, age60plus: 0 } },
      nationalities: [{ code: 'NGA', count: 6 }],
      vulnerabilities: {
        unaccompaniedChildren: 0,
        separatedChildren: 1,
        pregnantOrLactating: 1,
        disability: 0,
        olderPersons: 0,
        seriousMedical: 2,
        possibleTrafficking: 1,
        detained: 0,
      },
      documents: { valid: 2, lostOrDestroyed: 3, confiscated: 1, neverHad: 0, unknown: 0 },
      notes: OLD.notes,
    });
    const reportId = uuidv7();
    const reported = expectOk(await sendCommand(coordinator, reportCommand(old, reportId)));
    const editId = uuidv7();
    const edited = expectOk(await sendCommand(coordinator, updateCommand(old.id, reported.group.version, { notes: OLD.notes2 }, editId)));
    // A record written before migration 004 held its ack (the whole group) as JSON.
    const legacyAck = { ok: true, seq: reported.seq, group: { ...edited.group, notes: OLD.legacy } };
    await exec('INSERT INTO idempotency (command_id, user_id, result, at) VALUES (?, ?, ?, ?)', [
      uuidv7(),
      edited.group.reportedBy,
      JSON.stringify(legacyAck),
      new Date(clock).toISOString(),
    ]);
    await exec("INSERT INTO imports (id, crisis_id, user_id, file_name, state, started_at) VALUES (?, ?, ?, ?, 'done', ?)", [
      uuidv7(),
      server.crisisId,
      edited.group.reportedBy,
      OLD.file,
      new Date(clock).toISOString(),
    ]);
    const behindSeq = edited.seq;

    clock += 91 * DAY_MS;
    const kept = expectOk(
      await sendCommand(
        coordinator,
        reportCommand(makeGroupInput({ location: { lat: 27.1, lon: 13.2, accuracyM: 3, placeName: KEPT.place, siteType: 'other' }, notes: KEPT.notes })),
      ),
    );

    // Before: the details are where the issue says they live.
    const location = { databaseUrl: server.databaseUrl, databaseFile: server.databaseFile };
    expect(await tablesHolding(location, OLD.place)).toEqual(['change_log', 'groups', 'idempotency']);
    expect(await tablesHolding(location, OLD.notes)).toEqual(['change_log']);
    expect(await tablesHolding(location, OLD.notes2)).toEqual(['change_log', 'groups']);
    expect(await tablesHolding(location, OLD.legacy)).toEqual(['idempotency']);
    expect(await tablesHolding(location, OLD.file)).toEqual(['imports']);
    const countersBefore = await lastPoint();
    const auditBefore = await server.countRows('audit');

    await new RetentionService(server.repositories, () => clock).setPolicy({ crisisId: server.crisisId, keepDays: 90, after: 'group_change' });
    const live = collectChanges(coordinator);
    const runs = await server.runRetention();

    expect(runs).toEqual([{ crisisId: server.crisisId, cutoff: new Date(clock - 90 * DAY_MS).toISOString(), groups: 1, imports: 1 }]);
    // After, table by table: no purged value anywhere; the kept group untouched.
    for (const marker of [OLD.place, OLD.notes, OLD.notes2, OLD.legacy, OLD.file, String(OLD_POINT.lat), String(OLD_POINT.lon)]) {
      expect({ marker, tables: await tablesHolding(location, marker) }).toEqual({ marker, tables: [] });
    }
    expect(await tablesHolding(location, KEPT.place)).toEqual(['change_log', 'groups']);
    // The audit log keeps every row and adds the run's own.
    expect(await server.countRows('audit')).toBeGreaterThan(auditBefore);
    expect(await server.countRows('purges')).toBe(1);

    // Connected devices got the purged state live, in place of the one they held.
    const snapshot = expectSnapshot(await requestSync(coordinator, null));
    const purged = snapshot.groups.find((v) => v.group.id === old.id);
    if (purged?.view !== 'full') throw new Error('the purged group should stay, with its aggregates, in a full view');
    expect(live).toContainEqual({ kind: 'group.upsert', seq: expect.any(Number) as number, group: purged });
    expect(purged.group.location).toEqual({ lat: 26.5, lon: 13, accuracyM: null, placeName: '', siteType: 'informal_settlement', siteId: null });
    expect(purged.group.notes).toBe('');
    expect(purged.group.headcount).toEqual({
      total: 12,
      female: { under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 },
      male: { under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 },
    });
    expect(Object.values(purged.group.vulnerabilities).every((n) => n === 0)).toBe(true);
    expect(Object.values(purged.group.documents).every((n) => n === 0)).toBe(true);
    // Aggregates stay: total, nationalities, needs, status.
    expect(purged.group.nationalities).toEqual([{ code: 'NGA', count: 6 }]);
    expect(purged.group.needs).toEqual(edited.group.needs);
    const keptView = snapshot.groups.find((v) => v.group.id === kept.group.id);
    expect(keptView?.view === 'full' && keptView.group.location.placeName).toBe(KEPT.place);

    // Counters stay consistent: the history's end is what the current groups count.
    const countersAfter = await lastPoint();
    expect(countersAfter).toEqual(countersBefore);
    expect(countersAfter).toEqual(fourCounters(snapshot.groups.flatMap((v) => (v.view === 'full' ? [v.group] : []))));

    // A client behind the purge catches up to the purged state, never an old one.
    const behind = expectChanges(await requestSync(coordinator, behindSeq));
    const caught = behind.changes.find((c) => c.kind === 'group.upsert' && c.group.group.id === old.id);
    expect(caught?.kind === 'group.upsert' && caught.group).toEqual(purged);

    // Retried commands whose records were purged: a clear answer with the group as it is now.
    for (const commandId of [reportId, editId]) {
      const again = await sendCommand(
        coordinator,
        commandId === reportId ? reportCommand(old, reportId) : updateCommand(old.id, reported.group.version, { notes: OLD.notes2 }, editId),
      );
      expect(again).toEqual({ ok: true, seq: expect.any(Number) as number, group: purged });
    }

    // Idempotent: nothing is due twice.
    expect(await server.runRetention()).toEqual([{ crisisId: server.crisisId, cutoff: expect.any(String) as string, groups: 0, imports: 0 }]);
    expect(await server.countRows('purges')).toBe(1);

    if (!server.databaseUrl) {
      // Not even in free pages or the WAL: the file's bytes after a checkpoint and a vacuum.
      await server.stop();
      expect(sqliteBytesHold(server.databaseFile, [OLD.place, OLD.notes, OLD.notes2, OLD.legacy, OLD.file, String(OLD_POINT.lat)])).toEqual([]);
      expect(sqliteBytesHold(server.databaseFile, [KEPT.place])).toEqual([KEPT.place]);
      await server.restart();
    }
  });

  it('under a crisis-closed policy, purges nothing while the crisis is open and everything once its days have run', async () => {
    const service = new RetentionService(server.repositories, () => clock);
    await service.setPolicy({ crisisId: server.crisisId, keepDays: 30, after: 'crisis_closed' });
    expect((await server.runRetention())[0]?.groups).toBe(0);
    await service.closeCrisis(server.crisisId);
    clock += 29 * DAY_MS;
    expect((await server.runRetention())[0]?.groups).toBe(0);
    clock += 2 * DAY_MS;
    const [run] = await server.runRetention();
    // The kept group of the first test, and nothing left holding its place name.
    expect(run?.groups).toBe(1);
    expect(await tablesHolding({ databaseUrl: server.databaseUrl, databaseFile: server.databaseFile }, KEPT.place)).toEqual([]);
  });

  it('refuses a policy for a crisis that does not exist, by name, and changes nothing', async () => {
    const service = new RetentionService(server.repositories, () => clock);
    const before = await service.policies();
    await expect(service.setPolicy({ crisisId: uuidv7(), keepDays: 90, after: 'group_change' })).rejects.toThrow(/no crisis/);
    expect(await service.policies()).toEqual(before);
  });
});
