import { z } from 'zod';
import { simplifyGeometry } from './simplify';
import { AdminLevel, AreaGeometry, Pcode, type AdminArea } from '../schemas/admin-area.schema';

/** What each drawn feature carries: names for the label in each language, and where it sits. */
export const AreaFeatureProperties = z.object({
  pcode: Pcode,
  level: AdminLevel,
  name: z.string(),
  nameAr: z.string().nullable(),
  nameFr: z.string().nullable(),
  /** `boundary` features are the (simplified) polygons; `label` features the point to write the name at. */
  kind: z.enum(['boundary', 'label']),
});
export type AreaFeatureProperties = z.infer<typeof AreaFeatureProperties>;

const PointGeometry = z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) });

/** The boundaries of a crisis as one GeoJSON FeatureCollection, for the map. */
export const AreaFeatureCollection = z.object({
  type: z.literal('FeatureCollection'),
  /** The boundary version drawn (0: the crisis has none). */
  version: z.number().int().min(0),
  synthetic: z.boolean(),
  features: z.array(z.object({ type: z.literal('Feature'), properties: AreaFeatureProperties, geometry: z.union([AreaGeometry, PointGeometry]) })),
});
export type AreaFeatureCollection = z.infer<typeof AreaFeatureCollection>;

/** About 1 km at the equator: boundaries stay readable at country and region zoom and weigh little. */
export const DISPLAY_TOLERANCE_DEG = 0.01;

type Ring = readonly (readonly number[])[];

/**
 * A point inside a polygon to put its name at: the middle of the widest inside stretch of the
 * horizontal line through its box's middle. Unlike the box's centre, it is inside a crescent too.
 */
export function labelPoint(rings: readonly Ring[]): [number, number] {
  const outer = rings[0] ?? [];
  let s = Infinity;
  let n = -Infinity;
  for (const [, y = 0] of outer) {
    s = Math.min(s, y);
    n = Math.max(n, y);
  }
  const y = (s + n) / 2;
  const xs: number[] = [];
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [ax = 0, ay = 0] = ring[i] ?? [];
      const [bx = 0, by = 0] = ring[j] ?? [];
      if (ay > y !== by > y) xs.push(((bx - ax) * (y - ay)) / (by - ay) + ax);
    }
  }
  xs.sort((a, b) => a - b);
  let best: [number, number] = [outer[0]?.[0] ?? 0, outer[0]?.[1] ?? 0];
  let widest = -1;
  for (let i = 0; i + 1 < xs.length; i += 2) {
    const a = xs[i] ?? 0;
    const b = xs[i + 1] ?? 0;
    if (b - a > widest) {
      widest = b - a;
      best = [(a + b) / 2, y];
    }
  }
  return best;
}

/** The largest part of a multipolygon by box size, where its label goes. */
export function mainPolygon(geometry: AreaGeometry): Ring[] {
  if (geometry.type === 'Polygon') return geometry.coordinates;
  let best: Ring[] = geometry.coordinates[0] ?? [];
  let bestSize = -1;
  for (const polygon of geometry.coordinates) {
    const xs = (polygon[0] ?? []).map((p) => p[0] ?? 0);
    const ys = (polygon[0] ?? []).map((p) => p[1] ?? 0);
    const size = (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
    if (size > bestSize) {
      bestSize = size;
      best = polygon;
    }
  }
  return best;
}

/** The areas that have a geometry as drawable features: one simplified boundary and one label point each. */
export function areaFeatures(areas: readonly AdminArea[], version: number, synthetic: boolean, tolerance = DISPLAY_TOLERANCE_DEG): AreaFeatureCollection {
  const features: AreaFeatureCollection['features'] = [];
  for (const area of areas) {
    if (!area.geometry) continue;
    const base = { pcode: area.pcode, level: area.level, name: area.name, nameAr: area.nameAr, nameFr: area.nameFr };
    features.push({ type: 'Feature', properties: { ...base, kind: 'boundary' }, geometry: simplifyGeometry(area.geometry, tolerance) });
    const [x, y] = labelPoint(mainPolygon(area.geometry));
    features.push({
      type: 'Feature',
      properties: { ...base, kind: 'label' },
      geometry: { type: 'Point', coordinates: [Math.round(x * 1e5) / 1e5, Math.round(y * 1e5) / 1e5] },
    });
  }
  return { type: 'FeatureCollection', version, synthetic, features };
}
