import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { ASSIGNMENT_TRANSITIONS, canMoveAssignment, isActiveAssignment, isOverdue, roleMayMoveAssignment } from '../../shared/assignment-workflow';
import { admin1Lines, countersOf, counterHistory, NO_ADMIN1 } from '../../shared/counters';
import { distanceKm, nationalitySimilarity, proposeDuplicates } from '../../shared/duplicates';
import { ASSIGNMENT_STATUSES, type Assignment } from '../../shared/schemas/assignment.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { threeWCsv } from '../../shared/exports/threew-csv';
import { assignmentDates, threeW } from '../../shared/threew';
import { triage, urgencyOf } from '../../shared/urgency';
import { makeGroup } from '../support/factories';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(NOW - h * 3_600_000).toISOString();
const need = (type: Group['needs'][number]['type'], severity: number, people = 0): Group['needs'][number] => ({
  id: uuidv7(),
  type,
  severity,
  people,
  status: 'open',
});
function group(overrides: Partial<Group> = {}): Group {
  return makeGroup({ reportedAt: hoursAgo(1), seenAt: hoursAgo(1), needs: [], nationalities: [], ...overrides });
}
function assignment(g: Group, needId: string, overrides: Partial<Assignment> = {}): Assignment {
  return {
    id: uuidv7(),
    groupId: g.id,
    needId,
    agencyId: uuidv7(),
    status: 'proposed',
    peopleReached: 0,
    note: '',
    expectedBy: null,
    createdBy: uuidv7(),
    updatedAt: hoursAgo(0),
    version: 1,
    ...overrides,
  };
}

describe('ASSIGNMENT_TRANSITIONS', () => {
  it('has a row for every status, names only known ones and never stays in place', () => {
    expect(Object.keys(ASSIGNMENT_TRANSITIONS).sort()).toEqual([...ASSIGNMENT_STATUSES].sort());
    for (const s of ASSIGNMENT_STATUSES) {
      expect(canMoveAssignment(s, s)).toBe(false);
      for (const t of ASSIGNMENT_TRANSITIONS[s]) expect(ASSIGNMENT_STATUSES).toContain(t);
    }
  });

  it('walks an assignment from proposed to completed', () => {
    expect(canMoveAssignment('proposed', 'accepted')).toBe(true);
    expect(canMoveAssignment('accepted', 'in_progress')).toBe(true);
    expect(canMoveAssignment('in_progress', 'completed')).toBe(true);
  });

  it('keeps declined, completed and cancelled final (a declined need is reassigned by a new assignment)', () => {
    for (const s of ['declined', 'completed', 'cancelled'] as const) {
      expect(ASSIGNMENT_TRANSITIONS[s]).toEqual([]);
      expect(isActiveAssignment(s)).toBe(false);
    }
  });

  it('lets a responder accept, decline, start and complete, but not cancel', () => {
    expect(roleMayMoveAssignment('responder', 'proposed', 'accepted')).toBe(true);
    expect(roleMayMoveAssignment('responder', 'proposed', 'declined')).toBe(true);
    expect(roleMayMoveAssignment('responder', 'in_progress', 'completed')).toBe(true);
    expect(roleMayMoveAssignment('responder', 'proposed', 'cancelled')).toBe(false);
    expect(roleMayMoveAssignment('coordinator', 'proposed', 'cancelled')).toBe(true);
  });

  it('refuses every move to field and admin users', () => {
    for (const role of ['field', 'admin'] as const) expect(roleMayMoveAssignment(role, 'proposed', 'accepted')).toBe(false);
  });

  it('lets an embassy (a consulate) take a responder’s steps on its consular work, never cancel', () => {
    expect(roleMayMoveAssignment('embassy', 'proposed', 'accepted')).toBe(true);
    expect(roleMayMoveAssignment('embassy', 'proposed', 'declined')).toBe(true);
    expect(roleMayMoveAssignment('embassy', 'accepted', 'completed')).toBe(true);
    expect(roleMayMoveAssignment('embassy', 'accepted', 'cancelled')).toBe(false);
  });

  it('calls an open assignment overdue after its expected time, never a completed one', () => {
    expect(isOverdue({ status: 'accepted', expectedBy: hoursAgo(1) }, NOW)).toBe(true);
    expect(isOverdue({ status: 'accepted', expectedBy: hoursAgo(-1) }, NOW)).toBe(false);
    expect(isOverdue({ status: 'completed', expectedBy: hoursAgo(1) }, NOW)).toBe(false);
    expect(isOverdue({ status: 'accepted', expectedBy: null }, NOW)).toBe(false);
  });
});

describe(urgencyOf.name, () => {
  it('explains the score with its parts, largest first', () => {
    const g = group({
      vulnerabilities: { ...makeGroup().vulnerabilities, unaccompaniedChildren: 3 },
      needs: [need('water', 5)],
      reportedAt: hoursAgo(9),
    });
    const u = urgencyOf(g, NOW);
    expect(u.reasons.map((r) => r.kind)).toEqual(['need', 'vulnerability', 'waiting']);
    expect(u.reasons[1]).toMatchObject({ kind: 'vulnerability', vulnerability: 'unaccompaniedChildren', count: 3 });
    expect(u.reasons[2]).toMatchObject({ kind: 'waiting', hours: 9 });
    expect(u.score).toBeCloseTo(
      u.reasons.reduce((s, r) => s + r.points, 0),
      5,
    );
  });

  it('ranks a severe unassigned need above the same need already assigned', () => {
    const water = need('water', 5);
    const open = group({ needs: [water] });
    const assigned = { ...open, assignments: [assignment(open, water.id)] };
    expect(urgencyOf(open, NOW).score).toBeGreaterThan(urgencyOf(assigned, NOW).score);
  });

  it('grows with waiting time and time since last seen, and stops growing after three days', () => {
    const at = (h: number) => urgencyOf(group({ reportedAt: hoursAgo(h), seenAt: hoursAgo(h) }), NOW).score;
    expect(at(10)).toBeGreaterThan(at(2));
    expect(at(200)).toBe(at(100));
  });

  it('scores closed, merged and moved groups 0 and leaves them out of the queue', () => {
    const closed = group({ status: 'closed', needs: [need('water', 5)] });
    expect(urgencyOf(closed, NOW).score).toBe(0);
    expect(triage([closed, group({ status: 'duplicate' })], NOW)).toEqual([]);
  });

  it('orders the queue by score', () => {
    const low = group({ needs: [need('food', 1)] });
    const high = group({ needs: [need('medical', 5)] });
    expect(triage([low, high], NOW).map((r) => r.group.id)).toEqual([high.id, low.id]);
  });
});

describe(proposeDuplicates.name, () => {
  const at = (lat: number, lon: number) => ({ lat, lon, accuracyM: null, placeName: '', siteType: 'other' as const, siteId: null });

  it('proposes two reports 500 m and 5 h apart with the same nationality mix, keeping the earlier', () => {
    const a = group({ location: at(32.88, 13.19), reportedAt: hoursAgo(10), nationalities: [{ code: 'NGA', count: 10 }] });
    const b = group({ location: at(32.884, 13.19), reportedAt: hoursAgo(5), nationalities: [{ code: 'NGA', count: 12 }] });
    const [p, ...rest] = proposeDuplicates([b, a]);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ keep: { id: a.id }, duplicate: { id: b.id }, hours: 5, similarity: 1 });
    expect(p!.km).toBeLessThan(1);
  });

  it('does not propose reports too far apart in space or time, or with different nationalities', () => {
    const a = group({ location: at(32.88, 13.19), nationalities: [{ code: 'NGA', count: 10 }] });
    const far = group({ location: at(32.93, 13.19), nationalities: [{ code: 'NGA', count: 10 }] });
    const late = group({ location: at(32.88, 13.19), reportedAt: hoursAgo(100), nationalities: [{ code: 'NGA', count: 10 }] });
    const other = group({ location: at(32.88, 13.19), nationalities: [{ code: 'SDN', count: 10 }] });
    expect(proposeDuplicates([a, far])).toEqual([]);
    expect(proposeDuplicates([a, late])).toEqual([]);
    expect(proposeDuplicates([a, other])).toEqual([]);
  });

  it('ignores groups already merged or closed', () => {
    const a = group({ location: at(1, 1) });
    const b = group({ location: at(1, 1), status: 'duplicate' });
    expect(proposeDuplicates([a, b])).toEqual([]);
  });

  it('measures distance on the sphere and similarity as overlapping shares', () => {
    expect(distanceKm({ lat: 0, lon: 0 }, { lat: 0, lon: 1 })).toBeCloseTo(111.19, 1);
    expect(
      nationalitySimilarity(
        [
          { code: 'NGA', count: 5 },
          { code: 'SDN', count: 5 },
        ],
        [{ code: 'NGA', count: 10 }],
      ),
    ).toBeCloseTo(0.5);
    expect(nationalitySimilarity([], [{ code: 'NGA', count: 10 }])).toBe(0.5);
  });
});

describe(threeW.name, () => {
  it('counts assignments per agency, need and area, and people reached', () => {
    const agencyId = uuidv7();
    const water = need('water', 4);
    const g1 = group({ needs: [water], location: { lat: 1, lon: 1, accuracyM: null, placeName: 'Souq', siteType: 'other', siteId: null } });
    const g2 = group({ needs: [{ ...water, id: uuidv7() }], location: g1.location });
    const done = assignment(g1, water.id, { agencyId, status: 'completed', peopleReached: 30, updatedAt: '2026-03-02T10:00:00.000Z' });
    const open = assignment(g2, g2.needs[0]!.id, {
      agencyId,
      status: 'accepted',
      updatedAt: '2026-03-01T10:00:00.000Z',
      expectedBy: '2026-03-01T18:00:00.000Z',
    });
    // The change log: the first made on 28 Feb, the second on 1 Mar; the first completed on 2 Mar.
    const dates = assignmentDates([
      { at: '2026-02-28T09:00:00.000Z', group: { ...g1, assignments: [{ ...done, status: 'accepted' }] } },
      { at: '2026-03-01T09:00:00.000Z', group: { ...g2, assignments: [open] } },
      { at: '2026-03-02T10:00:00.000Z', group: { ...g1, assignments: [done] } },
    ]);
    expect(dates.get(done.id)).toEqual({ created: '2026-02-28T09:00:00.000Z', completed: '2026-03-02T10:00:00.000Z' });
    const rows = threeW(
      [
        { ...g1, assignments: [done] },
        { ...g2, assignments: [open] },
      ],
      [{ id: agencyId, name: 'Red Crescent', acronym: 'LRC', type: 'red_cross_crescent', servesState: null }],
      { hostCountry: 'LBY', dates },
      Date.parse('2026-03-03T00:00:00.000Z'),
    );
    expect(rows).toEqual([
      {
        agencyId,
        agency: 'LRC',
        agencyType: 'red_cross_crescent',
        cluster: 'wash',
        need: 'water',
        country: 'LBY',
        adm1Name: '',
        adm1Code: '',
        adm2Name: '',
        adm2Code: '',
        area: 'Souq',
        // One still accepted: the line is ongoing, started with the first assignment, ends when expected.
        status: 'ongoing',
        start: '2026-02-28T09:00:00.000Z',
        end: '2026-03-01T18:00:00.000Z',
        targeted: g1.headcount.total + g2.headcount.total,
        groups: 2,
        statuses: { proposed: 0, accepted: 1, in_progress: 0, completed: 1, declined: 0, cancelled: 0 },
        peopleReached: 30,
        lastUpdate: '2026-03-02T10:00:00.000Z',
        nextDue: '2026-03-01T18:00:00.000Z',
        overdue: 1,
      },
    ]);
  });

  it('counts a group once on a line however many of its assignments the line holds', () => {
    const agencyId = uuidv7();
    const g = group({ location: { lat: 30, lon: 20, accuracyM: null, placeName: 'Souq', siteType: 'other', siteId: null }, needs: [need('water', 3, 4)] });
    // A declined assignment and the one proposed after it: two assignments, one group on the line.
    const twice = { ...g, assignments: [assignment(g, g.needs[0]!.id, { agencyId, status: 'declined' }), assignment(g, g.needs[0]!.id, { agencyId })] };
    const other = { ...twice, id: uuidv7() };
    const [row] = threeW([twice, other], []);
    expect(row).toMatchObject({ groups: 2, statuses: { proposed: 2, declined: 2 }, targeted: 8 });
  });

  it('puts "where" by admin area with its p-codes: one line per admin 2 even for the same place name', () => {
    const agencyId = uuidv7();
    const coast = { admin1: { pcode: 'LY01', name: 'West' }, admin2: { pcode: 'LY0101', name: 'Coast' } };
    const hills = { admin1: { pcode: 'LY01', name: 'West' }, admin2: { pcode: 'LY0102', name: 'Hills' } };
    const at = (admin: typeof coast) => {
      const g = group({
        location: { lat: 30, lon: 20, accuracyM: null, placeName: 'Souq', siteType: 'other', siteId: null },
        needs: [need('water', 3, 4)],
        admin,
      });
      return { ...g, assignments: [assignment(g, g.needs[0]!.id, { agencyId })] };
    };
    const rows = threeW([at(hills), at(coast), at(coast)], []);
    expect(rows.map((r) => [r.adm1Code, r.adm1Name, r.adm2Code, r.adm2Name, r.area, r.groups])).toEqual([
      ['LY01', 'West', 'LY0101', 'Coast', 'Souq', 2],
      ['LY01', 'West', 'LY0102', 'Hills', 'Souq', 1],
    ]);
  });

  it('writes the 3W/4W layout as CSV with an HXL hashtag row, quoting commas and defusing formulas', () => {
    const csv = threeWCsv([
      {
        agencyId: uuidv7(),
        agency: '=HYPERLINK("x")',
        agencyType: 'ingo',
        cluster: 'wash',
        need: 'water',
        country: 'LBY',
        adm1Name: '',
        adm1Code: '',
        adm2Name: '',
        adm2Code: '',
        area: 'Souq, north',
        status: 'planned',
        start: '2026-03-01T08:00:00.000Z',
        end: null,
        targeted: 12,
        groups: 1,
        statuses: { proposed: 1, accepted: 0, in_progress: 0, completed: 0, declined: 0, cancelled: 0 },
        peopleReached: 0,
        lastUpdate: '2026-03-02T10:00:00.000Z',
        nextDue: null,
        overdue: 0,
      },
    ]);
    const lines = csv.split('\r\n');
    expect(lines[1]).toBe(
      '#org+impl+name,#org+impl+type,#sector+cluster,#activity+name,#country+code,#adm1+name,#adm1+code,#adm2+name,#adm2+code,#loc+name,' +
        '#status,#date+start,#date+end,#targeted+ind,#reached+ind,' +
        '#indicator+num+groups,#indicator+num+assignments+proposed,#indicator+num+assignments+accepted,#indicator+num+assignments+in_progress,' +
        '#indicator+num+assignments+completed,#indicator+num+assignments+declined,#indicator+num+assignments+overdue,#date+updated,#date+due',
    );
    expect(lines[2]).toBe(
      `"'=HYPERLINK(""x"")",ingo,wash,water,LBY,,,,,"Souq, north",planned,2026-03-01T08:00:00.000Z,,12,0,1,1,0,0,0,0,0,2026-03-02T10:00:00.000Z,`,
    );
  });
});

describe(countersOf.name, () => {
  it('counts people once: in need is the largest open need, duplicates and closed groups are left out', () => {
    const g = group({
      headcount: { ...makeGroup().headcount, total: 20 },
      nationalities: [{ code: 'NGA', count: 15 }],
      needs: [need('water', 5, 20), need('food', 3, 8)],
    });
    const c = countersOf([g, { ...g, id: uuidv7(), status: 'duplicate' }, { ...g, id: uuidv7(), status: 'evacuated' }]);
    expect(c).toMatchObject({ stranded: 20, inNeed: 20, assisted: 0, evacuated: 20 });
    expect(c.strandedByNationality).toEqual({ NGA: 15, unknown: 5 });
    expect(c.inNeedByNeed).toEqual({ water: 20, food: 8 });
  });

  it('breaks the counters down by admin 1, lines summing to the totals, groups outside the loaded areas on their own line', () => {
    const west = { admin1: { pcode: 'LY01', name: 'West' }, admin2: { pcode: 'LY0101', name: 'Coast' } };
    const east = { admin1: { pcode: 'LY02', name: 'East' }, admin2: null };
    const people = (total: number) => ({ ...makeGroup().headcount, total });
    const groups = [
      group({ admin: west, headcount: people(10), needs: [need('water', 3, 4)] }),
      group({ admin: west, headcount: people(5), status: 'assisted', needs: [] }),
      group({ admin: east, headcount: people(7), status: 'evacuated', needs: [] }),
      group({ admin: east, headcount: people(9), status: 'duplicate', needs: [] }),
      group({ headcount: people(3), needs: [need('food', 3, 0)] }),
    ];
    const c = countersOf(groups);
    expect(c.byAdmin1).toEqual({
      LY01: { name: 'West', stranded: 15, inNeed: 4, assisted: 5, evacuated: 0 },
      LY02: { name: 'East', stranded: 0, inNeed: 0, assisted: 0, evacuated: 7 },
      [NO_ADMIN1]: { name: null, stranded: 3, inNeed: 3, assisted: 0, evacuated: 0 },
    });
    expect(admin1Lines(c).map((l) => l.pcode)).toEqual(['LY01', 'LY02', NO_ADMIN1]);
    for (const f of ['stranded', 'inNeed', 'assisted', 'evacuated'] as const) {
      expect(
        Object.values(c.byAdmin1).reduce((s, l) => s + l[f], 0),
        f,
      ).toBe(c[f]);
    }
  });

  it('replays the change log into hourly points', () => {
    const g = group({ headcount: { ...makeGroup().headcount, total: 10 } });
    const points = counterHistory([
      { at: '2026-03-10T10:10:00.000Z', group: g },
      { at: '2026-03-10T11:20:00.000Z', group: { ...g, status: 'evacuated' } },
    ]);
    expect(points).toEqual([
      { at: '2026-03-10T11:00:00.000Z', stranded: 10, inNeed: 0, assisted: 0, evacuated: 0 },
      { at: '2026-03-10T12:00:00.000Z', stranded: 0, inNeed: 0, assisted: 0, evacuated: 10 },
    ]);
  });

  it('keeps running totals that agree with recounting every group at each bucket end (property)', () => {
    const statuses = ['reported', 'verified', 'assisted', 'evacuated', 'duplicate', 'closed'] as const;
    const base = [0, 1, 2, 3].map(() => group({ needs: [need('water', 3, 4)] }));
    const step = fc.record({
      who: fc.integer({ min: 0, max: 3 }),
      status: fc.constantFrom(...statuses),
      total: fc.integer({ min: 1, max: 40 }),
      minutes: fc.nat(90),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        let t = Date.parse('2026-03-10T00:00:00.000Z');
        const changes = steps.map((x) => {
          t += x.minutes * 60_000;
          const g = base[x.who]!;
          return { at: new Date(t).toISOString(), group: { ...g, status: x.status, headcount: { ...g.headcount, total: x.total } } };
        });
        // The rule before the fold: the latest state of every group, recounted whole at each bucket's end.
        const latest = new Map<string, Group>();
        const expected: { at: string; stranded: number; inNeed: number; assisted: number; evacuated: number }[] = [];
        let bucket: number | null = null;
        const close = (end: number) => {
          const c = countersOf(latest.values());
          expected.push({ at: new Date(end).toISOString(), stranded: c.stranded, inNeed: c.inNeed, assisted: c.assisted, evacuated: c.evacuated });
        };
        for (const change of changes) {
          const b = Math.floor(Date.parse(change.at) / 3_600_000) * 3_600_000;
          if (bucket !== null && b !== bucket) close(bucket + 3_600_000);
          bucket = b;
          latest.set(change.group.id, change.group);
        }
        if (bucket !== null) close(bucket + 3_600_000);
        expect(counterHistory(changes)).toEqual(expected);
      }),
    );
  });
});
