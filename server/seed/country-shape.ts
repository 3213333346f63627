import fs from 'node:fs';
import { createRequire } from 'node:module';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

/** A country's outline as rings of [lon, lat], with the even-odd rule deciding inside. */
export interface CountryShape {
  rings: [number, number][][];
  /** Whether a point lies on the country's land. */
  contains(lat: number, lon: number): boolean;
}

function isCountriesTopology(value: unknown): value is Topology<{ countries: GeometryCollection }> {
  if (typeof value !== 'object' || value === null) return false;
  if (!('type' in value) || value.type !== 'Topology' || !('objects' in value)) return false;
  const objects = value.objects;
  return (
    typeof objects === 'object' &&
    objects !== null &&
    'countries' in objects &&
    typeof objects.countries === 'object' &&
    objects.countries !== null &&
    'type' in objects.countries &&
    objects.countries.type === 'GeometryCollection'
  );
}

/** Ray casting: a point is inside when a ray from it crosses the rings an odd number of times (holes work). */
function insideRings(rings: readonly (readonly [number, number][])[], lon: number, lat: number): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i] ?? [0, 0];
      const [xj, yj] = ring[j] ?? [0, 0];
      if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** Loads one country (by ISO 3166-1 numeric id, as Natural Earth names them) from world-atlas's 1:50m set. */
export function loadCountryShape(numericId: string): CountryShape {
  const file = createRequire(import.meta.url).resolve('world-atlas/countries-50m.json');
  const topology: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!isCountriesTopology(topology)) throw new Error('world-atlas countries-50m.json is not a countries topology');
  const country = feature(topology, topology.objects.countries).features.find((f) => f.id === numericId);
  const geometry = country?.geometry;
  const polygons = geometry?.type === 'Polygon' ? [geometry.coordinates] : geometry?.type === 'MultiPolygon' ? geometry.coordinates : null;
  if (!polygons) throw new Error(`no polygon for country ${numericId} in world-atlas`);
  const rings = polygons.flat().map((ring) => ring.map((p): [number, number] => [p[0] ?? 0, p[1] ?? 0]));
  return { rings, contains: (lat, lon) => insideRings(rings, lon, lat) };
}
