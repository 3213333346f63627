import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdminAreaIndex } from '../../shared/admin-areas/area-index';
import { areaFeatures, labelPoint } from '../../shared/admin-areas/area-features';
import { geometryPlacement } from '../../shared/admin-areas/point-in-area';
import { simplifyGeometry } from '../../shared/admin-areas/simplify';
import { area, square } from '../support/boundaries';
import type { AreaGeometry } from '../../shared/schemas/admin-area.schema';
import { adminAggregateIndex, areaKm2, MIN_AGGREGATE_AREA_KM2, OUTSIDE_AREA } from '../../shared/admin-areas/aggregate-areas';
import { placeGroup } from '../../shared/aggregate';
import type { Group } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';

/** A polygon from plain rings (test literals are number[][]). */
const polygon = (...rings: number[][][]): AreaGeometry => ({ type: 'Polygon', coordinates: rings as [number, number][][] });

// Two regions side by side sharing the border x = 10; region B is split into two districts at
// y = 5, and district B1 has a hole (a lake) that district L (a island district of A) fills.
const A = area('LY01', 1, { type: 'Polygon', coordinates: [square(0, 0, 10, 10)] });
const B = area('LY02', 1, { type: 'Polygon', coordinates: [square(10, 0, 20, 10)] });
const A1 = area('LY0101', 2, { type: 'Polygon', coordinates: [square(0, 0, 10, 10)] }, 'LY01');
const B1 = area('LY0201', 2, { type: 'Polygon', coordinates: [square(10, 0, 20, 5), square(14, 1, 16, 3)] }, 'LY02');
const B2 = area('LY0202', 2, { type: 'Polygon', coordinates: [square(10, 5, 20, 10)] }, 'LY02');
// A multipolygon district: a mainland piece and an island off it.
const M = area('LY0301', 2, { type: 'MultiPolygon', coordinates: [[square(30, 0, 32, 2)], [square(35, 0, 36, 1)]] }, 'LY03');
const MR = area('LY03', 1, { type: 'MultiPolygon', coordinates: [[square(30, 0, 32, 2)], [square(35, 0, 36, 1)]] });
const ALL = [A, B, A1, B1, B2, M, MR];

describe('geometryPlacement', () => {
  it('tells inside, on the boundary and outside a polygon', () => {
    const g = { type: 'Polygon' as const, coordinates: [square(0, 0, 10, 10)] };
    expect(geometryPlacement(g, 5, 5)).toBe('in');
    expect(geometryPlacement(g, 10, 5)).toBe('on');
    expect(geometryPlacement(g, 0, 0)).toBe('on');
    expect(geometryPlacement(g, 10.000001, 5)).toBe('out');
  });

  it('puts a point in a hole outside, and one on the hole edge on the boundary', () => {
    expect(geometryPlacement(B1.geometry!, 15, 2)).toBe('out');
    expect(geometryPlacement(B1.geometry!, 14, 2)).toBe('on');
    expect(geometryPlacement(B1.geometry!, 12, 2)).toBe('in');
  });

  it('finds a point in any part of a multipolygon and none between the parts', () => {
    expect(geometryPlacement(M.geometry!, 35.5, 0.5)).toBe('in');
    expect(geometryPlacement(M.geometry!, 31, 1)).toBe('in');
    expect(geometryPlacement(M.geometry!, 33.5, 0.5)).toBe('out');
  });

  it('handles a non-convex (U-shaped) ring', () => {
    const u = polygon([
      [0, 0],
      [3, 0],
      [3, 3],
      [2, 3],
      [2, 1],
      [1, 1],
      [1, 3],
      [0, 3],
      [0, 0],
    ]);
    expect(geometryPlacement(u, 1.5, 2)).toBe('out');
    expect(geometryPlacement(u, 0.5, 2)).toBe('in');
    expect(geometryPlacement(u, 2.5, 2.5)).toBe('in');
  });
});

describe(AdminAreaIndex.name, () => {
  const index = new AdminAreaIndex(ALL);

  it('names the admin 2 and its parent admin 1 of a point inside', () => {
    expect(index.locate(7, 3)).toEqual({ admin1: { pcode: 'LY01', name: 'Area LY01' }, admin2: { pcode: 'LY0101', name: 'Area LY0101' } });
    expect(index.locate(8, 12)).toEqual({ admin1: { pcode: 'LY02', name: 'Area LY02' }, admin2: { pcode: 'LY0202', name: 'Area LY0202' } });
  });

  it('gives a point on a shared border to the smaller p-code, whatever the order areas came in', () => {
    // (lat 5, lon 10) is on the border of LY0101, LY0201 and LY0202.
    expect(index.locate(5, 10).admin2?.pcode).toBe('LY0101');
    // (lat 5, lon 15) is on the border of LY0201 and LY0202 only.
    expect(index.locate(5, 15).admin2?.pcode).toBe('LY0201');
    fc.assert(
      fc.property(fc.shuffledSubarray(ALL, { minLength: ALL.length, maxLength: ALL.length }), (order) => {
        const shuffled = new AdminAreaIndex(order);
        expect(shuffled.locate(5, 10)).toEqual(index.locate(5, 10));
        expect(shuffled.locate(5, 15)).toEqual(index.locate(5, 15));
      }),
    );
  });

  it('gives every point of a shared border exactly one area at each level', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 10, noNaN: true }), (lat) => {
        const at = index.locate(lat, 10);
        expect(at.admin2).not.toBeNull();
        expect(at.admin1?.pcode).toBe(at.admin2?.pcode.slice(0, 4));
      }),
    );
  });

  it('leaves a point in a hole to whatever fills it, or to none', () => {
    expect(index.locate(2, 15)).toEqual({ admin1: { pcode: 'LY02', name: 'Area LY02' }, admin2: null });
    const lake = area('LY0299', 2, { type: 'Polygon', coordinates: [square(14, 1, 16, 3)] }, 'LY02');
    expect(new AdminAreaIndex([...ALL, lake]).locate(2, 15).admin2?.pcode).toBe('LY0299');
  });

  it('finds the island part of a multipolygon district', () => {
    expect(index.locate(0.5, 35.5)).toEqual({ admin1: { pcode: 'LY03', name: 'Area LY03' }, admin2: { pcode: 'LY0301', name: 'Area LY0301' } });
  });

  it('answers none outside every area, and none at all without boundaries', () => {
    expect(index.locate(-5, -5)).toEqual({ admin1: null, admin2: null });
    expect(new AdminAreaIndex([]).locate(5, 5)).toEqual({ admin1: null, admin2: null });
  });

  it('takes admin 1 from the admin 2 parent even when that parent has no geometry of its own', () => {
    const named = area('LY09', 1, null, null, 'Named only');
    const district = area('LY0901', 2, { type: 'Polygon', coordinates: [square(50, 50, 51, 51)] }, 'LY09');
    expect(new AdminAreaIndex([named, district]).locate(50.5, 50.5)).toEqual({
      admin1: { pcode: 'LY09', name: 'Named only' },
      admin2: { pcode: 'LY0901', name: 'Area LY0901' },
    });
  });
});

describe('drawable boundaries', () => {
  it('keeps rings closed and at least 4 positions when simplifying', () => {
    const wiggly = polygon([
      [0, 0],
      [1, 0.0001],
      [2, 0],
      [2, 2],
      [0, 2],
      [0, 0],
    ]);
    const simple = simplifyGeometry(wiggly, 0.01);
    expect(simple.coordinates[0]).toEqual([
      [0, 0],
      [2, 0],
      [2, 2],
      [0, 2],
      [0, 0],
    ]);
    const tiny = simplifyGeometry({ type: 'Polygon', coordinates: [square(0, 0, 0.001, 0.001)] }, 0.01);
    expect(tiny.coordinates[0]).toHaveLength(5);
  });

  it('puts a label inside a crescent, where the box centre is outside', () => {
    const c = [
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
      [0, 3],
      [3, 3],
      [3, 1],
      [0, 1],
      [0, 0],
    ];
    const [x, y] = labelPoint([c]);
    expect(geometryPlacement(polygon(c), 2, 2)).toBe('out');
    expect(geometryPlacement(polygon(c), x, y)).toBe('in');
  });

  it('draws only areas with a geometry, each with a boundary and a label', () => {
    const drawn = areaFeatures([A, area('LY09', 1, null)], 3, true);
    expect(drawn.version).toBe(3);
    expect(drawn.features.map((f) => [f.properties.pcode, f.properties.kind])).toEqual([
      ['LY01', 'boundary'],
      ['LY01', 'label'],
    ]);
  });
});

describe(adminAggregateIndex.name, () => {
  const west = { pcode: 'LYU1', name: 'West' };
  const areas = [
    area('LYU1', 1, { type: 'Polygon', coordinates: [square(9, 22, 15, 34)] }, null, 'West'),
    area('LYU101', 2, { type: 'Polygon', coordinates: [square(9, 22, 12, 34)] }, 'LYU1', 'Coast'),
    // About 0.1° x 0.1° at 31°N: some 100 km², under the 250 km² an aggregate is given for.
    area('LYU102', 2, { type: 'Polygon', coordinates: [square(12, 31, 12.1, 31.1)] }, 'LYU1', 'Port'),
  ];

  it('measures areas in km² closely enough to compare with the 250 km² threshold', () => {
    expect(areaKm2({ type: 'Polygon', coordinates: [square(0, 0, 1, 1)] })).toBeCloseTo(12_392, -2);
    expect(areaKm2(areas[2]!.geometry!)).toBeGreaterThan(90);
    expect(areaKm2(areas[2]!.geometry!)).toBeLessThan(MIN_AGGREGATE_AREA_KM2);
    // A hole is taken out.
    expect(areaKm2({ type: 'Polygon', coordinates: [square(0, 0, 2, 2), square(0.5, 0.5, 1.5, 1.5)] })).toBeCloseTo(3 * 12_390, -3);
  });

  it('places a group by the areas it carries: a large district, else its region, else outside', () => {
    const index = adminAggregateIndex(areas);
    const at = (admin: Group['admin']) => placeGroup(index, { location: { ...makeGroup().location }, admin });
    expect(at({ admin1: west, admin2: { pcode: 'LYU101', name: 'Coast' } })).toEqual({
      area: 'adm2:LYU101',
      admin1: west,
      admin2: { pcode: 'LYU101', name: 'Coast' },
    });
    expect(at({ admin1: west, admin2: { pcode: 'LYU102', name: 'Port' } })).toEqual({ area: 'adm1:LYU1', admin1: west, admin2: null });
    // A district the boundaries no longer hold (a recomputation under way) counts in its region.
    expect(at({ admin1: west, admin2: { pcode: 'LYU999', name: 'Gone' } }).area).toBe('adm1:LYU1');
    expect(at({ admin1: null, admin2: null })).toEqual({ area: OUTSIDE_AREA, admin1: null, admin2: null });
    expect(index.outlineOf(OUTSIDE_AREA)).toEqual([]);
    expect(index.centreOf(OUTSIDE_AREA)).toBeNull();
    const [lon, lat] = index.centreOf('adm2:LYU101')!;
    expect(lon).toBeGreaterThan(9);
    expect(lat).toBeGreaterThan(22);
    // By its point too (what areaOf answers without a group), the same partition.
    expect(index.areaOf(31.05, 12.05)).toBe('adm1:LYU1');
    expect(index.areaOf(25, 10)).toBe('adm2:LYU101');
    expect(index.areaOf(10, 10)).toBe(OUTSIDE_AREA);
  });
});
