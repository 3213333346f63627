import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FilteredGroups } from '../../client/lib/coordination/filtered-groups';
import { NearbyGroups } from '../../client/lib/coordination/nearby-groups';
import { distanceKm } from '../../shared/duplicates';
import { OPEN_STATUSES } from '../../shared/group-status';
import { EMPTY_FILTER, isFiltering, matchesFilter, type GroupFilter } from '../../client/lib/coordination/group-filter';
import { CounterTally, NationalityTally } from '../../client/lib/coordination/live-tallies';
import { TriageIndex, triageRowOrder } from '../../client/lib/coordination/triage-index';
import { featureChanges, groupsToFeatureCollection, type DrawnPoint, type GroupFeature } from '../../client/lib/map/group-features';
import { ChangeLog } from '../../client/lib/state/change-log';
import { sortNewestFirst } from '../../client/lib/state/group-display';
import { NewestFirstOrder } from '../../client/lib/state/live-order';
import { SortedIndex } from '../../client/lib/state/sorted-index';
import { ChangeFeed } from '../../client/lib/sync/change-feed';
import type { HeldView } from '../../client/lib/sync/held-view';
import { countersOf } from '../../shared/counters';
import { GROUP_STATUSES, type Group, type GroupView } from '../../shared/schemas/group.schema';
import { NEED_TYPES } from '../../shared/schemas/need.schema';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { triage, urgencyOf, urgencyScore, type UrgencyMemo } from '../../shared/urgency';
import { makeGroup } from '../support/factories';

// Every index the coordinator's page keeps from batch to batch (the filter's result, the list's
// order, the triage queue, the counters, the nationalities, the map's features) must show exactly
// what a full recomputation over the groups would, after any sequence of live changes, removals
// and snapshots, applied in batches of any size.

const base = makeGroup();
const IDS = Array.from({ length: 24 }, (_, i) => `0190${String(i).padStart(4, '0')}-0000-7000-8000-000000000000`);
const AGENCY = '01900000-0000-7000-8000-0000000000aa';
const NOW = Date.parse('2026-01-04T00:00:00.000Z');
const time = fc.integer({ min: 0, max: 96 }).map((h) => new Date(NOW - h * 3_600_000).toISOString());

const groupArb = (id: string): fc.Arbitrary<GroupView> =>
  fc.oneof(
    { weight: 5, arbitrary: fullArb(id) },
    {
      weight: 1,
      arbitrary: fc
        .record({ status: fc.constantFrom(...GROUP_STATUSES), needTypes: fc.subarray([...NEED_TYPES], { maxLength: 2 }), version: fc.nat() })
        .map((r): GroupView => ({ view: 'reduced', group: { id, lat: 32, lon: 13, status: r.status, needTypes: r.needTypes, version: r.version } })),
    },
  );

function fullArb(id: string): fc.Arbitrary<GroupView> {
  return fc
    .record({
      status: fc.constantFrom(...GROUP_STATUSES),
      seenAt: time,
      reportedAt: time,
      total: fc.integer({ min: 0, max: 30 }),
      nats: fc.array(fc.record({ code: fc.constantFrom('NGA', 'NER', 'SDN', 'stateless', 'unknown'), count: fc.nat({ max: 10 }) }), { maxLength: 3 }),
      needs: fc.array(
        fc.record({
          type: fc.constantFrom(...NEED_TYPES),
          severity: fc.integer({ min: 1, max: 5 }),
          people: fc.nat({ max: 20 }),
          status: fc.constantFrom('open', 'met', 'cancelled', 'in_progress'),
          assigned: fc.constantFrom(null, 'proposed', 'accepted', 'declined'),
          late: fc.boolean(),
        }),
        { maxLength: 3 },
      ),
      unaccompanied: fc.nat({ max: 3 }),
      version: fc.nat(),
      lat: fc.constantFrom(32, 33, Number.NaN),
      // Admin 1 of three, or none: the counters' table by admin 1 follows the groups in and out.
      admin1: fc.constantFrom(null, 'LY01', 'LY02'),
    })
    .map((r): GroupView => {
      const needs = r.needs.map((n, i) => ({
        ...base.needs[0]!,
        id: `${id.slice(0, -2)}${String(i).padStart(2, '0')}`,
        type: n.type,
        severity: n.severity,
        people: n.people,
        status: n.status as 'open',
      }));
      const assignments = r.needs.flatMap((n, i) =>
        n.assigned === null
          ? []
          : [
              {
                id: `${id.slice(0, -3)}a${String(i).padStart(2, '0')}`,
                groupId: id,
                needId: needs[i]!.id,
                agencyId: AGENCY,
                status: n.assigned as 'accepted',
                peopleReached: 0,
                note: '',
                expectedBy: n.late ? new Date(NOW - 3_600_000).toISOString() : null,
                createdBy: AGENCY,
                updatedAt: r.seenAt,
                version: 1,
              },
            ],
      );
      const group: Group = {
        ...base,
        id,
        status: r.status,
        seenAt: r.seenAt,
        reportedAt: r.reportedAt,
        version: r.version,
        location: { ...base.location, lat: r.lat },
        admin: { admin1: r.admin1 === null ? null : { pcode: r.admin1, name: `Region ${r.admin1}` }, admin2: null },
        headcount: { ...base.headcount, total: r.total },
        nationalities: r.nats,
        needs,
        assignments,
        vulnerabilities: { ...base.vulnerabilities, unaccompaniedChildren: r.unaccompanied },
      };
      return { view: 'full', group };
    });
}

/** One step of the live feed: a batch of upserts and removals, or a snapshot replacing everything. */
type Step = { kind: 'batch'; changes: { id: string; view: GroupView | null }[] } | { kind: 'snapshot'; views: GroupView[] };
const idArb = fc.constantFrom(...IDS);
const changeArb = idArb.chain((id) =>
  fc.oneof({ weight: 4, arbitrary: groupArb(id).map((view) => ({ id, view })) }, { weight: 1, arbitrary: fc.constant({ id, view: null }) }),
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.array(changeArb, { maxLength: 8 }).map((changes) => ({ kind: 'batch' as const, changes })) },
  {
    weight: 1,
    arbitrary: fc
      .uniqueArray(idArb, { maxLength: 12 })
      .chain((ids) => fc.tuple(...ids.map(groupArb)))
      .map((views) => ({ kind: 'snapshot' as const, views })),
  },
);

const filterArb: fc.Arbitrary<GroupFilter> = fc.oneof(
  fc.constant(EMPTY_FILTER),
  fc.record({
    statuses: fc.subarray([...GROUP_STATUSES], { maxLength: 2 }),
    needs: fc.subarray([...NEED_TYPES], { maxLength: 2 }),
    clusters: fc.constant<GroupFilter['clusters']>([]),
    nationalities: fc.subarray(['NGA', 'SDN'], { maxLength: 1 }),
    vulnerabilities: fc.constant<GroupFilter['vulnerabilities']>([]),
    agencies: fc.constant<string[]>([]),
    admin1: fc.constant<string[]>([]),
    unassignedOnly: fc.boolean(),
    seenWithinHours: fc.constantFrom(null, 24),
    bounds: fc.constantFrom<GroupFilter['bounds']>(null, [10, 31, 20, 32.5]),
  }),
);

/** Applies a step through the client's real ChangeFeed, which writes the change log. */
function applyStep(feed: ChangeFeed, step: Step, seq: { n: number }): void {
  if (step.kind === 'snapshot') {
    feed.applySnapshot(++seq.n, step.views);
    return;
  }
  for (const { id, view } of step.changes) {
    // A new object every time, as a live change is (a view is replaced, never changed).
    const event: ChangeEvent =
      view === null
        ? { kind: 'group.remove', seq: ++seq.n, groupId: id }
        : { kind: 'group.upsert', seq: ++seq.n, group: { ...view, group: { ...view.group, version: feed.groups.get(id)?.group.version ?? 0 } } as GroupView };
    feed.receive(event);
  }
}

const fulls = (groups: ReadonlyMap<string, HeldView>) => [...groups.values()].flatMap((v) => (v.view === 'full' ? [v.group] : []));

describe('live indexes follow the change log to what a full recomputation gives', () => {
  it('FilteredGroups, NewestFirstOrder, TriageIndex, CounterTally and NationalityTally', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 12 }),
        filterArb,
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        // The clock ticks at times (every minute on the page): scores and "seen within" move with it.
        fc.array(fc.constantFrom(NOW, NOW + 3_600_000), { minLength: 12, maxLength: 12 }),
        (steps, filter, skips, clocks) => {
          const feed = new ChangeFeed();
          feed.applySnapshot(0, []);
          const seq = { n: 0 };
          const filtered = new FilteredGroups();
          const order = new NewestFirstOrder();
          const queue = new TriageIndex((g, now) => urgencyOf(g, now).score);
          const counters = new CounterTally();
          const nationalities = new NationalityTally();
          steps.forEach((step, i) => {
            applyStep(feed, step, seq);
            // Readers skip batches at times: a later look must still catch up.
            if (skips[i]) return;
            const now = clocks[i]!;
            filtered.update(feed.groups, feed.log, filter, now);
            const expected = [...feed.groups].filter(([, v]) => !isFiltering(filter) || matchesFilter(v, filter, now));
            expect(new Map(filtered.groups)).toEqual(new Map(expected));

            order.update(filtered.groups, filtered.log);
            expect(order.toArray()).toEqual(sortNewestFirst(filtered.groups.values()));

            queue.update(filtered.groups, filtered.log, now);
            const full = triage(fulls(filtered.groups), now).map((r) => ({ group: r.group, score: r.urgency.score }));
            expect(queue.toArray()).toEqual(full.sort(triageRowOrder));

            expect(counters.update(filtered.groups, filtered.log)).toEqual(countersOf(fulls(filtered.groups)));
            const codes = [...new Set(fulls(feed.groups).flatMap((g) => g.nationalities.map((n) => n.code)))].sort();
            expect(nationalities.update(feed.groups, feed.log)).toEqual(codes);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a triage rebuild in slices ends where a full ranking does, changes made meanwhile included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 5 }), async (steps, slice) => {
        const feed = new ChangeFeed();
        feed.applySnapshot(0, []);
        const seq = { n: 0 };
        const queue = new TriageIndex((g, now) => urgencyOf(g, now).score);
        const pending = [...steps];
        // Each pause between slices lets the next step of the feed land.
        const pause = async () => {
          const step = pending.shift();
          if (step) applyStep(feed, step, seq);
        };
        // A snapshot during the slices makes the rebuild give up; the queue's next plan starts over.
        while (!(await queue.rebuild(feed.groups, feed.log, NOW, pause, slice))) expect(queue.plan(feed.groups, feed.log, NOW)).toBe('restart');
        while (pending.length > 0) applyStep(feed, pending.shift()!, seq);
        queue.update(feed.groups, feed.log, NOW);
        const full = triage(fulls(feed.groups), NOW).map((r) => ({ group: r.group, score: r.urgency.score }));
        expect(queue.toArray()).toEqual(full.sort(triageRowOrder));
      }),
      { numRuns: 200 },
    );
  });

  it('featureChanges over the logged ids turns the drawn features into those of the groups now', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 10 }),
        fc.array(fc.subarray(IDS, { maxLength: 4 }), { minLength: 10, maxLength: 10 }),
        fc.array(fc.constantFrom<number | undefined>(undefined, NOW, NOW - 7_200_000), { minLength: 10, maxLength: 10 }),
        (steps, pendings, clocks) => {
          const feed = new ChangeFeed();
          feed.applySnapshot(0, []);
          const seq = { n: 0 };
          let features = new Map<string, GroupFeature>();
          let drawn = new Map<string, DrawnPoint>();
          let cursor = feed.log.position;
          let drawnPending: ReadonlySet<string> = new Set();
          let drawnClock: number | undefined;
          steps.forEach((step, i) => {
            applyStep(feed, step, seq);
            const pending = new Set(pendings[i]);
            const clock = clocks[i];
            const logged = feed.log.since(cursor);
            cursor = feed.log.position;
            // What GroupMap does: the logged ids and the ids whose pending mark moved; every id after a clock change.
            const ids =
              logged === null || clock !== drawnClock
                ? new Set([...feed.groups.keys(), ...drawn.keys()])
                : new Set([...logged, ...[...pending].filter((id) => !drawnPending.has(id)), ...[...drawnPending].filter((id) => !pending.has(id))]);
            const diff = featureChanges(drawn, feed.groups, ids, pending, clock, 1_000)!;
            for (const id of diff.remove) features.delete(id);
            for (const f of diff.add) features.set(f.properties.id, f);
            for (const [id, point] of diff.drawn)
              if (point) drawn.set(id, point);
              else drawn.delete(id);
            drawnPending = pending;
            drawnClock = clock;
            const expected = new Map(groupsToFeatureCollection(feed.groups, pending, clock).features.map((f) => [f.properties.id, f]));
            expect(features).toEqual(expected);
            expect(new Set(drawn.keys())).toEqual(new Set(expected.keys()));
            expect(featureChanges(drawn, feed.groups, ids, pending, clock, 0)).toEqual({ add: [], remove: [], drawn: [] });
          });
          void features;
          features = new Map();
          drawn = new Map();
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe(NearbyGroups.name, () => {
  it('keeps the open groups within reach of the shown one as a full measurement finds them', () => {
    const byKm = (xs: { g: { id: string }; km: number }[]) => xs.map((x) => [x.g.id, x.km] as const).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 10 }),
        fc.array(fc.constantFrom(...IDS.slice(0, 3)), { minLength: 10, maxLength: 10 }),
        (steps, centers) => {
          const feed = new ChangeFeed();
          feed.applySnapshot(0, []);
          const seq = { n: 0 };
          const nearby = new NearbyGroups(50);
          steps.forEach((step, i) => {
            applyStep(feed, step, seq);
            const shown = feed.groups.get(centers[i]!);
            if (shown?.view !== 'full' || !Number.isFinite(shown.group.location.lat)) return;
            const center = shown.group;
            const expected = fulls(feed.groups)
              .filter((g) => g.id !== center.id && OPEN_STATUSES.includes(g.status))
              .map((g) => ({ g, km: distanceKm(center.location, g.location) }))
              .filter((x) => x.km <= 50);
            expect(byKm(nearby.update(center, feed.groups, feed.log, Infinity))).toEqual(byKm(expected));
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe(urgencyScore.name, () => {
  it('is the score of urgencyOf, at any clock, for a group scored before at another', () => {
    const memo: UrgencyMemo = new WeakMap();
    fc.assert(
      fc.property(fullArb(IDS[0]!), fc.array(fc.integer({ min: -100 * 3_600_000, max: 100 * 3_600_000 }), { minLength: 1, maxLength: 4 }), (view, shifts) => {
        if (view.view !== 'full') return;
        for (const shift of shifts) expect(urgencyScore(view.group, NOW + shift, memo)).toBe(urgencyOf(view.group, NOW + shift).score);
      }),
      { numRuns: 1000 },
    );
  });
});

describe(TriageIndex.name, () => {
  it('follows changes, reranks on a new clock, restarts on a replaced collection, and waits for a rebuild under way', async () => {
    const feed = new ChangeFeed();
    feed.applySnapshot(
      0,
      IDS.slice(0, 6).map((id) => ({ view: 'full', group: { ...base, id } }) as GroupView),
    );
    const queue = new TriageIndex((g, now) => urgencyOf(g, now).score);
    const plan = (now: number) => queue.plan(feed.groups, feed.log, now);
    expect(plan(NOW)).toBe('restart');
    await queue.rebuild(feed.groups, feed.log, NOW, async () => {});
    expect(plan(NOW)).toBe('follow');

    const later = NOW + 60_000;
    expect(plan(later)).toBe('rerank');
    let during: string[] = [];
    await queue.rebuild(
      feed.groups,
      feed.log,
      later,
      async () => {
        during.push(plan(later));
        feed.receive({ kind: 'group.remove', seq: 1, groupId: IDS[0]! });
        during.push(plan(later));
      },
      2,
    );
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((p) => p === 'wait')).toBe(true);
    expect(plan(later)).toBe('follow');

    // A snapshot (or a new filter) while a new clock is being ranked: start over, whatever the clock.
    during = [];
    await queue.rebuild(feed.groups, feed.log, later + 60_000, async () => {
      if (during.length === 0) feed.applySnapshot(2, []);
      during.push(plan(later + 60_000));
    });
    expect(during[0]).toBe('restart');
    feed.applySnapshot(
      3,
      IDS.slice(0, 2).map((id) => ({ view: 'full', group: { ...base, id } }) as GroupView),
    );
    expect(plan(later + 60_000)).toBe('restart');
  });
});

describe(SortedIndex.name, () => {
  it('holds the order of a full sort through any inserts, moves and removals, across block splits and merges', () => {
    type Row = { id: string; key: number };
    const order = (a: Row, b: Row) => a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const opArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.option(fc.integer({ min: 0, max: 9 }), { nil: null })), { maxLength: 30 });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 10 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 12 }), (batches, block, mergeMin) => {
        const index = new SortedIndex<Row>(order, { block, mergeMin });
        const now = new Map<string, Row>();
        for (const batch of batches) {
          const ids = new Set<string>();
          for (const [n, key] of batch) {
            const id = `g${n}`;
            ids.add(id);
            if (key === null) now.delete(id);
            else now.set(id, { id, key });
          }
          index.apply(ids, (id) => now.get(id));
          const expected = [...now.values()].sort(order);
          expect(index.toArray()).toEqual(expected);
          expect(index.size).toBe(expected.length);
          expect(index.slice(1, 5)).toEqual(expected.slice(1, 5));
          for (const [i, row] of expected.entries()) expect(index.indexOf(row.id)).toBe(i);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe(ChangeLog.name, () => {
  it('names each id touched after a cursor once', () => {
    const log = new ChangeLog();
    log.touch('a');
    const cursor = log.position;
    log.touch('b');
    log.touch('a');
    log.touch('b');
    expect([...log.since(cursor)!]).toEqual(['b', 'a']);
    expect(log.since(log.position)!.size).toBe(0);
  });

  it('sends a reader back to the start after a reset, for another log, or when it fell behind what is kept', () => {
    const log = new ChangeLog(4);
    const start = log.position;
    expect(log.since(null)).toBeNull();
    expect(new ChangeLog().since(start)).toBeNull();
    for (const id of ['a', 'b', 'c', 'd', 'e']) log.touch(id);
    expect(log.since(start)).toBeNull();
    const recent = log.position;
    log.touch('f');
    expect([...log.since(recent)!]).toEqual(['f']);
    log.resetAll();
    expect(log.since(recent)).toBeNull();
  });
});
