import type { FeatureCollection, Polygon } from 'geojson';
import type { GeoJSONSourceSpecification, LayerSpecification } from 'maplibre-gl';
import type { AggregateArea } from '../../../shared/aggregate';

/** Source and layers of an embassy's aggregate areas (H3 cells): outlines only, never a point. */
export const AGGREGATES_SOURCE = 'aggregate-areas';
export const LAYER_AGGREGATE_FILL = 'aggregate-fill';
export const LAYER_AGGREGATE_LINE = 'aggregate-line';
export const AGGREGATE_COLOR = '#5D3A9B';

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

/** A translucent fill (lighter for "<5") and an outline, under the group points. */
export function aggregateLayerSpecs(): LayerSpecification[] {
  return [
    {
      id: LAYER_AGGREGATE_FILL,
      type: 'fill',
      source: AGGREGATES_SOURCE,
      paint: { 'fill-color': AGGREGATE_COLOR, 'fill-opacity': ['case', ['get', 'suppressed'], 0.12, 0.28] },
    },
    {
      id: LAYER_AGGREGATE_LINE,
      type: 'line',
      source: AGGREGATES_SOURCE,
      paint: { 'line-color': AGGREGATE_COLOR, 'line-width': 1.5 },
    },
  ];
}
