import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { Repositories } from '../../server/repositories/contract';
import type { Group } from '../../shared/schemas/group.schema';
import { Movement } from '../../shared/schemas/movement.schema';
import { isRefused, planAddGroup } from '../../shared/movements';
import { summarizeGroup } from '../../shared/packed-views';
import { makeGroup, makeSite } from '../support/factories';
import type { Site } from '../../shared/schemas/site.schema';
import { area, square } from '../support/boundaries';
import { makeAgency, makeCrisis, makeUser, postgresEngine, signal, sqliteEngine, type EngineUnderTest, type OpenedStore } from '../support/storage-fixtures';

/**
 * One storage contract, two engines: every test here runs on SQLite and on PostgreSQL, against a
 * fresh database each time, and expects the same answers.
 */
const engines: EngineUnderTest[] = [sqliteEngine(), postgresEngine()];

const at = (n: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
const seqsOf = (records: { seq: number }[]): number[] => records.map((r) => r.seq);

describe.each(engines)('storage contract on $engine', (engine) => {
  let opened: OpenedStore;
  let repos: Repositories;
  let crisisId: string;

  beforeAll(() => engine.setUp());
  afterAll(() => engine.tearDown());
  beforeEach(async () => {
    opened = await engine.open();
    repos = opened.repos;
    crisisId = uuidv7();
    await repos.crises.insert(makeCrisis({ id: crisisId, createdAt: at(0) }));
  });
  afterEach(() => opened.close());

  /** Stores a new group of the test crisis (or another) with a logged change; returns it and the seq. */
  async function reportGroup(overrides: Partial<Group> = {}): Promise<{ group: Group; seq: number }> {
    const group = makeGroup({ crisisId, ...overrides });
    await repos.groups.insert(group);
    const seq = await repos.changeLog.appendGroupChange('group.report', group, null, group.updatedAt);
    return { group, seq };
  }

  /** Stores the group's next version with a logged change; returns it and the seq. */
  async function editGroup(group: Group, status: Group['status']): Promise<{ group: Group; seq: number }> {
    const next = { ...group, version: group.version + 1, status };
    await repos.groups.update(next);
    const seq = await repos.changeLog.appendGroupChange('group.setStatus', next, null, next.updatedAt);
    return { group: next, seq };
  }

  describe('crises', () => {
    it('round-trips a crisis and answers null for an unknown id', async () => {
      const crisis = makeCrisis({ isDemo: true });
      await repos.crises.insert(crisis);
      expect(await repos.crises.findById(crisis.id)).toEqual(crisis);
      expect(await repos.crises.findById(uuidv7())).toBeNull();
    });

    it('lists oldest first and counts', async () => {
      const later = makeCrisis({ createdAt: at(5) });
      const earlier = makeCrisis({ createdAt: at(1) });
      await repos.crises.insert(later);
      await repos.crises.insert(earlier);
      expect((await repos.crises.list()).map((c) => c.id)).toEqual([crisisId, earlier.id, later.id]);
      expect(await repos.crises.count()).toBe(3);
    });

    it('refuses a second crisis with the same id', async () => {
      await expect(repos.crises.insert(makeCrisis({ id: crisisId }))).rejects.toThrow();
    });
  });

  describe('agencies', () => {
    it('round-trips, finds by acronym whatever its case, and lists by acronym ignoring case', async () => {
      const b = makeAgency({ acronym: 'beta' });
      const a = makeAgency({ acronym: 'Alpha' });
      const c = makeAgency({ acronym: 'CONSUL', type: 'consulate', servesState: 'FRA' });
      for (const agency of [b, a, c]) await repos.agencies.insert(agency, at(1));
      expect(await repos.agencies.findById(c.id)).toEqual(c);
      expect(await repos.agencies.findByAcronym('ALPHA')).toEqual(a);
      expect(await repos.agencies.findByAcronym('nobody')).toBeNull();
      expect((await repos.agencies.list()).map((x) => x.acronym)).toEqual(['Alpha', 'beta', 'CONSUL']);
    });

    it('refuses an acronym that differs only in case, and a consulate without a served state', async () => {
      await repos.agencies.insert(makeAgency({ acronym: 'Wfp' }), at(1));
      await expect(repos.agencies.insert(makeAgency({ acronym: 'WFP' }), at(1))).rejects.toThrow();
      await expect(repos.agencies.insert(makeAgency({ type: 'consulate', servesState: null }), at(1))).rejects.toThrow();
      expect(await repos.agencies.list()).toHaveLength(1);
    });
  });

  describe('users', () => {
    it('round-trips by id and username, and answers null for unknown ones', async () => {
      const user = makeUser({ crisisId, disabled: true });
      await repos.users.insert(user);
      expect(await repos.users.findById(user.id)).toEqual(user);
      expect(await repos.users.findByUsername(user.username)).toEqual(user);
      expect(await repos.users.findById(uuidv7())).toBeNull();
      expect(await repos.users.findByUsername('nobody')).toBeNull();
    });

    it('changes disabled, password and scope, and says false for a missing user', async () => {
      const agency = makeAgency();
      await repos.agencies.insert(agency, at(1));
      const user = makeUser();
      await repos.users.insert(user);
      expect(await repos.users.setDisabled(user.id, true)).toBe(true);
      expect(await repos.users.setPasswordHash(user.id, 'new-hash')).toBe(true);
      expect(await repos.users.setScope(user.id, { role: 'field', agencyId: agency.id, crisisId })).toBe(true);
      expect(await repos.users.findById(user.id)).toEqual({ ...user, disabled: true, passwordHash: 'new-hash', role: 'field', agencyId: agency.id, crisisId });
      const missing = uuidv7();
      expect(await repos.users.setDisabled(missing, true)).toBe(false);
      expect(await repos.users.setPasswordHash(missing, 'x')).toBe(false);
      expect(await repos.users.setScope(missing, { role: 'admin', agencyId: null, crisisId: null })).toBe(false);
    });

    it("lists a crisis's enabled field teams by display name, and every user by username, never with a hash", async () => {
      const other = makeCrisis();
      await repos.crises.insert(other);
      const zed = makeUser({ username: 'b-zed', displayName: 'Zed', role: 'field', crisisId });
      const amy = makeUser({ username: 'a-amy', displayName: 'Amy', role: 'field', crisisId });
      const off = makeUser({ username: 'c-off', displayName: 'Off', role: 'field', crisisId, disabled: true });
      const elsewhere = makeUser({ username: 'd-else', role: 'field', crisisId: other.id });
      const boss = makeUser({ username: 'e-boss', role: 'coordinator', crisisId });
      for (const user of [zed, amy, off, elsewhere, boss]) await repos.users.insert(user);
      const teams = await repos.users.listFieldTeams(crisisId);
      expect(teams.map((u) => u.id)).toEqual([amy.id, zed.id]);
      const all = await repos.users.list();
      expect(all.map((u) => u.username)).toEqual(['a-amy', 'b-zed', 'c-off', 'd-else', 'e-boss']);
      for (const user of [...teams, ...all]) expect(user).not.toHaveProperty('passwordHash');
    });

    it('refuses an unknown role and a duplicate username', async () => {
      const user = makeUser();
      await repos.users.insert(user);
      await expect(repos.users.insert(makeUser({ username: user.username }))).rejects.toThrow();
      await expect(repos.users.insert(makeUser({ role: 'owner' as never }))).rejects.toThrow();
    });
  });

  describe('sessions', () => {
    it('stores, touches, deletes and expires sessions', async () => {
      const user = makeUser();
      await repos.users.insert(user);
      const s1 = { id: 'h1', userId: user.id, createdAtMs: 1_700_000_000_000, lastSeenAtMs: 1_700_000_000_000 };
      const s2 = { id: 'h2', userId: user.id, createdAtMs: 1_700_000_000_500, lastSeenAtMs: 1_700_000_000_900 };
      await repos.sessions.insert(s1);
      await repos.sessions.insert(s2);
      expect(await repos.sessions.findById('h1')).toEqual(s1);
      expect(await repos.sessions.findById('nope')).toBeNull();
      expect(await repos.sessions.touch('h1', 1_700_000_001_000)).toBe(true);
      expect(await repos.sessions.touch('nope', 1)).toBe(false);
      expect((await repos.sessions.findById('h1'))?.lastSeenAtMs).toBe(1_700_000_001_000);
      // h2 was last seen before the idle cutoff; h1 was not, and both were created after the absolute one.
      expect(await repos.sessions.deleteExpired(1_700_000_000_950, 1_700_000_000_000)).toBe(1);
      expect(await repos.sessions.findById('h2')).toBeNull();
      expect(await repos.sessions.delete('h1')).toBe(true);
      expect(await repos.sessions.delete('h1')).toBe(false);
      await repos.sessions.insert({ ...s1, id: 'h3' });
      await repos.sessions.insert({ ...s1, id: 'h4' });
      expect(await repos.sessions.deleteByUser(user.id)).toBe(2);
    });

    it("counts each user's open sessions with the last use, leaving out users without any", async () => {
      const [a, b, idle] = [makeUser(), makeUser(), makeUser()];
      for (const u of [a, b, idle]) await repos.users.insert(u);
      await repos.sessions.insert({ id: 'c1', userId: a.id, createdAtMs: 1_700_000_000_000, lastSeenAtMs: 1_700_000_000_100 });
      await repos.sessions.insert({ id: 'c2', userId: a.id, createdAtMs: 1_700_000_000_000, lastSeenAtMs: 1_700_000_000_700 });
      await repos.sessions.insert({ id: 'c3', userId: b.id, createdAtMs: 1_700_000_000_000, lastSeenAtMs: 1_700_000_000_300 });
      const counts = await repos.sessions.countByUser();
      expect(counts).toHaveLength(2);
      expect(counts).toEqual(
        expect.arrayContaining([
          { userId: a.id, count: 2, lastSeenAtMs: 1_700_000_000_700 },
          { userId: b.id, count: 1, lastSeenAtMs: 1_700_000_000_300 },
        ]),
      );
    });

    it('answers the connection check in one call, leaving out ended sessions', async () => {
      const consulate = makeAgency({ type: 'consulate', servesState: 'FRA' });
      await repos.agencies.insert(consulate, at(1));
      const envoy = makeUser({ role: 'embassy', agencyId: consulate.id, crisisId });
      const helper = makeUser({ role: 'field', crisisId, disabled: true });
      await repos.users.insert(envoy);
      await repos.users.insert(helper);
      await repos.sessions.insert({ id: 'e', userId: envoy.id, createdAtMs: 1, lastSeenAtMs: 2 });
      await repos.sessions.insert({ id: 'f', userId: helper.id, createdAtMs: 3, lastSeenAtMs: 4 });
      const found = await repos.sessions.connections(['e', 'f', 'gone']);
      expect([...found.keys()].sort()).toEqual(['e', 'f']);
      expect(found.get('e')).toEqual({
        sessionId: 'e',
        lastSeenAtMs: 2,
        userId: envoy.id,
        role: 'embassy',
        crisisId,
        agencyId: consulate.id,
        disabled: false,
        agencyType: 'consulate',
        servesState: 'FRA',
      });
      expect(found.get('f')).toMatchObject({ disabled: true, agencyId: null, agencyType: null, servesState: null });
      expect((await repos.sessions.connections([])).size).toBe(0);
    });
  });

  describe('groups', () => {
    it('round-trips a group exactly, and answers null for an unknown id', async () => {
      const { group } = await reportGroup();
      expect(await repos.groups.findById(group.id)).toEqual(group);
      expect(await repos.groups.findById(uuidv7())).toBeNull();
    });

    it('updates only from the version just before, and a stale update changes nothing', async () => {
      const { group } = await reportGroup();
      const v2 = { ...group, version: 2, status: 'verified' as const };
      await repos.groups.update(v2);
      await expect(repos.groups.update({ ...group, version: 2, status: 'closed' })).rejects.toThrow(/lost a race/);
      await expect(repos.groups.update({ ...group, version: 4, status: 'closed' })).rejects.toThrow(/lost a race/);
      expect(await repos.groups.findById(group.id)).toEqual(v2);
    });

    it('lists a crisis by id, counts it, and pages it in report order (an update keeps its place)', async () => {
      const other = makeCrisis();
      await repos.crises.insert(other);
      const stored: Group[] = [];
      for (let i = 0; i < 5; i++) stored.push((await reportGroup()).group);
      await reportGroup({ crisisId: other.id });
      // Ids are time-ordered; storing them out of that order shows report order is not id order.
      const late = (await reportGroup({ id: `00000000-0000-4000-8000-00000000000${stored.length}` })).group;
      stored.push(late);
      await editGroup(stored[1]!, 'verified');
      expect((await repos.groups.listByCrisis(crisisId)).map((g) => g.id)).toEqual(stored.map((g) => g.id).sort());
      expect(await repos.groups.countByCrisis(crisisId)).toBe(6);
      expect(await repos.groups.countByCrisis(uuidv7())).toBe(0);
      const first = await repos.groups.pageByCrisis(crisisId, 0, 4);
      expect(first.map((k) => k.group.id)).toEqual(stored.slice(0, 4).map((g) => g.id));
      expect(first[1]?.group.version).toBe(2);
      const rest = await repos.groups.pageByCrisis(crisisId, first.at(-1)!.key, 4);
      expect(rest.map((k) => k.group.id)).toEqual(stored.slice(4).map((g) => g.id));
      expect(await repos.groups.pageByCrisis(crisisId, rest.at(-1)!.key, 4)).toEqual([]);
    });

    it("keeps each group's summary with its row, and summarizes a row without a current one from its data", async () => {
      const a = (await reportGroup()).group;
      const b = (await reportGroup()).group;
      const b2 = (await editGroup(b, 'verified')).group;
      const page = await repos.groups.pageSummaries(crisisId, 0, 10);
      expect(page.map((p) => p.summary)).toEqual([summarizeGroup(a), summarizeGroup(b2)]);
      expect(page.map((p) => p.key)).toEqual((await repos.groups.pageByCrisis(crisisId, 0, 10)).map((p) => p.key));
      expect(await repos.groups.pageSummaries(crisisId, page[0]!.key, 10)).toEqual([page[1]]);
      // A row written before summaries were stored, and one of an older shape: summarized from data.
      await opened.exec('UPDATE groups SET summary = NULL, summary_format = NULL WHERE id = ?', [a.id]);
      await opened.exec('UPDATE groups SET summary = ?, summary_format = 0 WHERE id = ?', ['{"stale":true}', b.id]);
      expect((await repos.groups.pageSummaries(crisisId, 0, 10)).map((p) => p.summary)).toEqual([summarizeGroup(a), summarizeGroup(b2)]);
    });

    it('refuses a group of an unknown crisis', async () => {
      await expect(repos.groups.insert(makeGroup({ crisisId: uuidv7() }))).rejects.toThrow();
    });
  });

  describe('change log', () => {
    it('starts empty', async () => {
      expect(await repos.changeLog.headSeq()).toBe(0);
      expect(await repos.changeLog.oldestSeq()).toBeNull();
      expect(await repos.changeLog.listRange(0, 100, 100)).toEqual([]);
    });

    it('numbers changes 1, 2, 3 ... and reads them back whole', async () => {
      const a = await reportGroup();
      const b = await reportGroup();
      const a2 = await editGroup(a.group, 'verified');
      expect([a.seq, b.seq, a2.seq]).toEqual([1, 2, 3]);
      expect(await repos.changeLog.headSeq()).toBe(3);
      expect(await repos.changeLog.oldestSeq()).toBe(1);
      expect(await repos.changeLog.listForEntity(crisisId, a.group.id)).toEqual([
        { seq: 1, crisisId, entityId: a.group.id, kind: 'group.report', group: a.group, actor: null, at: a.group.updatedAt },
        { seq: 3, crisisId, entityId: a.group.id, kind: 'group.setStatus', group: a2.group, actor: null, at: a2.group.updatedAt },
      ]);
    });

    it('bounds listAfter and listRange as (after, upto], by crisis and by limit', async () => {
      const other = makeCrisis();
      await repos.crises.insert(other);
      for (let i = 0; i < 3; i++) await reportGroup();
      await reportGroup({ crisisId: other.id });
      for (let i = 0; i < 2; i++) await reportGroup();
      expect(seqsOf(await repos.changeLog.listAfter(crisisId, 1, 5))).toEqual([2, 3, 5]);
      expect(seqsOf(await repos.changeLog.listAfter(crisisId, 0, 6))).toEqual([1, 2, 3, 5, 6]);
      expect(seqsOf(await repos.changeLog.listAfter(other.id, 0, 3))).toEqual([]);
      expect(seqsOf(await repos.changeLog.listRange(1, 5, 100))).toEqual([2, 3, 4, 5]);
      expect(seqsOf(await repos.changeLog.listRange(1, 5, 2))).toEqual([2, 3]);
      expect(seqsOf(await repos.changeLog.listRange(6, 6, 100))).toEqual([]);
      expect(seqsOf(await repos.changeLog.pageCrisis(crisisId, 2, 2))).toEqual([3, 5]);
      expect(seqsOf(await repos.changeLog.pageCrisis(crisisId, 5, 10))).toEqual([6]);
      expect(await repos.changeLog.countAfter(crisisId, 1, 100)).toBe(4);
      expect(await repos.changeLog.countAfter(crisisId, 1, 3)).toBe(3);
      expect(await repos.changeLog.countAfter(other.id, 4, 100)).toBe(0);
    });

    it("gives the times of a crisis's first and last change, up to a moment when asked, or null for none", async () => {
      expect(await repos.changeLog.timeSpan(crisisId, null)).toBeNull();
      const other = makeCrisis();
      await repos.crises.insert(other);
      await reportGroup({ crisisId: other.id, updatedAt: at(1) });
      await reportGroup({ updatedAt: at(2) });
      await reportGroup({ updatedAt: at(3) });
      await reportGroup({ updatedAt: at(5) });
      await reportGroup({ crisisId: other.id, updatedAt: at(6) });
      expect(await repos.changeLog.timeSpan(crisisId, null)).toEqual({ first: at(2), last: at(5) });
      expect(await repos.changeLog.timeSpan(crisisId, at(4))).toEqual({ first: at(2), last: at(3) });
      expect(await repos.changeLog.timeSpan(crisisId, at(1))).toBeNull();
      expect(await repos.changeLog.timeSpan(other.id, null)).toEqual({ first: at(1), last: at(6) });
    });

    it("gives an entity's state before a change, or null before its first", async () => {
      const a = await reportGroup();
      await reportGroup();
      const a2 = await editGroup(a.group, 'verified');
      const a3 = await editGroup(a2.group, 'assisted');
      expect(await repos.changeLog.stateBefore(a.group.id, a.seq)).toBeNull();
      expect(await repos.changeLog.stateBefore(a.group.id, a3.seq)).toEqual(a2.group);
      expect(await repos.changeLog.stateBefore(a.group.id, a2.seq)).toEqual(a.group);
    });

    it("gives, for a range of the log, each changed group's state before the range, as stateBefore gives it", async () => {
      const a = await reportGroup();
      const b = await reportGroup();
      const a2 = await editGroup(a.group, 'verified');
      const c = await reportGroup();
      const b2 = await editGroup(b.group, 'assisted');
      const a3 = await editGroup(a2.group, 'assisted');
      const head = a3.seq;
      for (let after = 0; after <= head; after++)
        for (const limit of [1, 2, 100]) {
          const range = (await repos.changeLog.listRange(after, head, limit)).filter((change) => !('site' in change));
          const states = await repos.changeLog.statesBeforeRange(after, head, limit);
          const ids = new Set(range.map((change) => change.entityId));
          for (const id of states.keys()) expect(ids.has(id)).toBe(true);
          for (const id of ids) expect(states.get(id) ?? null).toEqual(await repos.changeLog.stateBefore(id, after + 1));
        }
      expect((await repos.changeLog.statesBeforeRange(b2.seq, head, 100)).get(a.group.id)).toEqual(a2.group);
      expect((await repos.changeLog.statesBeforeRange(c.seq - 1, c.seq, 100)).size).toBe(0);
      expect((await repos.changeLog.statesBeforeRange(head, head, 100)).size).toBe(0);
    });

    it("reads a change this version logged as written, and an older row's group through the schema and its defaults", async () => {
      const a = await reportGroup();
      const a2 = await editGroup(a.group, 'verified');
      // What no schema pass would leave (it trims a place name): seen only if the row is taken as written.
      const asWritten = { ...a.group, location: { ...a.group.location, placeName: '  as written  ' } };
      await opened.exec('UPDATE change_log SET data = ? WHERE seq = ?', [JSON.stringify(asWritten), a.seq]);
      expect((await repos.changeLog.listRange(0, a.seq, 10))[0]).toMatchObject({ group: asWritten });
      expect((await repos.changeLog.listAfter(crisisId, 0, a.seq))[0]).toMatchObject({ group: asWritten });
      expect((await repos.changeLog.statesBeforeRange(a.seq, a2.seq, 10)).get(a.group.id)).toEqual(asWritten);
      // A row from before the format was kept (NULL), without the fields added since: their defaults.
      const { admin: _admin, followUpBy: _followUpBy, ...older } = asWritten;
      await opened.exec('UPDATE change_log SET data = ?, data_format = NULL WHERE seq = ?', [JSON.stringify(older), a.seq]);
      const readOlder = { ...a.group, location: { ...a.group.location, placeName: 'as written' } };
      expect((await repos.changeLog.listRange(0, a.seq, 10))[0]).toMatchObject({ group: readOlder });
      expect((await repos.changeLog.listAfter(crisisId, 0, a.seq))[0]).toMatchObject({ group: readOlder });
      expect((await repos.changeLog.statesBeforeRange(a.seq, a2.seq, 10)).get(a.group.id)).toEqual(readOlder);
      expect(await repos.changeLog.stateBefore(a.group.id, a2.seq)).toEqual(readOlder);
    });
  });

  describe('movements', () => {
    const movement = (overrides: Partial<Movement> = {}): Movement =>
      Movement.parse({
        id: uuidv7(),
        crisisId,
        version: 1,
        kind: 'evacuation_to_origin',
        mode: 'bus',
        carrierAgencyId: null,
        seats: 40,
        destinationCountry: 'NGA',
        notes: '',
        legs: [{ id: uuidv7(), from: { place: { name: 'A', lat: 1, lon: 2 } }, to: { place: { name: 'B', lat: 3, lon: 4 } }, status: 'planned' }],
        manifest: [],
        createdBy: uuidv7(),
        createdAt: at(1),
        updatedAt: at(1),
        ...overrides,
      });
    const onManifest = (m: Movement, group: Group): Movement => {
      const planned = planAddGroup(m, group, { pickup: null, specialNeeds: '', consent: { recordedBy: m.createdBy, at: at(2) } });
      if (isRefused(planned)) throw new Error(planned.message);
      return { ...planned, version: m.version + 1 };
    };

    it('round-trips a movement, updates only from the version before, and pages a crisis by id', async () => {
      const [a, b, c] = [movement(), movement(), movement()];
      for (const m of [c, a, b]) await repos.movements.insert(m);
      expect(await repos.movements.findById(a.id)).toEqual(a);
      expect(await repos.movements.findById(uuidv7())).toBeNull();
      const next = { ...a, version: 2, seats: 30 };
      await repos.movements.update(next);
      await expect(repos.movements.update({ ...a, version: 2, seats: 20 })).rejects.toThrow();
      expect(await repos.movements.findById(a.id)).toEqual(next);
      const ids = [a.id, b.id, c.id].sort();
      expect((await repos.movements.pageByCrisis(crisisId, '', 2)).map((m) => m.id)).toEqual(ids.slice(0, 2));
      expect((await repos.movements.pageByCrisis(crisisId, ids[1]!, 2)).map((m) => m.id)).toEqual(ids.slice(2));
    });

    it('finds the movements that list a group, the open ones apart (a movement that arrived is no longer open)', async () => {
      const { group } = await reportGroup({ status: 'verified', needs: [] });
      const m = onManifest(movement(), group);
      const other = movement();
      await repos.movements.insert({ ...m, version: 1 });
      await repos.movements.insert(other);
      expect(await repos.movements.idsForGroup(group.id, true)).toEqual([m.id]);
      const done = { ...m, version: 2, legs: m.legs.map((l) => ({ ...l, status: 'arrived' as const })) };
      await repos.movements.update(done);
      expect(await repos.movements.idsForGroup(group.id, true)).toEqual([]);
      expect(await repos.movements.idsForGroup(group.id, false)).toEqual([m.id]);
      await repos.movements.update(onManifest(other, group));
      expect(await repos.movements.idsForGroup(group.id, true)).toEqual([other.id]);
      expect(await repos.movements.idsForGroup(group.id, false)).toEqual([m.id, other.id].sort());
    });

    it("numbers movement changes in the groups' sequence, and keeps them out of the groups' lists", async () => {
      const g = await reportGroup();
      const m = movement();
      const m2 = { ...m, version: 2, seats: 10 };
      const s1 = await repos.movements.appendChange('movement.create', m, null, at(1));
      const s2 = await repos.movements.appendChange('movement.update', m2, null, at(2));
      const g2 = await editGroup(g.group, 'verified');
      expect([g.seq, s1, s2, g2.seq]).toEqual([1, 2, 3, 4]);
      expect(await repos.changeLog.headSeq()).toBe(4);
      expect(seqsOf(await repos.changeLog.listRange(0, 4, 100))).toEqual([1, 4]);
      expect(seqsOf(await repos.changeLog.listAfter(crisisId, 0, 4))).toEqual([1, 4]);
      expect(seqsOf(await repos.changeLog.pageCrisis(crisisId, 0, 100))).toEqual([1, 4]);
      expect(await repos.movements.listChanges(null, 0, 4, 100)).toEqual([
        { seq: 2, crisisId, kind: 'movement.create', movement: m, at: at(1) },
        { seq: 3, crisisId, kind: 'movement.update', movement: m2, at: at(2) },
      ]);
      expect(seqsOf(await repos.movements.listChanges(crisisId, 2, 4, 100))).toEqual([3]);
      expect(seqsOf(await repos.movements.listChanges(uuidv7(), 0, 4, 100))).toEqual([]);
      expect(seqsOf(await repos.movements.listChanges(null, 0, 4, 1))).toEqual([2]);
      expect(await repos.movements.stateBefore(m.id, 3)).toEqual(m);
      expect(await repos.movements.stateBefore(m.id, 2)).toBeNull();
    });

    it("finds every logged state of a crisis's manifests that lists a group, taken off since or not, and rewrites one in place", async () => {
      const { group: g } = await reportGroup({ status: 'verified', needs: [] });
      const { group: h } = await reportGroup({ status: 'verified', needs: [] });
      const m = movement();
      const withG = onManifest(m, g);
      const withBoth = onManifest(withG, h);
      const withH = { ...withBoth, version: 4, manifest: withBoth.manifest.filter((e) => e.groupId !== g.id) };
      await repos.movements.insert(withH);
      const seqs = [];
      for (const state of [m, withG, withBoth, withH]) seqs.push(await repos.movements.appendChange('movement.update', state, null, at(3)));
      // Another crisis's movement listing g is not this crisis's.
      const other = makeCrisis();
      await repos.crises.insert(other);
      const foreign = onManifest(movement({ crisisId: other.id }), g);
      await repos.movements.insert(foreign);
      await repos.movements.appendChange('movement.update', foreign, null, at(3));
      const listing = async (ids: string[]) => (await repos.movements.loggedListing(crisisId, ids)).map((r) => r.seq);
      expect(await listing([g.id])).toEqual([seqs[1], seqs[2]]);
      expect(await listing([h.id])).toEqual([seqs[2], seqs[3]]);
      expect(await listing([g.id, h.id])).toEqual(seqs.slice(1));
      expect(await listing([uuidv7()])).toEqual([]);
      expect(await listing([])).toEqual([]);
      const rewritten = { ...withBoth, notes: 'rewritten' };
      await repos.movements.rewriteLogged(seqs[2]!, JSON.stringify(rewritten));
      expect((await repos.movements.loggedListing(crisisId, [g.id])).map((r) => r.movement)).toEqual([withG, rewritten]);
      // Only a movement's row: a group's change at that number would not be touched.
      expect(await repos.movements.stateBefore(m.id, seqs[3]!)).toEqual(rewritten);
    });
  });

  describe('sites', () => {
    it('stores a site, reads it by id, and pages a crisis in id order', async () => {
      const other = makeCrisis();
      await repos.crises.insert(other);
      const sites = [makeSite({ crisisId }), makeSite({ crisisId, name: 'Transit « B »', type: 'transit_centre', capacity: null }), makeSite({ crisisId })];
      for (const site of sites) await repos.sites.insert(site);
      await repos.sites.insert(makeSite({ crisisId: other.id }));
      expect(await repos.sites.findById(sites[1]!.id)).toEqual(sites[1]);
      expect(await repos.sites.findById(uuidv7())).toBeNull();
      expect(await repos.sites.pageByCrisis(crisisId, '', 2)).toEqual(sites.slice(0, 2));
      expect(await repos.sites.pageByCrisis(crisisId, sites[1]!.id, 2)).toEqual(sites.slice(2));
    });

    it('updates only from the version before, and refuses a site of an unknown crisis', async () => {
      const site = makeSite({ crisisId });
      await repos.sites.insert(site);
      const next: Site = { ...site, version: 2, occupancy: 250, status: 'full' };
      await repos.sites.update(next);
      expect(await repos.sites.findById(site.id)).toEqual(next);
      await expect(repos.sites.update({ ...site, version: 2, occupancy: 1 })).rejects.toThrow(/lost a race/);
      await expect(repos.sites.insert(makeSite({ crisisId: uuidv7() }))).rejects.toThrow();
    });

    it("numbers a site's changes with the groups', gives both to the live feed and catch-up, and keeps sites out of group histories", async () => {
      const a = await reportGroup();
      const site = makeSite({ crisisId });
      await repos.sites.insert(site);
      const siteSeq = await repos.changeLog.appendSiteChange('site.create', site, null, at(3));
      const b = await reportGroup();
      expect([a.seq, siteSeq, b.seq]).toEqual([1, 2, 3]);
      const logged = { entity: 'site', seq: 2, crisisId, entityId: site.id, kind: 'site.create', site, actor: null, at: at(3) };
      expect((await repos.changeLog.listAfter(crisisId, 1, 3))[0]).toEqual(logged);
      expect(seqsOf(await repos.changeLog.listRange(0, 3, 10))).toEqual([1, 2, 3]);
      expect(await repos.changeLog.countAfter(crisisId, 0, 10)).toBe(3);
      // The folds, timelines and retention read groups only.
      expect(seqsOf(await repos.changeLog.pageCrisis(crisisId, 0, 10))).toEqual([1, 3]);
      expect(await repos.changeLog.listForEntity(crisisId, site.id)).toEqual([]);
      expect(await repos.changeLog.stateBefore(site.id, 3)).toBeNull();
    });

    it("numbers a batch's site and group changes in one gap-free sequence", async () => {
      const site = makeSite({ crisisId });
      const group = makeGroup({ crisisId });
      const seqs = await repos.writeBatch(
        async () => {
          await repos.groups.insert(group);
          const first = await repos.changeLog.appendGroupChange('group.report', group, null, at(1));
          await repos.sites.insert(site);
          const second = await repos.changeLog.appendSiteChange('site.create', site, null, at(2));
          const next = { ...group, version: 2, status: 'verified' as const };
          await repos.groups.update(next);
          const third = await repos.changeLog.appendGroupChange('group.setStatus', next, null, at(3));
          return [first, second, third];
        },
        () => ({ commandIds: [], groupIds: [group.id] }),
      );
      expect(seqs).toEqual([1, 2, 3]);
      expect((await repos.changeLog.listRange(0, 3, 10)).map((c) => ('site' in c ? `site:${c.site.id}` : `group:${c.group.version}`))).toEqual([
        'group:1',
        `site:${site.id}`,
        'group:2',
      ]);
      expect(await repos.changeLog.headSeq()).toBe(3);
    });
  });

  describe('groups at sites', () => {
    const atSite = (siteId: string | null, total: number, status: Group['status'] = 'verified'): Group => {
      const g = makeGroup({ crisisId, status });
      return { ...g, location: { ...g.location, siteId }, headcount: { ...g.headcount, total } };
    };

    it("counts a site's recorded groups that count there and their people, following inserts and updates, in a batch too", async () => {
      const site = makeSite({ crisisId });
      await repos.sites.insert(site);
      expect(await repos.groups.linkedAtSite(site.id)).toEqual({ groups: 0, people: 0 });
      const here = atSite(site.id, 7);
      await repos.groups.insert(here);
      await repos.groups.insert(atSite(site.id, 5));
      // Not counted: at no site, at another site, or no longer there (closed, merged).
      await repos.groups.insert(atSite(null, 11));
      await repos.groups.insert(atSite(uuidv7(), 13));
      await repos.groups.insert(atSite(site.id, 17, 'closed'));
      await repos.groups.insert(atSite(site.id, 19, 'duplicate'));
      expect(await repos.groups.linkedAtSite(site.id)).toEqual({ groups: 2, people: 12 });

      // A batch's own writes are counted (on PostgreSQL they are sent before the count).
      const counted = await repos.writeBatch(
        async () => {
          await repos.groups.update({ ...here, version: 2, location: { ...here.location, siteId: null } });
          await repos.groups.insert(atSite(site.id, 3));
          return repos.groups.linkedAtSite(site.id);
        },
        () => ({ commandIds: [], groupIds: [here.id] }),
      );
      expect(counted).toEqual({ groups: 2, people: 8 });
      expect(await repos.groups.linkedAtSite(site.id)).toEqual({ groups: 2, people: 8 });
    });
  });

  describe('retention and erasure', () => {
    it('rewrites a logged state in place, and deletes every change and the row of one group', async () => {
      const a = await reportGroup();
      const b = await reportGroup();
      const a2 = await editGroup(a.group, 'verified');
      const coarse = { ...a.group, notes: '' };
      await repos.changeLog.rewriteGroup(a.seq, JSON.stringify(coarse));
      expect((await repos.changeLog.listForEntity(crisisId, a.group.id)).map((c) => c.group)).toEqual([coarse, a2.group]);
      expect(await repos.changeLog.deleteEntity(a.group.id)).toBe(2);
      await repos.groups.delete(a.group.id);
      expect(await repos.changeLog.listForEntity(crisisId, a.group.id)).toEqual([]);
      expect(await repos.groups.findById(a.group.id)).toBeNull();
      expect(seqsOf(await repos.changeLog.pageCrisis(crisisId, 0, 10))).toEqual([b.seq]);
      // Numbers are never reused after a deletion.
      expect((await reportGroup()).seq).toBe(a2.seq + 1);
    });

    it('finds and rewrites the old acks that hold a group', async () => {
      const user = makeUser();
      await repos.users.insert(user);
      const a = await reportGroup();
      const b = await reportGroup();
      const raw = (group: Group) => JSON.stringify({ ok: true, seq: 1, group });
      await opened.exec('INSERT INTO idempotency (command_id, user_id, result, at) VALUES (?, ?, ?, ?)', ['old-a', user.id, raw(a.group), at(1)]);
      await opened.exec('INSERT INTO idempotency (command_id, user_id, result, at) VALUES (?, ?, ?, ?)', ['old-b', user.id, raw(b.group), at(1)]);
      await repos.idempotency.insert('new-a', user.id, a.seq, a.seq, at(2));
      expect(await repos.idempotency.legacyResultsFor(a.group.id)).toEqual([{ commandId: 'old-a', result: raw(a.group) }]);
      await repos.idempotency.rewriteLegacy('old-a', '{"ok":false}');
      await repos.idempotency.rewriteLegacy('new-a', '{"ok":false}');
      expect(await repos.idempotency.find('old-a')).toMatchObject({ result: { ok: false } });
      // A record that points into the log is not a legacy one: left alone.
      expect(await repos.idempotency.find('new-a')).toMatchObject({ result: { ok: true, seq: a.seq, group: a.group } });
      expect(await repos.idempotency.legacyResultsFor(a.group.id)).toEqual([]);
    });

    it('keeps one policy per crisis, finds due groups not yet purged at their version, and keeps a ledger', async () => {
      expect(await repos.retention.findPolicy(crisisId)).toBeNull();
      const policy = { crisisId, keepDays: 30, after: 'group_change' as const, crisisClosedAt: null, setAt: at(1) };
      await repos.retention.setPolicy(policy);
      await repos.retention.setPolicy({ ...policy, keepDays: 60, setAt: at(2) });
      expect(await repos.retention.findPolicy(crisisId)).toEqual({ ...policy, keepDays: 60, setAt: at(2) });
      expect(await repos.retention.listPolicies()).toEqual([{ ...policy, keepDays: 60, setAt: at(2) }]);
      await expect(repos.retention.setPolicy({ ...policy, keepDays: 0 })).rejects.toThrow();
      // Cleared, the crisis keeps everything again; clearing twice finds nothing.
      expect(await repos.retention.clearPolicy(crisisId)).toBe(true);
      expect(await repos.retention.clearPolicy(crisisId)).toBe(false);
      expect(await repos.retention.findPolicy(crisisId)).toBeNull();
      await repos.retention.setPolicy({ ...policy, keepDays: 60, setAt: at(2) });

      const old = await reportGroup({ updatedAt: at(3) });
      const older = await reportGroup({ updatedAt: at(2) });
      await reportGroup({ updatedAt: at(9) });
      expect((await repos.retention.dueGroups(crisisId, at(5), 0, 10)).map((d) => d.group.id)).toEqual([old.group.id, older.group.id]);
      expect((await repos.retention.dueGroups(crisisId, at(5), 0, 1)).map((d) => d.group.id)).toEqual([old.group.id]);
      // The next page goes on after the last key read.
      const [first] = await repos.retention.dueGroups(crisisId, at(5), 0, 1);
      expect((await repos.retention.dueGroups(crisisId, at(5), first!.key, 10)).map((d) => d.group.id)).toEqual([older.group.id]);
      await repos.retention.markPurged(old.group.id, crisisId, old.group.version, at(6));
      expect((await repos.retention.dueGroups(crisisId, at(5), 0, 10)).map((d) => d.group.id)).toEqual([older.group.id]);
      // A later version has new details: due again.
      const next = await editGroup(old.group, 'verified');
      expect((await repos.retention.dueGroups(crisisId, at(5), 0, 10)).map((d) => d.group.id)).toEqual([next.group.id, older.group.id]);
      expect(await repos.retention.findPurged(old.group.id)).toEqual({ version: old.group.version, purgedAt: at(6) });
      expect(await repos.retention.findPurged(older.group.id)).toBeNull();
      await repos.retention.forgetPurged(old.group.id);
      expect(await repos.retention.findPurged(old.group.id)).toBeNull();

      const user = makeUser();
      await repos.users.insert(user);
      await repos.imports.start('imp-old', crisisId, user.id, 'camp-7.csv', at(1));
      await repos.imports.start('imp-new', crisisId, user.id, 'today.csv', at(8));
      expect(await repos.retention.purgeImports(crisisId, at(5))).toBe(1);
      expect(await repos.retention.purgeImports(crisisId, at(5))).toBe(0);
      expect((await repos.imports.findById('imp-old'))?.fileName).toBe('');
      expect((await repos.imports.findById('imp-new'))?.fileName).toBe('today.csv');

      const entry = { id: uuidv7(), crisisId, kind: 'erasure' as const, groupId: old.group.id, groups: 1, cutoff: null, reason: 'person_request', at: at(7) };
      await repos.retention.recordPurge(entry);
      expect(await repos.retention.listPurges()).toEqual([entry]);
      await expect(repos.retention.recordPurge({ ...entry, id: uuidv7(), groupId: null })).rejects.toThrow();
    });
  });

  describe('idempotency', () => {
    it("rebuilds a command's ack from the change-log rows its record points at", async () => {
      const user = makeUser();
      await repos.users.insert(user);
      const a = await reportGroup();
      const a2 = await editGroup(a.group, 'verified');
      await repos.idempotency.insert('cmd-1', user.id, a.seq, a2.seq, at(9));
      expect(await repos.idempotency.find('cmd-1')).toEqual({
        commandId: 'cmd-1',
        userId: user.id,
        result: { ok: true, seq: a2.seq, group: a.group },
        at: at(9),
      });
      expect(await repos.idempotency.find('cmd-2')).toBeNull();
    });

    it('refuses a record whose first seq is after its last, and a second record for one command', async () => {
      const user = makeUser();
      await repos.users.insert(user);
      await expect(repos.idempotency.insert('cmd-x', user.id, 5, 4, at(1))).rejects.toThrow();
      await repos.idempotency.insert('cmd-y', user.id, 1, 1, at(1));
      await expect(repos.idempotency.insert('cmd-y', user.id, 1, 1, at(2))).rejects.toThrow();
      expect(await repos.idempotency.find('cmd-x')).toBeNull();
    });
  });

  describe('audit', () => {
    it('appends and reads back newest first, filtering by every filter', async () => {
      const other = makeCrisis();
      await repos.crises.insert(other);
      const mine = makeUser({ crisisId });
      const theirs = makeUser({ crisisId: other.id });
      await repos.users.insert(mine);
      await repos.users.insert(theirs);
      const base = { role: 'coordinator', recordType: 'group', outcome: 'ok' } as const;
      await repos.audit.append({ ...base, at: at(1), userId: mine.id, action: 'group.read', recordId: 'g1' });
      await repos.audit.append({ ...base, at: at(2), userId: theirs.id, action: 'group.read', recordId: 'g2' });
      await repos.audit.append({ ...base, at: at(3), userId: mine.id, action: 'export.groups', recordId: null, detail: '{"rows":3}' });
      await repos.audit.append({
        ...base,
        at: at(4),
        userId: null,
        role: null,
        action: 'session.sign_in',
        recordType: null,
        recordId: null,
        outcome: 'failed',
      });
      const recent = await repos.audit.recent(2);
      expect(recent).toEqual([
        { at: at(4), userId: null, role: null, action: 'session.sign_in', recordType: null, recordId: null, outcome: 'failed', detail: null },
        { at: at(3), userId: mine.id, role: 'coordinator', action: 'export.groups', recordType: 'group', recordId: null, outcome: 'ok', detail: '{"rows":3}' },
      ]);
      const ats = async (f: Partial<Parameters<Repositories['audit']['query']>[0]>): Promise<string[]> =>
        (await repos.audit.query({ limit: 100, ...f })).map((r) => r.at);
      expect(await ats({})).toEqual([at(4), at(3), at(2), at(1)]);
      expect(await ats({ crisisId })).toEqual([at(3), at(1)]);
      expect(await ats({ userId: theirs.id })).toEqual([at(2)]);
      expect(await ats({ action: 'group.read' })).toEqual([at(2), at(1)]);
      expect(await ats({ recordId: 'g1' })).toEqual([at(1)]);
      expect(await ats({ from: at(2), to: at(3) })).toEqual([at(3), at(2)]);
      expect(await ats({ limit: 1 })).toEqual([at(4)]);
      const all = await repos.audit.query({ limit: 100 });
      expect(await ats({ before: all[1]!.id })).toEqual([at(2), at(1)]);
      expect(all[0]).toMatchObject({ id: expect.any(Number) as number, detail: null, userName: null });
      // Each entry names its user as the account reads now.
      expect(all.find((r) => r.at === at(1))?.userName).toBe(mine.displayName);
      // The total a screen shows "N of": the same filters, paging aside.
      expect(await repos.audit.count({})).toBe(4);
      expect(await repos.audit.count({ crisisId })).toBe(2);
      expect(await repos.audit.count({ action: 'group.read', from: at(2) })).toBe(1);
    });
  });

  describe('sitreps and imports', () => {
    it('keeps numbered sitreps per crisis and refuses a number twice', async () => {
      const user = makeUser();
      await repos.users.insert(user);
      expect(await repos.sitreps.latest(crisisId)).toBeNull();
      const figures = { stranded: 10, inNeed: 5, assisted: 2, evacuated: 1, openGroups: 3, unassignedNeeds: 4, overdueAssignments: 0 };
      const first = { crisisId, number: 1, issuedAt: at(1), issuedBy: user.id, figures };
      const second = { ...first, number: 2, issuedAt: at(2), figures: { ...figures, stranded: 8 } };
      await repos.sitreps.insert(second);
      await repos.sitreps.insert(first);
      expect(await repos.sitreps.latest(crisisId)).toEqual(second);
      await expect(repos.sitreps.insert({ ...first, issuedAt: at(3) })).rejects.toThrow();
    });

    it('records an import run and its progress', async () => {
      const user = makeUser();
      await repos.users.insert(user);
      const id = uuidv7();
      await repos.imports.start(id, crisisId, user.id, 'kobo.csv', at(1));
      expect(await repos.imports.findById(id)).toEqual({
        importId: id,
        crisisId,
        userId: user.id,
        fileName: 'kobo.csv',
        state: 'running',
        startedAt: at(1),
        finishedAt: null,
        total: 0,
        processed: 0,
        imported: 0,
        alreadyPresent: 0,
        refused: 0,
      });
      const job = {
        importId: id,
        fileName: 'kobo.csv',
        state: 'done',
        startedAt: at(1),
        finishedAt: at(2),
        total: 9,
        processed: 9,
        imported: 5,
        alreadyPresent: 3,
        refused: 1,
      } as const;
      await repos.imports.save(job);
      expect(await repos.imports.findById(id)).toEqual({ ...job, crisisId, userId: user.id });
      expect(await repos.imports.findById(uuidv7())).toBeNull();
      await expect(repos.imports.save({ ...job, state: 'lost' as never })).rejects.toThrow();
    });
  });

  describe('API tokens', () => {
    it('stores tokens by hash, lists newest first, touches and revokes once', async () => {
      const agency = makeAgency();
      await repos.agencies.insert(agency, at(0));
      const older = { id: uuidv7(), name: 'old', agencyId: agency.id, crisisId, tokenHash: 'hash-old', createdBy: null, createdAt: at(1) };
      const newer = { ...older, id: uuidv7(), name: 'new', tokenHash: 'hash-new', createdAt: at(2) };
      await repos.apiTokens.insert(older);
      await repos.apiTokens.insert(newer);
      expect(await repos.apiTokens.findByHash('hash-old')).toEqual({ ...older, lastUsedAt: null, revokedAt: null });
      expect(await repos.apiTokens.findByHash('nope')).toBeNull();
      expect(await repos.apiTokens.findById(uuidv7())).toBeNull();
      expect((await repos.apiTokens.list()).map((t) => t.name)).toEqual(['new', 'old']);
      await repos.apiTokens.touch(older.id, at(5));
      expect(await repos.apiTokens.revoke(older.id, null, at(6))).toBe(true);
      expect(await repos.apiTokens.revoke(older.id, null, at(7))).toBe(false);
      expect(await repos.apiTokens.revoke(uuidv7(), null, at(7))).toBe(false);
      expect(await repos.apiTokens.findById(older.id)).toMatchObject({ lastUsedAt: at(5), revokedAt: at(6) });
      await expect(repos.apiTokens.insert({ ...newer, id: uuidv7() })).rejects.toThrow();
    });

    it("reads each group's latest change after a seq, a group's state at a seq, and its latest", async () => {
      const a = await reportGroup();
      const b = await reportGroup();
      const a2 = await editGroup(a.group, 'verified');
      const c = await reportGroup();
      expect(await repos.apiTokens.latestAfter(crisisId, 0, 10)).toEqual([
        { seq: b.seq, group: b.group, erased: false },
        { seq: a2.seq, group: a2.group, erased: false },
        { seq: c.seq, group: c.group, erased: false },
      ]);
      expect(seqsOf(await repos.apiTokens.latestAfter(crisisId, 0, 2))).toEqual([b.seq, a2.seq]);
      expect(seqsOf(await repos.apiTokens.latestAfter(crisisId, a2.seq, 10))).toEqual([c.seq]);
      expect(await repos.apiTokens.stateAt(a.group.id, b.seq)).toEqual(a.group);
      expect(await repos.apiTokens.stateAt(a.group.id, a2.seq)).toEqual(a2.group);
      expect(await repos.apiTokens.stateAt(c.group.id, a2.seq)).toBeNull();
      expect(await repos.apiTokens.latestOf(a.group.id)).toEqual({ seq: a2.seq, group: a2.group, erased: false });
      expect(await repos.apiTokens.latestOf(uuidv7())).toBeNull();
      // An erasure's tombstone is named as such (issue 21).
      const tomb = { ...c.group, version: 2 };
      const erasedSeq = await repos.changeLog.appendGroupChange('group.erase', tomb, null, at(9));
      expect(await repos.apiTokens.latestOf(c.group.id)).toEqual({ seq: erasedSeq, group: tomb, erased: true });
      expect(await repos.apiTokens.latestAfter(crisisId, a2.seq, 10)).toEqual([{ seq: erasedSeq, group: tomb, erased: true }]);
    });
  });

  describe('admin areas', () => {
    const west = area('LY01', 1, { type: 'Polygon', coordinates: [square(9, 19, 15, 34)] });
    const named = area('LY02', 1, null, null, 'East (named only)');
    const district = {
      ...area('LY0201', 2, { type: 'MultiPolygon', coordinates: [[square(15, 19, 20, 34), square(16, 20, 17, 21)]] }, 'LY02'),
      nameAr: 'خليج',
      nameFr: 'Golfe',
    };
    const load = { source: 'adm1.geojson', synthetic: false, loadedAt: at(1), loadedBy: null };

    it('has no boundaries, version 0 and nothing pending before a load', async () => {
      expect(await repos.adminAreas.boundaries(crisisId)).toBeNull();
      expect(await repos.adminAreas.version(crisisId)).toBe(0);
      expect(await repos.adminAreas.listByCrisis(crisisId)).toEqual([]);
      expect(await repos.adminAreas.pendingRecomputes()).toEqual([]);
    });

    it('round-trips areas (holes, multipolygons, areas without geometry) and starts version 1 pending from key 0', async () => {
      const version = await repos.transaction(() => repos.adminAreas.replace(crisisId, [district, named, west], load));
      expect(version).toBe(1);
      expect(await repos.adminAreas.listByCrisis(crisisId)).toEqual([west, named, district]);
      expect(await repos.adminAreas.boundaries(crisisId)).toEqual({
        version: 1,
        source: 'adm1.geojson',
        synthetic: false,
        loadedAt: at(1),
        loadedBy: null,
        recomputeAfter: 0,
      });
      expect(await repos.adminAreas.pendingRecomputes()).toEqual([crisisId]);
    });

    it('replaces every area on the next load, raises the version and restarts the cursor', async () => {
      await repos.transaction(() => repos.adminAreas.replace(crisisId, [west, named, district], load));
      await repos.adminAreas.setRecomputeCursor(crisisId, 1, 42);
      expect((await repos.adminAreas.boundaries(crisisId))?.recomputeAfter).toBe(42);
      const version = await repos.transaction(() => repos.adminAreas.replace(crisisId, [west], { ...load, source: 'synthetic', synthetic: true }));
      expect(version).toBe(2);
      expect(await repos.adminAreas.version(crisisId)).toBe(2);
      expect(await repos.adminAreas.listByCrisis(crisisId)).toEqual([west]);
      expect(await repos.adminAreas.boundaries(crisisId)).toMatchObject({ version: 2, synthetic: true, recomputeAfter: 0 });
    });

    it('moves the cursor of the current version only, and a finished one is no longer pending', async () => {
      await repos.transaction(() => repos.adminAreas.replace(crisisId, [west], load));
      await repos.transaction(() => repos.adminAreas.replace(crisisId, [west], load));
      await repos.adminAreas.setRecomputeCursor(crisisId, 1, 7);
      expect((await repos.adminAreas.boundaries(crisisId))?.recomputeAfter).toBe(0);
      await repos.adminAreas.setRecomputeCursor(crisisId, 2, null);
      expect((await repos.adminAreas.boundaries(crisisId))?.recomputeAfter).toBeNull();
      expect(await repos.adminAreas.pendingRecomputes()).toEqual([]);
    });

    it('keeps each crisis its own boundaries', async () => {
      const other = makeCrisis();
      await repos.crises.insert(other);
      await repos.transaction(() => repos.adminAreas.replace(crisisId, [west], load));
      expect(await repos.adminAreas.listByCrisis(other.id)).toEqual([]);
      expect(await repos.adminAreas.version(other.id)).toBe(0);
    });
  });

  describe('transactions', () => {
    it('commits every write together, and a throw rolls back all of them and reaches the caller', async () => {
      const kept = makeCrisis();
      const result = await repos.transaction(async () => {
        expect(repos.inTransaction()).toBe(true);
        await repos.crises.insert(kept);
        await reportGroup();
        return 'done';
      });
      expect(result).toBe('done');
      expect(repos.inTransaction()).toBe(false);
      const lost = makeCrisis();
      await expect(
        repos.transaction(async () => {
          await repos.crises.insert(lost);
          await reportGroup();
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      expect(await repos.crises.findById(kept.id)).not.toBeNull();
      expect(await repos.crises.findById(lost.id)).toBeNull();
      expect(await repos.changeLog.headSeq()).toBe(1);
    });

    it('rolls back only a nested transaction that throws, keeps the outer writes, and gives its seqs back', async () => {
      const seqs = await repos.transaction(async () => {
        const first = await reportGroup();
        await expect(
          repos.transaction(async () => {
            await reportGroup();
            await repos.crises.insert(makeCrisis({ id: first.group.id }));
            throw new Error('inner');
          }),
        ).rejects.toThrow('inner');
        const second = await reportGroup();
        await repos.transaction(async () => {
          await reportGroup();
        });
        return [first.seq, second.seq];
      });
      expect(seqs).toEqual([1, 2]);
      expect(seqsOf(await repos.changeLog.listRange(0, 10, 10))).toEqual([1, 2, 3]);
      expect(await repos.crises.count()).toBe(1);
    });

    it("does not let a call outside a transaction see or join that transaction's writes", async () => {
      const crisis = makeCrisis();
      const written = signal();
      const carryOn = signal();
      const tx = repos.transaction(async () => {
        await repos.crises.insert(crisis);
        expect(await repos.crises.findById(crisis.id)).not.toBeNull();
        written.resolve();
        await carryOn.promise;
        throw new Error('rolled back');
      });
      await written.promise;
      // This call is made outside the transaction (this test's own context). SQLite makes it wait
      // for the transaction; PostgreSQL runs it on another connection. Either way it must not see
      // the uncommitted crisis, nor become part of the transaction that is about to roll back.
      expect(repos.inTransaction()).toBe(false);
      const outsideRead = repos.crises.findById(crisis.id);
      const outsideWrite = repos.crises.insert(makeCrisis({ name: 'outside' }));
      carryOn.resolve();
      await expect(tx).rejects.toThrow('rolled back');
      expect(await outsideRead).toBeNull();
      await outsideWrite;
      expect((await repos.crises.list()).map((c) => c.name)).toEqual(['Test crisis', 'outside']);
    });

    it('treats work a transaction started but did not await as outside it once it has ended', async () => {
      const gate = signal();
      const crisis = makeCrisis();
      let later: Promise<boolean> = Promise.resolve(true);
      await repos.transaction(async () => {
        later = gate.promise.then(async () => {
          await repos.crises.insert(crisis);
          return repos.inTransaction();
        });
      });
      gate.resolve();
      expect(await later).toBe(false);
      const other = await opened.another();
      expect(await other.crises.findById(crisis.id)).toEqual(crisis);
    });

    it('reads one snapshot in a read transaction while another connection commits', async () => {
      const other = await opened.another();
      const newcomer = makeCrisis();
      const counts = await repos.readTransaction(async () => {
        const before = await repos.crises.count();
        await other.transaction(() => other.crises.insert(newcomer));
        const after = await repos.crises.count();
        const seen = await repos.crises.findById(newcomer.id);
        return { before, after, seen };
      });
      expect(counts).toEqual({ before: 1, after: 1, seen: null });
      expect(await repos.crises.count()).toBe(2);
    });
  });
});
