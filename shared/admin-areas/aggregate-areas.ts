import type { AreaIndex, PlacedArea } from '../aggregate';
import type { AdminArea, AreaGeometry, GroupAdminAreas } from '../schemas/admin-area.schema';
import { AdminAreaIndex } from './area-index';
import { DISPLAY_TOLERANCE_DEG, labelPoint, mainPolygon } from './area-features';
import { simplifyGeometry } from './simplify';

/** The area key of groups outside every loaded admin area (or in one the boundaries no longer hold). */
export const OUTSIDE_AREA = 'outside';

/**
 * The smallest admin 2 area (km²) an aggregate is given for on its own; a smaller one counts in its
 * admin 1. The H3 cells the aggregates used before were about 253 km² (resolution 5), and the
 * protection rules were weighed for that size: a district smaller than a cell would place people
 * more finely than before. The rule depends on the boundaries only, never on counts, so the areas
 * are one fixed partition of the crisis between two boundary loads, as the cells were: a count that
 * changes never changes which area a group is counted in, and no two released areas overlap.
 */
export const MIN_AGGREGATE_AREA_KM2 = 250;

const KM_PER_DEG = 111.32;

/** An area's size in km² (equirectangular per ring, holes subtracted): plenty to compare with 250. */
export function areaKm2(geometry: AreaGeometry): number {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let total = 0;
  for (const rings of polygons) {
    rings.forEach((ring, i) => {
      let twice = 0;
      let latSum = 0;
      for (let k = 0, j = ring.length - 1; k < ring.length; j = k++) {
        const [x1 = 0, y1 = 0] = ring[j]!;
        const [x2 = 0, y2 = 0] = ring[k]!;
        twice += x1 * y2 - x2 * y1;
        latSum += y2;
      }
      const cos = Math.cos(((latSum / Math.max(1, ring.length)) * Math.PI) / 180);
      const km2 = (Math.abs(twice) / 2) * KM_PER_DEG * KM_PER_DEG * cos;
      total += i === 0 ? km2 : -km2;
    });
  }
  return Math.max(0, total);
}

interface Drawn {
  outline: [number, number][];
  centre: [number, number] | null;
}

/**
 * The aggregate areas of a crisis with boundaries: each group counts in its admin 2 when that area
 * is at least `MIN_AGGREGATE_AREA_KM2`, else in its admin 1, else (no admin area) in one area
 * "outside the loaded areas" that is never drawn. A group is placed by the admin areas it carries
 * (computed by the server when its location was written, and again after a load), so the embassy's
 * areas agree with every other view of the group. Outlines are the simplified main polygon's outer
 * ring; centres the label point of the map's boundary layer.
 */
export function adminAggregateIndex(areas: readonly AdminArea[]): AreaIndex {
  const index = new AdminAreaIndex(areas);
  const large = new Set<string>();
  const drawn = new Map<string, Drawn>();
  for (const a of areas) {
    if (!a.geometry) continue;
    if (a.level === 2 && areaKm2(a.geometry) >= MIN_AGGREGATE_AREA_KM2) large.add(a.pcode);
    const main = mainPolygon(simplifyGeometry(a.geometry, DISPLAY_TOLERANCE_DEG));
    const [x, y] = labelPoint(main);
    const round = (v: number) => Math.round(v * 1e4) / 1e4;
    drawn.set(`adm${a.level}:${a.pcode}`, {
      outline: (main[0] ?? []).map((p) => [round(p[0] ?? 0), round(p[1] ?? 0)] as [number, number]),
      centre: [round(x), round(y)],
    });
  }
  const place = (admin: GroupAdminAreas): PlacedArea => {
    if (admin.admin2 && large.has(admin.admin2.pcode)) return { area: `adm2:${admin.admin2.pcode}`, admin1: admin.admin1, admin2: admin.admin2 };
    if (admin.admin1) return { area: `adm1:${admin.admin1.pcode}`, admin1: admin.admin1, admin2: null };
    return { area: OUTSIDE_AREA, admin1: null, admin2: null };
  };
  return {
    areaOf: (lat, lon) => place(index.locate(lat, lon)).area,
    placeGroup: (group) => place(group.admin),
    outlineOf: (area) => drawn.get(area)?.outline ?? [],
    centreOf: (area) => drawn.get(area)?.centre ?? null,
  };
}
