import { getIssues } from '@placemarkio/check-geojson';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { h3AreaIndex } from '../../server/services/h3-area-index';
import { exportableGroups, GROUP_COLUMNS, groupsCsv, groupsGeoJson } from '../../shared/exports/group-export';
import { groupsCsvChunks, groupsGeoJsonChunks, type ChunkedExport } from '../../shared/exports/group-export-chunks';
import { listCell } from '../../shared/exports/hxl-csv';
import { SHAREABLE_COLUMNS, shareableAggregate, shareableCsv, shareableGeoJson } from '../../shared/exports/shareable-aggregate';
import type { Agency } from '../../shared/schemas/agency.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { makeAudience, makeGroup } from '../support/factories';

const IOM: Agency = { id: uuidv7(), name: 'International Organization for Migration', acronym: 'IOM', type: 'un', servesState: null };
const crisisId = uuidv7();
const NOTE = 'NOTE-d0-not-export-7f3a';
const LBY = { hostCountry: 'LBY' };

/** A group with everything that must never leave: a note, consent, the protection flag. */
function sensitive(overrides: Partial<Group> = {}): Group {
  return makeGroup({ crisisId, notes: NOTE, consentConsulate: 'yes', protectionConcern: true, ...overrides });
}
function assigned(g: Group, agencyId: string): Group {
  const need = g.needs[0]!;
  return {
    ...g,
    needs: [{ ...need, status: 'assigned' }],
    assignments: [
      {
        id: uuidv7(),
        groupId: g.id,
        needId: need.id,
        agencyId,
        status: 'accepted',
        peopleReached: 0,
        note: NOTE,
        expectedBy: null,
        createdBy: uuidv7(),
        updatedAt: g.updatedAt,
        version: 1,
      },
    ],
  };
}
const rowsOf = (csv: string) => parse(csv, { relax_column_count: false }) as string[][];

describe(groupsCsv.name, () => {
  const groups = [
    sensitive({ location: { lat: 32.8872, lon: 13.1913, accuracyM: 10, placeName: 'Souq, "north" =1+1', siteType: 'urban_dispersed', siteId: null } }),
    makeGroup({
      crisisId,
      headcount: { total: 12, female: { under5: 1, age5to17: 2, age18to59: 3, age60plus: 0 }, male: { under5: 0, age5to17: 0, age18to59: 2, age60plus: 1 } },
    }),
  ];

  it('parses back with csv-parse, every column with its HXL hashtag, one row per group', () => {
    const rows = rowsOf(groupsCsv(groups, [IOM], LBY));
    expect(rows[0]).toEqual(GROUP_COLUMNS.map((c) => c.header));
    expect(rows[1]).toEqual(GROUP_COLUMNS.map((c) => c.tag));
    for (const tag of rows[1]!) expect(tag).toMatch(/^#[a-z][a-z0-9_]*(\s*\+[a-z][a-z0-9_]*)*$/);
    expect(rows[1]).toEqual(
      expect.arrayContaining([
        '#geo+lat',
        '#geo+lon',
        '#affected+migrants+total',
        '#need+type',
        '#sector+cluster',
        '#status',
        '#date+reported',
        '#org+impl+name',
      ]),
    );
    expect(rows).toHaveLength(2 + groups.length);
    const col = (tag: string) => rows[1]!.indexOf(tag);
    expect(Number(rows[2]![col('#geo+lat')])).toBe(32.8872);
    expect(rows[2]![col('#loc+name')]).toBe('Souq, "north" =1+1');
    const second = rows[3]!;
    expect(rows[2]![col('#country+code')]).toBe('LBY');
    expect([
      second[col('#affected+migrants+f')],
      second[col('#affected+migrants+m')],
      second[col('#affected+migrants+children')],
      second[col('#affected+migrants+adults')],
      second[col('#affected+migrants+elderly')],
    ]).toEqual(['6', '3', '3', '5', '1']);
  });

  it('defuses a cell a spreadsheet would run as a formula', () => {
    const rows = rowsOf(
      groupsCsv(
        [makeGroup({ crisisId, location: { lat: 1, lon: 1, accuracyM: null, placeName: '=HYPERLINK("x")', siteType: 'other', siteId: null } })],
        [],
        LBY,
      ),
    );
    expect(rows[2]![GROUP_COLUMNS.findIndex((c) => c.key === 'place')]).toBe(`'=HYPERLINK("x")`);
  });
});

describe('lists in cells', () => {
  it('joins a list with ", " in one quoted cell, never with ";", so delimiter sniffing still reads commas', () => {
    const water = makeGroup().needs[0]!;
    const g = makeGroup({
      crisisId,
      nationalities: [
        { code: 'NGA', count: 6 },
        { code: 'NER', count: 3 },
      ],
      needs: [water, { ...water, id: uuidv7(), type: 'food' }],
    });
    const csv = groupsCsv([g], [IOM], LBY);
    expect(csv).not.toContain(';');
    const rows = rowsOf(csv);
    const col = (tag: string) => rows[1]!.indexOf(tag);
    expect(rows[2]![col('#indicator+text+nationality')]).toBe('NGA:6, NER:3');
    expect(rows[2]![col('#need+type')]!.split(', ').sort()).toEqual(['food', 'water']);
    expect(listCell(['A, B', 'IOM'])).toBe('A  B, IOM');
  });
});

describe(groupsGeoJson.name, () => {
  it('is valid GeoJSON (check-geojson), points in [lon, lat] order, no crs, a bbox that holds every point tightly', () => {
    const groups = [
      makeGroup({ crisisId, location: { lat: 32.1, lon: 20.2, accuracyM: null, placeName: '', siteType: 'other', siteId: null } }),
      makeGroup({ crisisId, location: { lat: 26.5, lon: 13.7, accuracyM: null, placeName: '', siteType: 'other', siteId: null } }),
    ];
    const text = JSON.stringify(groupsGeoJson(groups, [IOM], LBY));
    expect(getIssues(text)).toEqual([]);
    const fc = JSON.parse(text) as ReturnType<typeof groupsGeoJson>;
    expect(fc).not.toHaveProperty('crs');
    expect(fc.features.map((f) => f.geometry.coordinates)).toEqual([
      [20.2, 32.1],
      [13.7, 26.5],
    ]);
    expect(fc.bbox).toEqual([13.7, 26.5, 20.2, 32.1]);
  });

  it('an empty export is a valid empty collection without a bbox', () => {
    const text = JSON.stringify(groupsGeoJson([], [], LBY));
    expect(getIssues(text)).toEqual([]);
    expect(JSON.parse(text)).toEqual({ type: 'FeatureCollection', features: [] });
  });
});

describe('group exports in pieces', () => {
  const written = (chunks: ChunkedExport, pages: readonly (readonly Group[])[]) => chunks.head() + pages.map((p) => chunks.page(p)).join('') + chunks.tail();
  const pagings = (groups: Group[]) => [[], [groups], groups.map((g) => [g]), [groups.slice(0, 1), [], groups.slice(1)]];

  it('concatenated, the CSV pieces are the CSV of every group at once, however the groups are paged', () => {
    const groups = [sensitive(), assigned(sensitive(), IOM.id), makeGroup({ crisisId })];
    for (const pages of pagings(groups)) {
      expect(written(groupsCsvChunks([IOM], LBY), pages)).toBe(groupsCsv(pages.flat(), [IOM], LBY));
    }
  });

  it('concatenated, the GeoJSON pieces parse to the collection of every group at once, bbox last, none when empty', () => {
    const at = (lat: number, lon: number) => ({ lat, lon, accuracyM: null, placeName: '', siteType: 'other' as const, siteId: null });
    const groups = [
      makeGroup({ crisisId, location: at(32.1, 20.2) }),
      makeGroup({ crisisId, location: at(26.5, 13.7) }),
      makeGroup({ crisisId, location: at(30, 25) }),
    ];
    for (const pages of pagings(groups)) {
      const text = written(groupsGeoJsonChunks([IOM], LBY), pages);
      expect(getIssues(text)).toEqual([]);
      expect(JSON.parse(text)).toEqual(groupsGeoJson(pages.flat(), [IOM], LBY));
    }
  });
});

describe('what an export never carries', () => {
  it('has no protection flag, consent or notes in the CSV or the GeoJSON, even from groups that have them', () => {
    const groups = [sensitive(), assigned(sensitive({ consentConsulate: 'no' }), IOM.id)];
    for (const text of [
      groupsCsv(groups, [IOM], LBY),
      JSON.stringify(groupsGeoJson(groups, [IOM], LBY)),
      shareableCsv(shareableAggregate(groups, h3AreaIndex)),
    ]) {
      expect(text).not.toContain(NOTE);
      expect(text.toLowerCase()).not.toMatch(/protection_?concern|protection flag|consent|notes?\b/);
    }
  });
});

describe(exportableGroups.name, () => {
  const nga = (consent: Group['consentConsulate'], flag: boolean) =>
    makeGroup({ crisisId, nationalities: [{ code: 'NGA', count: 5 }], consentConsulate: consent, protectionConcern: flag });
  const all = [
    nga('yes', false),
    nga('yes', true),
    nga('no', false),
    nga('not_asked', false),
    makeGroup({ crisisId, nationalities: [{ code: 'NER', count: 5 }], consentConsulate: 'yes' }),
  ];
  const otherCrisis = makeGroup({ nationalities: [{ code: 'NGA', count: 5 }], consentConsulate: 'yes' });

  it('gives a coordinator the whole crisis and nothing of another', () => {
    expect(exportableGroups(makeAudience({ crisisId }), [...all, otherCrisis])).toHaveLength(all.length);
  });

  it('gives an embassy only its consenting, unflagged nationals', () => {
    const embassy = makeAudience({ role: 'embassy', crisisId, servesState: 'NGA' });
    expect(exportableGroups(embassy, [...all, otherCrisis]).map((g) => g.id)).toEqual([all[0]!.id]);
  });

  it('gives a responder only the groups its agency works in', () => {
    const mine = assigned(makeGroup({ crisisId }), IOM.id);
    const theirs = assigned(makeGroup({ crisisId }), uuidv7());
    const responder = makeAudience({ role: 'responder', crisisId, agencyId: IOM.id });
    expect(exportableGroups(responder, [...all, mine, theirs]).map((g) => g.id)).toEqual([mine.id]);
  });

  it('gives field teams and admins nothing through the projection they do not have', () => {
    expect(exportableGroups(makeAudience({ role: 'admin', crisisId }), all)).toEqual([]);
  });

  it('applies the filters and leaves duplicates out', () => {
    const coordinator = makeAudience({ crisisId });
    const dup = makeGroup({ crisisId, status: 'duplicate', mergedInto: all[0]!.id });
    expect(exportableGroups(coordinator, [...all, dup])).toHaveLength(all.length);
    expect(exportableGroups(coordinator, all, { nationality: 'NER' })).toHaveLength(1);
    expect(exportableGroups(coordinator, all, { need: 'water' })).toHaveLength(all.length);
    expect(exportableGroups(coordinator, all, { need: 'food' })).toHaveLength(0);
    expect(exportableGroups(coordinator, all, { status: 'verified' })).toHaveLength(0);
  });
});

// Random groups over Libya, with random nationality mixes and statuses.
const arbGroup = fc
  .record({
    lat: fc.double({ min: 25, max: 33, noNaN: true }),
    lon: fc.double({ min: 10, max: 25, noNaN: true }),
    total: fc.integer({ min: 1, max: 60 }),
    split: fc.array(fc.tuple(fc.constantFrom('NGA', 'NER', 'SDN', 'TCD', 'stateless'), fc.integer({ min: 1, max: 20 })), { maxLength: 3 }),
    status: fc.constantFrom('reported', 'verified', 'assisted', 'evacuated', 'closed', 'duplicate') satisfies fc.Arbitrary<Group['status']>,
  })
  .map(({ lat, lon, total, split, status }) => {
    const nationalities: Group['nationalities'] = [];
    let left = total;
    for (const [code, n] of split) {
      if (left === 0 || nationalities.some((x) => x.code === code)) continue;
      const count = Math.min(n, left);
      nationalities.push({ code, count });
      left -= count;
    }
    return makeGroup({
      crisisId,
      location: { lat, lon, accuracyM: 5, placeName: `place-${lat}`, siteType: 'other', siteId: null },
      headcount: { ...makeGroup().headcount, total },
      nationalities,
      needs: [],
      status,
    });
  });
// Few distinct places, so that areas hold several groups and sums cross the suppression line.
const arbGroups = fc.array(
  fc.oneof(
    arbGroup,
    arbGroup.map((g) => ({ ...g, location: { ...g.location, lat: 32.89, lon: 13.19 } })),
  ),
  { maxLength: 40 },
);

describe(shareableAggregate.name, () => {
  it('never shows a count from 1 to 4, and no coordinate finer than its area (property)', () => {
    fc.assert(
      fc.property(arbGroups, (groups) => {
        const counts = shareableAggregate(groups, h3AreaIndex);
        const areaCentres = new Map<string, [number, number]>();
        for (const g of groups) {
          const area = h3AreaIndex.areaOf(g.location.lat, g.location.lon);
          const [lon, lat] = h3AreaIndex.centreOf(area)!;
          areaCentres.set(area, [Number(lon.toFixed(2)), Number(lat.toFixed(2))]);
        }
        for (const c of counts) {
          if (typeof c.people === 'number') expect(c.people).toBeGreaterThanOrEqual(5);
          else expect(c.people).toBe('<5');
          // The point is the area's rounded centre: moving a group within its area changes nothing.
          expect(c.centre).toEqual(areaCentres.get(c.area));
          for (const x of c.centre ?? []) expect(Math.abs(x * 100 - Math.round(x * 100))).toBeLessThan(1e-9);
        }
        const csvRows = rowsOf(shareableCsv(counts));
        expect(csvRows[1]).toEqual(SHAREABLE_COLUMNS.map((c) => c.tag));
        // A withheld count is an empty numeric cell with the flag column saying so: never "<5" as text.
        for (const [row, c] of csvRows.slice(2).map((r, i) => [r, counts[i]!] as const)) {
          expect(row.slice(8)).toEqual(c.people === '<5' ? ['', 'yes'] : [String(c.people), '']);
          expect(row[8]).not.toMatch(/^[1-4]$/);
        }
        const text = csvRows.flat().join('\n') + JSON.stringify(shareableGeoJson(counts));
        // No ids, no free text.
        for (const g of groups) {
          expect(text).not.toContain(g.id);
          expect(text).not.toContain(g.location.placeName);
        }
        expect(getIssues(JSON.stringify(shareableGeoJson(counts)))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('counts people a field team did not attribute as "unknown", and leaves moved, closed and merged groups out', () => {
    const at = { lat: 32.89, lon: 13.19, accuracyM: null, placeName: '', siteType: 'other' as const, siteId: null };
    const groups = [
      makeGroup({ crisisId, location: at, headcount: { ...makeGroup().headcount, total: 12 }, nationalities: [{ code: 'NGA', count: 7 }] }),
      makeGroup({
        crisisId,
        location: at,
        headcount: { ...makeGroup().headcount, total: 50 },
        nationalities: [{ code: 'NGA', count: 50 }],
        status: 'evacuated',
      }),
    ];
    expect(shareableAggregate(groups, h3AreaIndex).map((c) => [c.nationality, c.people])).toEqual([
      ['NGA', 7],
      ['unknown', 5],
    ]);
  });
});
