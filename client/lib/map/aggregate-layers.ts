import type { FeatureCollection, Polygon } from 'geojson';
import type { GeoJSONSourceSpecification, LayerSpecification } from 'maplibre-gl';
import type { AggregateArea } from '../../../shared/aggregate';

/** Source and layers of an embassy's aggregate areas (H3 cells): outlines only, never a point. */
export const AGGREGATES_SOURCE = 'aggregate-areas';
export const LAYER_AGGREGATE_FILL = 'aggregate-fill';
export const LAYER_AGGREGATE_LINE = 'aggregate-line';
export const AGGREGATE_COLOR = '#5D3A9B';
/** How opaque the shading is: the basemap stays readable under a cell. */
export const AGGREGATE_FILL_OPACITY = 0.7;

/**
 * The choropleth's classes: people of the nationality in a cell, lightest for "<5". A sequential
 * purple ramp (readable for colour-blind people, distinct from the status colours of points).
 */
export const AGGREGATE_STEPS: readonly { min: number; color: string }[] = [
  { min: 0, color: '#DCD0EC' },
  { min: 5, color: '#B7A0D8' },
  { min: 20, color: '#8E6CC0' },
  { min: 50, color: '#5D3A9B' },
];

/** The class colour of a count as shown (a suppressed "<5" counts as 0). */
export function aggregateColor(people: number): string {
  let color = AGGREGATE_STEPS[0]!.color;
  for (const step of AGGREGATE_STEPS) if (people >= step.min) color = step.color;
  return color;
}

/** Each area as a closed polygon; `suppressed` when its count is shown as "<5". */
export function aggregatesToFeatureCollection(areas: readonly AggregateArea[]): FeatureCollection<Polygon> {
  return {
    type: 'FeatureCollection',
    features: areas
      .filter((a) => a.outline.length >= 3)
      .map((a) => {
        const ring = [...a.outline];
        const first = ring[0];
        const last = ring[ring.length - 1];
        if (first && last && (first[0] !== last[0] || first[1] !== last[1])) ring.push(first);
        return {
          type: 'Feature',
          id: a.area,
          properties: { area: a.area, suppressed: typeof a.people !== 'number', people: typeof a.people === 'number' ? a.people : 0 },
          geometry: { type: 'Polygon', coordinates: [ring] },
        };
      }),
  };
}

export function aggregatesSourceSpec(): GeoJSONSourceSpecification {
  return { type: 'geojson', data: { type: 'FeatureCollection', features: [] } };
}

/** A fill shaded by the number of nationals (a choropleth of hexagons) and an outline, under the group points. */
export function aggregateLayerSpecs(): LayerSpecification[] {
  return [
    {
      id: LAYER_AGGREGATE_FILL,
      type: 'fill',
      source: AGGREGATES_SOURCE,
      paint: {
        'fill-color': ['step', ['get', 'people'], AGGREGATE_STEPS[0]!.color, ...AGGREGATE_STEPS.slice(1).flatMap((s) => [s.min, s.color])],
        'fill-opacity': AGGREGATE_FILL_OPACITY,
      },
    },
    {
      id: LAYER_AGGREGATE_LINE,
      type: 'line',
      source: AGGREGATES_SOURCE,
      paint: { 'line-color': AGGREGATE_COLOR, 'line-width': 1 },
    },
  ];
}
