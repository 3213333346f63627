import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { exportItemsFor } from '../../client/components/exports/export-items';
import { h3AreaIndex } from '../../server/services/h3-area-index';
import { bandOf, buildSitrep, GAP_ROWS, topRows, ZERO_FIGURES } from '../../shared/exports/sitrep';
import { fitFrame, ringsPath } from '../../shared/exports/svg-map';
import type { Crisis } from '../../shared/schemas/crisis.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';

const crisis: Crisis = {
  id: uuidv7(),
  name: 'Test crisis',
  type: 'conflict',
  hostCountry: 'LBY',
  phase: 'emergency_response',
  area: [9.3, 19.5, 25.2, 33.2],
  isDemo: false,
  createdAt: '2026-03-01T00:00:00.000Z',
};
const NOW = Date.parse('2026-03-05T00:00:00.000Z');
const at = (lat: number, lon: number, placeName = 'Souq'): Group['location'] => ({ lat, lon, accuracyM: null, placeName, siteType: 'other', siteId: null });

describe(buildSitrep.name, () => {
  const agencyId = uuidv7();
  const open = makeGroup({ crisisId: crisis.id, location: at(32.9, 13.2), notes: 'SECRET', protectionConcern: true });
  const worked = makeGroup({ crisisId: crisis.id, location: at(32.1, 20.1, 'Port') });
  const withWork: Group = {
    ...worked,
    needs: [{ ...worked.needs[0]!, status: 'assigned' }],
    assignments: [
      {
        id: uuidv7(),
        groupId: worked.id,
        needId: worked.needs[0]!.id,
        agencyId,
        status: 'accepted',
        peopleReached: 3,
        note: 'SECRET',
        expectedBy: '2026-03-04T00:00:00.000Z',
        createdBy: uuidv7(),
        updatedAt: '2026-03-03T00:00:00.000Z',
        version: 2,
      },
    ],
  };
  const input = {
    crisis,
    groups: [open, withWork],
    agencies: [{ id: agencyId, name: 'IOM', acronym: 'IOM', type: 'un' as const, servesState: null }],
    now: NOW,
    number: 1,
    issuedAt: null,
    previous: null,
    areas: h3AreaIndex,
  };

  it('compares the first report with the crisis start, and a later one with the report before', () => {
    const first = buildSitrep(input);
    expect(first).toMatchObject({ since: crisis.createdAt, baseline: ZERO_FIGURES, previous: null });
    expect(first.figures).toMatchObject({ stranded: 24, openGroups: 2, unassignedNeeds: 1, overdueAssignments: 1 });
    const previous = { number: 1, issuedAt: '2026-03-04T12:00:00.000Z', figures: { ...ZERO_FIGURES, stranded: 10 } };
    expect(buildSitrep({ ...input, number: 2, previous })).toMatchObject({ since: previous.issuedAt, baseline: previous.figures, previous: { number: 1 } });
  });

  it('lists needs by cluster, who does what, and the gaps, with no note or flagged place anywhere', () => {
    const s = buildSitrep(input);
    expect(s.clusters).toEqual([{ cluster: 'wash', people: 24, needs: 2, unassigned: 1 }]);
    expect(s.whoWhat).toEqual([{ agency: 'IOM', cluster: 'wash', active: 1, completed: 0, reached: 3, overdue: 1, lastUpdate: '2026-03-03T00:00:00.000Z' }]);
    // The open group carries the protection flag: its need is a gap, its place is not printed.
    expect(s.gaps.unassigned).toMatchObject([{ place: '', placeWithheld: true, need: 'water' }]);
    expect(s.gaps.overdue).toEqual([{ agency: 'IOM', need: 'water', place: 'Port', placeWithheld: false, due: '2026-03-04T00:00:00.000Z' }]);
    expect(JSON.stringify(s)).not.toMatch(/SECRET|Souq|protectionConcern|consent/);
  });

  it('keeps gap lists short and counts the rest', () => {
    const many = Array.from({ length: GAP_ROWS + 3 }, () => makeGroup({ crisisId: crisis.id }));
    const s = buildSitrep({ ...input, groups: many });
    expect(s.gaps.unassigned).toHaveLength(GAP_ROWS);
    expect(s.gaps.unassignedTotal).toBe(GAP_ROWS + 3);
  });

  it('gives the key figures by admin 1, lines summing to the report figures, groups outside on their own line', () => {
    expect(buildSitrep(input).byAdmin1).toEqual([]);
    const west = { admin1: { pcode: 'LY01', name: 'West' }, admin2: null };
    const arb = fc.array(
      fc.record({
        admin: fc.constantFrom(null, west, { admin1: { pcode: 'LY02', name: 'East' }, admin2: null }),
        status: fc.constantFrom('reported', 'assisted', 'evacuated', 'duplicate', 'closed'),
        total: fc.integer({ min: 1, max: 30 }),
        worked: fc.boolean(),
      }),
      { maxLength: 20 },
    );
    fc.assert(
      fc.property(arb, (rows) => {
        const groups = rows.map((r, i): Group => {
          const base = i % 2 === 0 && r.worked ? withWork : makeGroup({ crisisId: crisis.id });
          return {
            ...base,
            id: uuidv7(),
            admin: r.admin ?? { admin1: null, admin2: null },
            status: r.status,
            headcount: { ...base.headcount, total: r.total },
            nationalities: [],
          };
        });
        const s = buildSitrep({ ...input, groups: [...groups, { ...open, admin: west }] });
        // Groups outside the loaded areas are the last line, when there are any.
        const outside = s.byAdmin1.findIndex((l) => l.pcode === null);
        if (outside >= 0) expect(outside).toBe(s.byAdmin1.length - 1);
        for (const key of Object.keys(s.figures) as (keyof typeof s.figures)[]) {
          expect(
            s.byAdmin1.reduce((sum, l) => sum + l[key], 0),
            key,
          ).toBe(s.figures[key]);
        }
      }),
    );
  });

  it('draws areas in bands, never points', () => {
    expect([1, 4, 5, 49, 50, 199, 200].map(bandOf)).toEqual([1, 1, 2, 2, 3, 3, 4]);
    const s = buildSitrep(input);
    expect(s.map.cells).toHaveLength(2);
    for (const c of s.map.cells) expect(c.outline.length).toBeGreaterThanOrEqual(6);
  });
});

describe(topRows.name, () => {
  it('keeps exactly the first rows a stable sort of everything would give, and counts everything (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.integer({ min: 0, max: 5 }), tag: fc.nat() })), fc.integer({ min: 1, max: 8 }), (items, limit) => {
        const byKey = (a: { key: number }, b: { key: number }) => a.key - b.key;
        const top = topRows(limit, byKey);
        for (const item of items) top.add(item);
        expect(top.rows()).toEqual([...items].sort(byKey).slice(0, limit));
        expect(top.total()).toBe(items.length);
      }),
    );
  });
});

describe(fitFrame.name, () => {
  it('fills the frame exactly, widening the extent to its shape, north up and east right', () => {
    const frame = fitFrame([10, 20, 20, 30], 720, 450);
    const [w, s, e, n] = frame.extent;
    expect(frame.project([w, n])).toEqual([0, 0]);
    expect(frame.project([e, s])).toEqual([720, 450]);
    expect(w).toBeLessThan(10);
    expect(n).toBeGreaterThan(30);
    const [x1] = frame.project([12, 25]);
    const [x2] = frame.project([18, 25]);
    expect(x2).toBeGreaterThan(x1);
  });

  it('skips rings wholly outside the frame', () => {
    const frame = fitFrame([10, 20, 20, 30], 720, 450);
    expect(
      ringsPath(
        [
          [
            [100, 0],
            [101, 0],
            [101, 1],
            [100, 0],
          ],
        ],
        frame,
      ),
    ).toBe('');
    expect(
      ringsPath(
        [
          [
            [12, 22],
            [14, 22],
            [14, 24],
            [12, 22],
          ],
        ],
        frame,
      ),
    ).toMatch(/^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+){3}Z$/);
  });
});

describe(exportItemsFor.name, () => {
  it('offers each role only what the permission table lets it export', () => {
    expect(exportItemsFor('coordinator').map((i) => i.id)).toEqual([
      'sitrep',
      'groups-csv',
      'groups-geojson',
      'threew-csv',
      'shareable-csv',
      'shareable-geojson',
    ]);
    expect(exportItemsFor('responder').map((i) => i.id)).toEqual(['groups-csv', 'groups-geojson']);
    expect(exportItemsFor('embassy').map((i) => i.id)).toEqual(['groups-csv', 'groups-geojson']);
    expect(exportItemsFor('field')).toEqual([]);
    expect(exportItemsFor('admin')).toEqual([]);
  });
});
