import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateForEmbassy, breakdownPins, SUPPRESSED, type AreaIndex } from '../../shared/aggregate';
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
  .map(
    (r): Group => ({
      ...base,
      id: r.id,
      location: { ...base.location, lat: r.north ? 22 : 20 },
      headcount: { ...base.headcount, total: 12 },
      nationalities: [
        ...(r.nga > 0 ? [{ code: 'NGA', count: r.nga }] : []),
        ...(r.ner > 0 ? [{ code: 'NER', count: r.ner }] : []),
      ],
      consentConsulate: r.consent,
      protectionConcern: r.flag,
      status: r.status,
      intention: r.intention,
      documents: { ...base.documents, lostOrDestroyed: r.lost, confiscated: 0 },
      needs: r.needs.map((type, i) => ({ id: `${r.id.slice(0, 34)}${String(i).padStart(2, '0')}`, type, severity: 3, people: 4, status: 'open' as const })),
    }),
  );

const seesInFull = (g: Group) => g.consentConsulate === 'yes' && !g.protectionConcern && g.nationalities.some((n) => n.code === STATE);

describe(breakdownPins.name, () => {
  it('withholds a breakdown that pins a "<5" part beside its total, and keeps one that does not', () => {
    expect(breakdownPins(12, [8, 4])).toBe(true); // 12 - 8
    expect(breakdownPins(10, [5, 5])).toBe(false); // nothing suppressed
    expect(breakdownPins(8, [4, 4])).toBe(true); // two parts summing to 8: both 4
    expect(breakdownPins(7, [5, 1, 1])).toBe(true); // two parts summing to 2: both 1
    expect(breakdownPins(11, [6, 2, 3])).toBe(false); // 2+3, 3+2, 1+4, 4+1
    expect(breakdownPins(4, [1, 1, 1, 1])).toBe(true); // four parts under a "<5" total: all 1
    expect(breakdownPins(3, [2, 1])).toBe(false);
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

  it('never lets an area\'s status breakdown pin a count of 1 to 4', () => {
    fc.assert(
      fc.property(fc.array(groupArb, { maxLength: 25 }), (groups) => {
        for (const area of aggregateForEmbassy(groups, STATE, bands).areas) {
          const parts = Object.values(area.byStatus);
          const small = parts.filter((p) => p === SUPPRESSED).length;
          if (small === 0) continue;
          // Every assignment of 1-4 to the "<5" parts that adds up to what is shown: each part must have two possible values.
          const rest = typeof area.people === 'number' ? area.people - parts.reduce<number>((s, p) => s + (typeof p === 'number' ? p : 0), 0) : null;
          const options = new Map<number, Set<number>>();
          const walk = (i: number, chosen: number[]) => {
            if (i === small) {
              const sum = chosen.reduce((s, n) => s + n, 0);
              if (rest === null ? sum <= 4 : sum === rest) chosen.forEach((v, j) => options.set(j, (options.get(j) ?? new Set()).add(v)));
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
  it('lists only groups seen in full that want to return and are still waiting', () => {
    fc.assert(
      fc.property(fc.array(groupArb, { maxLength: 25 }), (groups) => {
        const ids = evacuationList(groups, STATE).rows.map((r) => r.groupId);
        const expected = groups.filter(
          (g) => seesInFull(g) && g.intention === 'evacuate_to_origin' && !['duplicate', 'closed', 'evacuated', 'returned'].includes(g.status),
        );
        expect(ids.sort()).toEqual(expected.map((g) => g.id).sort());
      }),
    );
  });
});
