import { v7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { CounterTally } from '../../client/lib/coordination/live-tallies';
import { TriageIndex } from '../../client/lib/coordination/triage-index';
import { attentionOf, groupToFeature, groupsToFeatureCollection } from '../../client/lib/map/group-features';
import { ChangeLog } from '../../client/lib/state/change-log';
import { projectedViews, type HeldView } from '../../client/lib/sync/held-view';
import { countersOf } from '../../shared/counters';
import { summarizeView } from '../../shared/packed-views';
import type { Assignment } from '../../shared/schemas/assignment.schema';
import type { Group, GroupView } from '../../shared/schemas/group.schema';
import { urgencyOf } from '../../shared/urgency';
import { makeGroup } from '../support/factories';

// A big crisis's coordinator holds summaries (client/lib/sync/held-view.ts): the map, the counters
// and the triage queue read them as they read full groups, with no stand-in values in between.

const NOW = Date.parse('2026-12-06T12:00:00.000Z');
const full = (group: Group): GroupView => ({ view: 'full', group });
const summary = (group: Group): HeldView => summarizeView(full(group));

/** A group with two open needs (water, food) and an agency on the water one, late when `expectedBy` is past. */
function assisted(expectedBy: string | null): Group {
  const group = makeGroup();
  const water = { id: v7(), type: 'water' as const, severity: 4, people: 10, status: 'open' as const };
  const food = { id: v7(), type: 'food' as const, severity: 2, people: 0, status: 'open' as const };
  const assignment: Assignment = {
    id: v7(),
    groupId: group.id,
    needId: water.id,
    agencyId: v7(),
    status: 'accepted',
    peopleReached: 3,
    note: '',
    expectedBy,
    createdBy: v7(),
    updatedAt: '2026-12-06T08:00:00.000Z',
    version: 1,
  };
  return { ...group, reportedAt: '2026-12-06T01:00:00.000Z', seenAt: '2026-12-06T02:00:00.000Z', needs: [water, food], assignments: [assignment] };
}

describe('map features from a summary', () => {
  it('draws a summary where its full group is, with its people, status and ring', () => {
    for (const group of [assisted(null), assisted('2026-12-06T10:00:00.000Z'), makeGroup()]) {
      expect(groupToFeature(summary(group), false, NOW)).toStrictEqual(groupToFeature(full(group), false, NOW));
    }
  });

  it('rings a summary whose agency is late, and one whose open need nobody has', () => {
    expect(attentionOf(summary(assisted('2026-12-06T10:00:00.000Z')), NOW)).toBe('overdue');
    // The food need has nobody: matched by type on the summary, by id on the full group.
    expect(attentionOf(summary(assisted(null)), NOW)).toBe('unassigned');
    const allTaken = assisted(null);
    allTaken.needs = allTaken.needs.filter((n) => n.type === 'water');
    expect(attentionOf(summary(allTaken), NOW)).toBeNull();
    expect(attentionOf(full(allTaken), NOW)).toBeNull();
  });

  it('draws every summary of a collection', () => {
    const groups = new Map<string, HeldView>([assisted(null), makeGroup()].map((g) => [g.id, summary(g)]));
    expect(groupsToFeatureCollection(groups).features.map((f) => f.id)).toEqual([...groups.keys()]);
  });
});

describe(CounterTally.name, () => {
  it('counts a mix of full views and summaries as it counts the full groups', () => {
    const groups = [assisted(null), makeGroup(), makeGroup({ status: 'evacuated' }), makeGroup({ status: 'assisted' })];
    const held = new Map<string, HeldView>(groups.map((g, i) => [g.id, i % 2 === 0 ? summary(g) : full(g)]));
    const log = new ChangeLog();
    const tally = new CounterTally();
    expect(tally.update(held, log)).toStrictEqual(countersOf(groups));

    // A live full view replaces a summary: counted once, with its new figures.
    const changed = { ...groups[0]!, version: 2, headcount: { ...groups[0]!.headcount, total: groups[0]!.headcount.total + 5 } };
    changed.headcount.male = { ...changed.headcount.male, age18to59: changed.headcount.male.age18to59 + 5 };
    held.set(changed.id, full(changed));
    log.touch(changed.id);
    expect(tally.update(held, log)).toStrictEqual(countersOf([changed, ...groups.slice(1)]));
  });

  it('counts nothing of a summary taken away', () => {
    const group = makeGroup();
    const held = new Map<string, HeldView>([[group.id, summary(group)]]);
    const log = new ChangeLog();
    const tally = new CounterTally();
    expect(tally.update(held, log).stranded).toBe(group.headcount.total);
    held.delete(group.id);
    log.touch(group.id);
    expect(tally.update(held, log)).toStrictEqual(countersOf([]));
  });
});

describe(TriageIndex.name, () => {
  it('ranks summaries by the score of their full groups', () => {
    const groups = [assisted(null), assisted('2026-12-06T10:00:00.000Z'), makeGroup()];
    const held = new Map<string, HeldView>(groups.map((g) => [g.id, summary(g)]));
    const index = new TriageIndex((group, at) => urgencyOf(group, at).score);
    index.update(held, new ChangeLog(), NOW);
    const scores = new Map(index.toArray().map((row) => [row.group.id, row.score]));
    for (const g of groups) expect(scores.get(g.id)).toBe(urgencyOf(g, NOW).score);
  });
});

describe(projectedViews.name, () => {
  it('gives the device copy every view the server projected', () => {
    const views: GroupView[] = [full(makeGroup()), { view: 'reduced', group: { id: v7(), lat: 1, lon: 2, status: 'reported', needTypes: [], version: 1 } }];
    expect(projectedViews(views)).toEqual(views);
  });

  it('refuses to keep summaries as groups: a copy read back through the views schema would drop or mistake them', () => {
    const group = makeGroup();
    expect(projectedViews([full(makeGroup()), summary(group)])).toBeNull();
    // Once a full view replaced the last summary, the groups can be kept again.
    expect(projectedViews([full(group)])).toEqual([full(group)]);
  });
});

describe('HeldView', () => {
  it('makes a screen that forgets the summary case fail the type check', () => {
    // Checked by `tsc --noEmit`: were the summary not a kind of its own, this switch would be
    // exhaustive, the expected error would not occur, and the directive itself would fail the check.
    // @ts-expect-error TS2366: the summary case is missing, so the function may end without a value.
    function people(view: HeldView): number | null {
      switch (view.view) {
        case 'full':
          return view.group.headcount.total;
        case 'nationals':
          return view.group.nationals;
        case 'reduced':
          return null;
      }
    }
    const group = makeGroup();
    expect(people(full(group))).toBe(group.headcount.total);
  });
});
