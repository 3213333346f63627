import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateForEmbassy, SUPPRESSED, type AggregateArea, type AreaIndex } from '../../shared/aggregate';
import { areaPins, withholdPinning } from '../../shared/disclosure-check';
import { consularAssignmentRefusal, consularOverview, evacuationList } from '../../shared/consular';
import { CONSENT_VALUES, GROUP_STATUSES, INTENTIONS, type Group } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';

const STATE = 'NGA';
/** Two test areas by latitude band, independent of H3. */
const bands: AreaIndex = { areaOf: (lat) => (lat < 21 ? 'south' : 'north'), outlineOf: () => [], centreOf: () => [0, 0] };
const base = makeGroup();

const groupArb = fc
  .record({
    id: fc.uuid({ version: 7 }),
    north: fc.boolean(),
    nga: fc.integer({ min: 0, max: 6 }),
    ner: fc.integer({ min: 0, max: 3 }),
    consent: fc.constantFrom(...CONSENT_VALUES),
    flag: fc.boolean(),
    status: fc.constantFrom(...GROUP_STATUSES),
    intention: fc.constantFrom(...INTENTIONS),
    lost: fc.integer({ min: 0, max: 3 }),
    needs: fc.uniqueArray(fc.constantFrom('water', 'documents', 'evacuation'), { maxLength: 3 }),
  })
  .map((r): Group => ({
    ...base,
    id: r.id,
    location: { ...base.location, lat: r.north ? 22 : 20 },
    headcount: { ...base.headcount, total: 12 },
    nationalities: [...(r.nga > 0 ? [{ code: 'NGA', count: r.nga }] : []), ...(r.ner > 0 ? [{ code: 'NER', count: r.ner }] : [])],
    consentConsulate: r.consent,
    protectionConcern: r.flag,
    status: r.status,
    intention: r.intention,
    documents: { ...base.documents, lostOrDestroyed: r.lost, confiscated: 0 },
    needs: r.needs.map((type, i) => ({ id: `${r.id.slice(0, 34)}${String(i).padStart(2, '0')}`, type, severity: 3, people: 4, status: 'open' as const })),
  }));

const seesInFull = (g: Group) => g.consentConsulate === 'yes' && !g.protectionConcern && g.nationalities.some((n) => n.code === STATE);

const area = (a: Partial<AggregateArea>): AggregateArea => ({
  area: 'north',
  admin1: null,
  admin2: null,
  outline: [],
  centre: [0, 0],
  people: 5,
  byStatus: {},
  byNeed: {},
  statusWithheld: false,
  needsWithheld: false,
  figures: {},
  ...a,
});

describe(areaPins.name, () => {
  it("finds a figure pinned through a breakdown's sum, and none where rounding leaves room", () => {
    // Four "<5" statuses under a "<5" total: all 1.
    expect(areaPins(area({ people: SUPPRESSED, byStatus: { reported: '<5', verified: '<5', assisted: '<5', unreachable: '<5' } }))).toBe(true);
    // 5 (5-9) as 5 (5-9) plus four "<5": the total is 9 and each "<5" is 1.
    expect(areaPins(area({ people: 5, byStatus: { reported: 5, verified: '<5', assisted: '<5', unreachable: '<5', relocated: '<5' } }))).toBe(true);
    // In need 20 (20-24) covered by five "<5" needs at most: 20, each 4.
    const fiveNeeds = { water: '<5', food: '<5', shelter: '<5', medical: '<5', documents: '<5' } as const;
    expect(areaPins(area({ people: 20, byStatus: { reported: 20 }, figures: { inNeed: 20 }, byNeed: fiveNeeds }))).toBe(true);
    // The 27 and 24, released as 25 and 20: 0 to 9 without an open need.
    expect(areaPins(area({ people: 25, byStatus: { reported: 25 }, figures: { inNeed: 20 }, byNeed: { water: 20 } }))).toBe(false);
    expect(areaPins(area({ people: 10, byStatus: { reported: 5, verified: '<5' } }))).toBe(false);
  });
});

describe(withholdPinning.name, () => {
  it('withholds the breakdown that pins and keeps the other', () => {
    const pinnedStatuses = area({
      people: SUPPRESSED,
      byStatus: { reported: '<5', verified: '<5', assisted: '<5', unreachable: '<5' },
      byNeed: { water: '<5' },
      figures: { inNeed: '<5' },
    });
    expect(withholdPinning(pinnedStatuses)).toMatchObject({ statusWithheld: true, byStatus: {}, needsWithheld: false, byNeed: { water: '<5' } });
    // Under "<5", two statuses or more are always withheld: withholding only four would say "4".
    expect(withholdPinning(area({ people: SUPPRESSED, byStatus: { reported: '<5', verified: '<5' } }))).toMatchObject({ statusWithheld: true });
    expect(withholdPinning(area({ people: SUPPRESSED, byStatus: { reported: '<5' } }))).toMatchObject({ statusWithheld: false, byStatus: { reported: '<5' } });
    const pinnedNeeds = area({
      people: 20,
      byStatus: { reported: 20 },
      figures: { inNeed: 20 },
      byNeed: { water: '<5', food: '<5', shelter: '<5', medical: '<5', documents: '<5' },
    });
    expect(withholdPinning(pinnedNeeds)).toMatchObject({ statusWithheld: false, byStatus: { reported: 20 }, needsWithheld: true, byNeed: {} });
  });
});

describe(consularOverview.name, () => {
  it('is computed from the groups the embassy sees in full and the areas as shown, nothing else', () => {
    fc.assert(
      fc.property(fc.array(groupArb, { maxLength: 25 }), (groups) => {
        const { areas } = aggregateForEmbassy(groups, STATE, bands);
        expect(consularOverview(groups, STATE, areas)).toEqual(consularOverview(groups.filter(seesInFull), STATE, areas));
      }),
    );
  });

  it("never lets an area's status breakdown pin a count of 1 to 4", () => {
    fc.assert(
      fc.property(fc.array(groupArb, { maxLength: 25 }), (groups) => {
        for (const area of aggregateForEmbassy(groups, STATE, bands).areas) {
          const parts = Object.values(area.byStatus);
          const small = parts.filter((p) => p === SUPPRESSED).length;
          if (small === 0) continue;
          // A number n means n to n+4 (rounded down), "<5" 1 to 4: the "<5" parts together make
          // what the total leaves beside the numbers. Each must keep two possible values.
          const numbers = parts.filter((p): p is number => typeof p === 'number');
          const [lo, hi] = typeof area.people === 'number' ? [area.people, area.people + 4] : [1, 4];
          const restLo = lo - numbers.reduce((s, n) => s + n + 4, 0);
          const restHi = hi - numbers.reduce((s, n) => s + n, 0);
          const options = new Map<number, Set<number>>();
          const walk = (i: number, chosen: number[]) => {
            if (i === small) {
              const sum = chosen.reduce((s, n) => s + n, 0);
              if (sum >= restLo && sum <= restHi) chosen.forEach((v, j) => options.set(j, (options.get(j) ?? new Set()).add(v)));
              return;
            }
            for (let v = 1; v <= 4; v++) walk(i + 1, [...chosen, v]);
          };
          walk(0, []);
          for (let j = 0; j < small; j++) expect(options.get(j)?.size ?? 0).toBeGreaterThan(1);
        }
      }),
    );
  });
});

describe(consularAssignmentRefusal.name, () => {
  const consulate = { type: 'consulate' as const, servesState: STATE };
  const shared = makeGroup({ consentConsulate: 'yes', nationalities: [{ code: STATE, count: 5 }] });

  it('names why a consulate may not take a need, and lets other agencies take anything', () => {
    expect(consularAssignmentRefusal(shared, 'documents', consulate)).toBeNull();
    expect(consularAssignmentRefusal(shared, 'water', consulate)).toBe('consular_need_type');
    expect(consularAssignmentRefusal({ ...shared, consentConsulate: 'no' }, 'evacuation', consulate)).toBe('consular_not_shared');
    expect(consularAssignmentRefusal({ ...shared, protectionConcern: true }, 'evacuation', consulate)).toBe('consular_not_shared');
    expect(consularAssignmentRefusal(shared, 'documents', { type: 'consulate', servesState: 'NER' })).toBe('consular_other_state');
    expect(consularAssignmentRefusal({ ...shared, consentConsulate: 'no' }, 'water', { type: 'un', servesState: null })).toBeNull();
  });
});

describe(evacuationList.name, () => {
  // Still where they were reported: the overview's "want to go home" rule, so both tabs agree (relocated groups are counted as moved there).
  it('lists only groups seen in full that want to return and are still where they were reported', () => {
    fc.assert(
      fc.property(fc.array(groupArb, { maxLength: 25 }), (groups) => {
        const ids = evacuationList(groups, STATE).rows.map((r) => r.groupId);
        const expected = groups.filter(
          (g) => seesInFull(g) && g.intention === 'evacuate_to_origin' && !['duplicate', 'closed', 'evacuated', 'returned', 'relocated'].includes(g.status),
        );
        expect(ids.sort()).toEqual(expected.map((g) => g.id).sort());
      }),
    );
  });
});
