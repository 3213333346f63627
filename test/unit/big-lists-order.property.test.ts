import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareNewestFirst, resortNewestFirst, sortNewestFirst } from '../../client/lib/state/group-display';
import { triage, triageTop } from '../../shared/urgency';
import { GROUP_STATUSES, type GroupView } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';

// The faster orderings the big-crisis lists use give exactly the order of the plain ones.

const base = makeGroup();
const seenAt = fc.date({ min: new Date('2026-01-01'), max: new Date('2026-01-03'), noInvalidDate: true }).map((d) => d.toISOString());
const viewArb: fc.Arbitrary<GroupView> = fc.oneof(
  fc
    .record({
      id: fc.uuid(),
      seenAt,
      reportedAt: seenAt,
      status: fc.constantFrom(...GROUP_STATUSES),
      total: fc.integer({ min: 1, max: 50 }),
      unaccompanied: fc.nat({ max: 3 }),
    })
    .map((r): GroupView => ({
      view: 'full',
      group: {
        ...base,
        id: r.id,
        seenAt: r.seenAt,
        reportedAt: r.reportedAt,
        status: r.status,
        headcount: { ...base.headcount, total: r.total },
        vulnerabilities: { ...base.vulnerabilities, unaccompaniedChildren: Math.min(r.unaccompanied, r.total) },
      },
    })),
  fc
    .record({ id: fc.uuid(), status: fc.constantFrom(...GROUP_STATUSES) })
    .map((r): GroupView => ({ view: 'reduced', group: { id: r.id, lat: 1, lon: 2, status: r.status, needTypes: [], version: 1 } })),
);

describe('orders of big lists', () => {
  it('sortNewestFirst is the order of compareNewestFirst', () => {
    fc.assert(
      fc.property(fc.uniqueArray(viewArb, { selector: (v) => v.group.id, maxLength: 40 }), (views) => {
        expect(sortNewestFirst(views)).toEqual([...views].sort(compareNewestFirst));
      }),
    );
  });

  it('resortNewestFirst from a previous order gives the order of a full sort', () => {
    fc.assert(
      fc.property(fc.uniqueArray(viewArb, { selector: (v) => v.group.id, maxLength: 300 }), fc.array(fc.nat(), { maxLength: 300 }), (views, picks) => {
        const before = new Map(views.slice(0, Math.ceil(views.length / 2)).map((v) => [v.group.id, v]));
        const now = new Map<string, GroupView>();
        views.forEach((v, i) => {
          const pick = (picks[i] ?? 0) % 10;
          // Mostly kept; some changed (new object, seen later), some new, some gone.
          if (pick < 7 && before.has(v.group.id)) now.set(v.group.id, v);
          else if (pick < 9 && v.view === 'full') now.set(v.group.id, { view: 'full', group: { ...v.group, seenAt: '2026-01-05T00:00:00.000Z' } });
          else if (pick < 9) now.set(v.group.id, { ...v });
        });
        const previous = resortNewestFirst(null, before);
        expect(previous.sorted).toEqual([...before.values()].sort(compareNewestFirst));
        expect(resortNewestFirst(previous, now).sorted).toEqual([...now.values()].sort(compareNewestFirst));
      }),
    );
  });

  it('triageTop is the head of triage, and counts all of it', () => {
    fc.assert(
      fc.property(fc.uniqueArray(viewArb, { selector: (v) => v.group.id, maxLength: 40 }), fc.integer({ min: 1, max: 10 }), (views, limit) => {
        const groups = views.flatMap((v) => (v.view === 'full' ? [v.group] : []));
        const now = Date.parse('2026-01-04T00:00:00.000Z');
        const all = triage(groups, now);
        expect(triageTop(groups, now, limit)).toEqual({ count: all.length, top: all.slice(0, limit) });
      }),
    );
  });
});
