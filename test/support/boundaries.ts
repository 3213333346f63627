import type { AdminArea, AreaGeometry } from '../../shared/schemas/admin-area.schema';
import { geometryBbox } from '../../shared/admin-areas/point-in-area';

/** A closed square ring, counter-clockwise, from (x0, y0) to (x1, y1). */
export const square = (x0: number, y0: number, x1: number, y1: number): [number, number][] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];

/** An admin area with its box computed, for index tests. */
export function area(pcode: string, level: 1 | 2, geometry: AreaGeometry | null, parentPcode: string | null = null, name = `Area ${pcode}`): AdminArea {
  return { pcode, level, name, nameAr: null, nameFr: null, parentPcode, geometry, bbox: geometry ? geometryBbox(geometry) : null };
}

/** A COD-AB-like feature (HDX property names) for a level with its parent's columns. */
export function codFeature(
  level: 1 | 2,
  pcode: string,
  name: string,
  geometry: unknown,
  parent?: { pcode: string; name: string },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const properties: Record<string, unknown> = { ADM0_EN: 'Libya', ADM0_PCODE: 'LY', [`ADM${level}_EN`]: name, [`ADM${level}_PCODE`]: pcode, ...extra };
  if (parent) Object.assign(properties, { ADM1_EN: parent.name, ADM1_PCODE: parent.pcode });
  return { type: 'Feature', properties, geometry };
}

/** A FeatureCollection's text, as a COD-AB file holds it. */
export const collectionText = (features: unknown[]): string => JSON.stringify({ type: 'FeatureCollection', features }, null, 1);
