import type { Feature, FeatureCollection, Point } from 'geojson';
import type { FilterSpecification, GeoJSONSourceSpecification, LayerSpecification } from 'maplibre-gl';
import type { Gazetteer } from '../places/places';
import { FONT_BOLD } from './basemap';

// Town labels: the gazetteer as GeoJSON and the layers that draw it under the groups. Larger
// places show from further out (a layer per size band with its own minzoom), and where two
// labels collide the larger place wins (symbol-sort-key).

export const PLACES_SOURCE = 'places';
export const LAYER_PLACE_DOTS = 'place-dots';
export const LAYER_PLACE_LABELS = 'place-labels';

/** A warm dark brown: apart from every status colour and the host outline, so names never read as data. */
export const PLACE_COLORS = { text: '#5A3E2B', halo: '#FFFFFF', dot: '#5A3E2B' } as const;

/** Size bands: population at least `min` shows from `minzoom` on, in text of `size` px. */
export const PLACE_BANDS = [
  { id: 'city', min: 100_000, minzoom: 4, size: 14 },
  { id: 'town', min: 20_000, minzoom: 6, size: 12.5 },
  { id: 'village', min: 0, minzoom: 8, size: 11.5 },
] as const;

export interface PlaceFeatureProperties {
  /** The name shown in the page's language. */
  label: string;
  population: number;
  band: (typeof PLACE_BANDS)[number]['id'];
}

/** The gazetteer as label points, named in `language` where a name exists in it. */
export function placesToFeatureCollection(gazetteer: Gazetteer, language: string): FeatureCollection<Point, PlaceFeatureProperties> {
  const features: Feature<Point, PlaceFeatureProperties>[] = gazetteer.places.map((place) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [place.lon, place.lat] },
    properties: {
      label: language === 'ar' && place.nameAr ? place.nameAr : place.name,
      population: place.population,
      band: PLACE_BANDS.find((b) => place.population >= b.min)!.id,
    },
  }));
  return { type: 'FeatureCollection', features };
}

/** The places source, empty until the gazetteer arrives; credits GeoNames (CC BY 4.0). */
export function placesSourceSpec(attribution: string): GeoJSONSourceSpecification {
  return { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, attribution };
}

/** Per band, a dot and a label; every label layer id starts with LAYER_PLACE_LABELS. */
export function placeLayerSpecs(): LayerSpecification[] {
  const layers: LayerSpecification[] = [];
  for (const band of PLACE_BANDS) {
    const filter: FilterSpecification = ['==', ['get', 'band'], band.id];
    layers.push({
      id: `${LAYER_PLACE_DOTS}-${band.id}`,
      type: 'circle',
      source: PLACES_SOURCE,
      minzoom: band.minzoom,
      filter,
      paint: {
        'circle-radius': band.id === 'city' ? 3 : 2.25,
        'circle-color': PLACE_COLORS.dot,
        'circle-stroke-color': PLACE_COLORS.halo,
        'circle-stroke-width': 1,
      },
    });
    layers.push({
      id: `${LAYER_PLACE_LABELS}-${band.id}`,
      type: 'symbol',
      source: PLACES_SOURCE,
      minzoom: band.minzoom,
      filter,
      layout: {
        'text-field': ['get', 'label'],
        'text-font': [FONT_BOLD],
        'text-size': band.size,
        // Beside the dot, on whichever side has room; a label with no room is left out, not stacked.
        'text-variable-anchor': ['left', 'right', 'top', 'bottom'],
        'text-radial-offset': 0.5,
        'text-justify': 'auto',
        'symbol-sort-key': ['-', ['get', 'population']],
        'text-max-width': 8,
      },
      paint: { 'text-color': PLACE_COLORS.text, 'text-halo-color': PLACE_COLORS.halo, 'text-halo-width': 1.5 },
    });
  }
  return layers;
}
