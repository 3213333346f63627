import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { reasonLine } from '../../client/lib/coordination/reason-text';
import {
  EMPTY_FILTER,
  filterFromQuery,
  filterOnLoad,
  filterToQuery,
  isFiltering,
  matchesFilter,
  type GroupFilter,
} from '../../client/lib/coordination/group-filter';
import type { Group, GroupView } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const water = { id: uuidv7(), type: 'water' as const, severity: 5, people: 0, status: 'open' as const };
const full = (overrides: Partial<Group> = {}): GroupView => ({
  view: 'full',
  group: makeGroup({ needs: [water], nationalities: [{ code: 'NGA', count: 1 }], seenAt: new Date(NOW - 3_600_000).toISOString(), ...overrides }),
});
const filter = (f: Partial<GroupFilter>): GroupFilter => ({ ...EMPTY_FILTER, ...f });

describe(matchesFilter.name, () => {
  it('passes everything with the empty filter', () => {
    expect(isFiltering(EMPTY_FILTER)).toBe(false);
    expect(matchesFilter(full(), EMPTY_FILTER, NOW)).toBe(true);
  });

  it('combines "unassigned" and a need type on the same need', () => {
    const g = full();
    const f = filter({ unassignedOnly: true, needs: ['water'] });
    expect(matchesFilter(g, f, NOW)).toBe(true);
    const assigned: GroupView = {
      view: 'full',
      group: {
        ...g.group,
        assignments: [
          {
            id: uuidv7(),
            groupId: g.group.id,
            needId: water.id,
            agencyId: uuidv7(),
            status: 'accepted',
            peopleReached: 0,
            note: '',
            expectedBy: null,
            createdBy: uuidv7(),
            updatedAt: new Date(NOW).toISOString(),
            version: 2,
          },
        ],
      } as Group,
    };
    expect(matchesFilter(assigned, f, NOW)).toBe(false);
    expect(matchesFilter(assigned, filter({ agencies: [assigned.view === 'full' ? assigned.group.assignments[0]!.agencyId : ''] }), NOW)).toBe(true);
  });

  it('filters by status, cluster, nationality, vulnerability, last seen and map view', () => {
    const g = full();
    expect(matchesFilter(g, filter({ statuses: ['verified'] }), NOW)).toBe(false);
    expect(matchesFilter(g, filter({ clusters: ['wash'] }), NOW)).toBe(true);
    expect(matchesFilter(g, filter({ clusters: ['health'] }), NOW)).toBe(false);
    expect(matchesFilter(g, filter({ nationalities: ['SDN'] }), NOW)).toBe(false);
    expect(matchesFilter(g, filter({ vulnerabilities: ['detained'] }), NOW)).toBe(false);
    expect(matchesFilter(g, filter({ seenWithinHours: 2 }), NOW)).toBe(true);
    expect(matchesFilter(g, filter({ seenWithinHours: 0.5 }), NOW)).toBe(false);
    const { lat, lon } = g.view === 'full' ? g.group.location : { lat: 0, lon: 0 };
    expect(matchesFilter(g, filter({ bounds: [lon - 1, lat - 1, lon + 1, lat + 1] }), NOW)).toBe(true);
    expect(matchesFilter(g, filter({ bounds: [lon + 1, lat + 1, lon + 2, lat + 2] }), NOW)).toBe(false);
  });

  it('passes a reduced point only on what it carries', () => {
    const reduced: GroupView = { view: 'reduced', group: { id: uuidv7(), lat: 1, lon: 1, status: 'reported', needTypes: ['water'], version: 1 } };
    expect(matchesFilter(reduced, filter({ needs: ['water'] }), NOW)).toBe(true);
    expect(matchesFilter(reduced, filter({ nationalities: ['NGA'] }), NOW)).toBe(false);
  });
});

describe('filtering by admin 1', () => {
  const west = { admin1: { pcode: 'LY01', name: 'West' }, admin2: null };
  it('keeps groups the server placed in the chosen admin 1, and no group outside every area', () => {
    const f = filter({ admin1: ['LY01'] });
    expect(isFiltering(f)).toBe(true);
    expect(matchesFilter(full({ admin: west }), f, NOW)).toBe(true);
    expect(matchesFilter(full({ admin: { admin1: { pcode: 'LY02', name: 'East' }, admin2: null } }), f, NOW)).toBe(false);
    expect(matchesFilter(full(), f, NOW)).toBe(false);
  });

  it('does not pass an anonymous point, which carries no admin area', () => {
    const point: GroupView = { view: 'reduced', group: { id: uuidv7(), lat: 1, lon: 1, status: 'reported', needTypes: [], version: 1 } };
    expect(matchesFilter(point, filter({ admin1: ['LY01'] }), NOW)).toBe(false);
    expect(matchesFilter(point, EMPTY_FILTER, NOW)).toBe(true);
  });
});

describe(filterToQuery.name, () => {
  it('round-trips through the query string', () => {
    const f = filter({
      statuses: ['reported', 'verified'],
      needs: ['water'],
      clusters: ['wash'],
      nationalities: ['NGA', 'stateless'],
      vulnerabilities: ['unaccompaniedChildren'],
      agencies: [uuidv7()],
      admin1: ['LY01'],
      unassignedOnly: true,
      seenWithinHours: 24,
      bounds: [13.1, 32.8, 13.3, 32.9],
    });
    expect(filterFromQuery(filterToQuery(f))).toEqual(f);
    expect(filterToQuery(EMPTY_FILTER)).toBe('');
  });

  it('drops what it does not know instead of trusting it', () => {
    expect(filterFromQuery('status=reported,bogus&need=<script>&nat=xx&adm1=<b>&seen=-3&view=1,2,nope,4')).toEqual(filter({ statuses: ['reported'] }));
  });
});

describe(reasonLine.name, () => {
  it('words the reasons from the catalogue, the filtered need first', () => {
    const reasons = [
      { kind: 'vulnerability', vulnerability: 'unaccompaniedChildren', count: 3, points: 12 },
      { kind: 'waiting', hours: 9, points: 1.5 },
      { kind: 'need', need: 'water', severity: 5, assigned: false, points: 25 },
    ] as const;
    expect(reasonLine([...reasons])).toBe('3 unaccompanied children, waiting 9 h, no water (severity 5)');
    expect(reasonLine([...reasons], 2, ['water'])).toBe('no water (severity 5), 3 unaccompanied children');
  });
});

describe(filterOnLoad.name, () => {
  it('keeps "only what the map shows" on from a shared link but takes no stale area from it', () => {
    const shared = filterToQuery({ ...EMPTY_FILTER, statuses: ['reported'], bounds: [13, 32.7, 13.4, 33] });
    const { filter, followMap } = filterOnLoad(shared);
    expect(followMap).toBe(true);
    expect(filter.bounds).toBeNull();
    expect(filter.statuses).toEqual(['reported']);
    expect(filterOnLoad(filterToQuery(EMPTY_FILTER)).followMap).toBe(false);
  });
});
