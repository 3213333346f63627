import type { AreaGeometry } from '../schemas/admin-area.schema';

/** Where a point lies against a shape: strictly inside, on its boundary, or outside. */
export type Placement = 'in' | 'on' | 'out';

type Ring = readonly (readonly number[])[];

/**
 * Whether (x, y) lies on the segment from a to b. Exact arithmetic on the given doubles: a point
 * that is only nearly on a border is decided by the crossing test like any other.
 */
function onSegment(x: number, y: number, ax: number, ay: number, bx: number, by: number): boolean {
  if (x < Math.min(ax, bx) || x > Math.max(ax, bx) || y < Math.min(ay, by) || y > Math.max(ay, by)) return false;
  return (bx - ax) * (y - ay) - (by - ay) * (x - ax) === 0;
}

/** Crossing-number test of one closed ring (its last position repeats the first, as GeoJSON requires). */
export function ringPlacement(ring: Ring, x: number, y: number): Placement {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i];
    const b = ring[j];
    if (!a || !b) continue;
    const [ax = 0, ay = 0] = a;
    const [bx = 0, by = 0] = b;
    if (onSegment(x, y, ax, ay, bx, by)) return 'on';
    if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
  }
  return inside ? 'in' : 'out';
}

/** A polygon's outer ring less its holes: a point in a hole is outside, one on a hole's edge is on the boundary. */
export function polygonPlacement(rings: readonly Ring[], x: number, y: number): Placement {
  const [outer, ...holes] = rings;
  if (!outer) return 'out';
  const first = ringPlacement(outer, x, y);
  if (first !== 'in') return first;
  for (const hole of holes) {
    const inHole = ringPlacement(hole, x, y);
    if (inHole === 'in') return 'out';
    if (inHole === 'on') return 'on';
  }
  return 'in';
}

/** Placement against a polygon or multipolygon: inside any part wins over on the edge of another. */
export function geometryPlacement(geometry: AreaGeometry, lon: number, lat: number): Placement {
  if (geometry.type === 'Polygon') return polygonPlacement(geometry.coordinates, lon, lat);
  let touched = false;
  for (const polygon of geometry.coordinates) {
    const p = polygonPlacement(polygon, lon, lat);
    if (p === 'in') return 'in';
    if (p === 'on') touched = true;
  }
  return touched ? 'on' : 'out';
}

/** [west, south, east, north] of a geometry's outer rings. */
export function geometryBbox(geometry: AreaGeometry): [number, number, number, number] {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  for (const polygon of polygons) {
    for (const [x = 0, y = 0] of polygon[0] ?? []) {
      if (x < w) w = x;
      if (x > e) e = x;
      if (y < s) s = y;
      if (y > n) n = y;
    }
  }
  return [w, s, e, n];
}
