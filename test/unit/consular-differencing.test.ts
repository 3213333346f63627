import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { aggregateForEmbassy } from '../../shared/aggregate';
import { consularSnapshot } from '../../shared/consular';
import { embassyMaySee } from '../../shared/projection';
import type { Group, GroupStatus } from '../../shared/schemas/group.schema';
import { GROUP_STATUSES } from '../../shared/schemas/group.schema';
import type { NeedType } from '../../shared/schemas/need.schema';
import { h3AreaIndex } from '../../server/services/h3-area-index';
import { changeLeaks, findLeaks } from '../support/differencing-adversary';
import { makeGroup } from '../support/factories';

const CRISIS = uuidv7();
const STATE = 'NGA';
const TRIPOLI = { lat: 32.89, lon: 13.19 };
const BENGHAZI = { lat: 32.12, lon: 20.07 };
const SABHA = { lat: 27.04, lon: 14.43 };
const NO_AGES = { under5: 0, age5to17: 0, age18to59: 0, age60plus: 0 };

/** A group of `nationals` NGA (and `others` of another state) at a place, hidden from the embassy unless `consent`. */
function group(
  at: { lat: number; lon: number },
  nationals: number,
  o: { others?: number; status?: GroupStatus; needs?: NeedType[]; consent?: boolean; docsLost?: number; intention?: Group['intention'] } = {},
): Group {
  const others = o.others ?? 0;
  return makeGroup({
    crisisId: CRISIS,
    location: { ...at, accuracyM: 20, placeName: 'Somewhere', siteType: 'urban_dispersed', siteId: null },
    headcount: { total: nationals + others, female: NO_AGES, male: NO_AGES },
    nationalities: [{ code: STATE, count: nationals }, ...(others > 0 ? [{ code: 'NER', count: others }] : [])],
    needs: (o.needs ?? ['water']).map((type) => ({ id: uuidv7(), type, severity: 3, people: nationals + others, status: 'open' as const })),
    status: o.status ?? 'reported',
    consentConsulate: o.consent ? 'yes' : 'no',
    documents: { valid: 0, lostOrDestroyed: Math.min(o.docsLost ?? 0, nationals + others), confiscated: 0, neverHad: 0, unknown: 0 },
    intention: o.intention ?? 'undecided',
  });
}

/** A crisis as the issue found it: mixed hidden groups, small parts next to their totals. */
function crisis(): Group[] {
  return [
    // Tripoli: people 27, in need 24: three nationals with no open need (the example).
    group(TRIPOLI, 12, { others: 5, needs: ['water', 'food'] }),
    group(TRIPOLI, 12, { status: 'verified', needs: ['shelter'], docsLost: 3 }),
    group(TRIPOLI, 3, { others: 9, needs: [] }),
    group(TRIPOLI, 6, { consent: true, needs: ['documents'] }),
    // Benghazi: one small status beside a big one, documents lost for most but not all.
    group(BENGHAZI, 20, { needs: ['medical'], docsLost: 18, intention: 'evacuate_to_origin' }),
    group(BENGHAZI, 2, { status: 'assisted', needs: [], others: 4 }),
    // Sabha: several small statuses under one total.
    group(SABHA, 3, { status: 'verified' }),
    group(SABHA, 2, { status: 'assisted', needs: ['food'] }),
    group(SABHA, 4, { status: 'unreachable', needs: [] }),
  ];
}

/** What one embassy receives at one moment: its areas, its overview, the groups it sees in full. */
function received(groups: Group[]) {
  const { aggregates, overview } = consularSnapshot(groups, STATE, h3AreaIndex);
  return { state: STATE, areas: aggregates.areas, overview, fullGroups: groups.filter((g) => embassyMaySee(g, STATE)) };
}

describe('aggregates against differencing (protection rule 10)', () => {
  it('gives back no hidden count from 1 to 4 by subtracting figures of one moment', () => {
    expect(findLeaks(received(crisis()))).toEqual([]);
  });

  it('gives back none for any crisis of mixed hidden groups', () => {
    const statuses = GROUP_STATUSES.filter((s) => s !== 'duplicate');
    const arbGroup = fc.record({
      at: fc.constantFrom(TRIPOLI, BENGHAZI, SABHA),
      nationals: fc.integer({ min: 1, max: 30 }),
      others: fc.integer({ min: 0, max: 10 }),
      status: fc.constantFrom(...statuses),
      needs: fc.subarray<NeedType>(['water', 'food', 'shelter', 'medical', 'documents']),
      consent: fc.boolean(),
      docsLost: fc.integer({ min: 0, max: 30 }),
      returning: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(arbGroup, { minLength: 1, maxLength: 14 }), (specs) => {
        const groups = specs.map((s) => group(s.at, s.nationals, { ...s, intention: s.returning ? 'evacuate_to_origin' : 'stay' }));
        expect(findLeaks(received(groups))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('changes no figure by 1 to 4 while one hidden group of two moves from place to place', () => {
    const groups = crisis();
    const mover = group(TRIPOLI, 2, { needs: ['water'] });
    const path = [TRIPOLI, BENGHAZI, SABHA, TRIPOLI];
    const moments = path.map((at) => aggregateForEmbassy([...groups, { ...mover, location: { ...mover.location, ...at } }], STATE, h3AreaIndex).areas);
    for (let i = 1; i < moments.length; i++) expect(changeLeaks(moments[i - 1]!, moments[i]!)).toEqual([]);
  });
});
