import type { ExpressionSpecification, GeoJSONSource, LayerSpecification, Map as MapLibreMap } from 'maplibre-gl';
import { request } from '../api/api';
import { FONT_BOLD } from './basemap';
import { LAYER_CLUSTERS } from './group-layers';
import { AreaFeatureCollection } from '../../../shared/admin-areas/area-features';
import { ADMIN_AREA_ROUTES } from '../../../shared/schemas/admin-area.schema';

/** Source and layers of the crisis's admin boundaries: lines and names, under the groups. */
export const ADMIN_AREAS_SOURCE = 'admin-areas';
export const LAYER_ADMIN1_LINE = 'admin1-line';
export const LAYER_ADMIN2_LINE = 'admin2-line';
export const LAYER_ADMIN_LABEL = 'admin-label';
/** Grey-violet: apart from the status colours of points and the purple of an embassy's cells. */
export const ADMIN_LINE_COLOR = '#6B6477';
/** Zoom from which admin 2 lines and names appear (a region at country zoom, its districts closer). */
export const ADMIN2_MIN_ZOOM = 6;

/** The boundaries of the signed-in user's crisis, or null (none loaded, offline, or no crisis). */
export async function crisisAdminAreas(): Promise<AreaFeatureCollection | null> {
  const result = await request(AreaFeatureCollection, ADMIN_AREA_ROUTES.ownDrawable);
  return result.ok && result.value.features.length > 0 ? result.value : null;
}

/** An area's name in the page's language when the file gave it, else its default name (lists, filters). */
export function areaName(p: { name: string; nameAr: string | null; nameFr: string | null }, lang: string): string {
  return (lang === 'ar' ? p.nameAr : lang === 'fr' ? p.nameFr : null) ?? p.name;
}

/** The label text in the page's language when the file gave that name, else the default name. */
export function labelText(lang: string): ExpressionSpecification {
  if (lang === 'ar') return ['coalesce', ['get', 'nameAr'], ['get', 'name']];
  if (lang === 'fr') return ['coalesce', ['get', 'nameFr'], ['get', 'name']];
  return ['get', 'name'];
}

/** The three layers, for a language. Pure, so the styling is tested without a map. */
export function adminLayerSpecs(lang: string): LayerSpecification[] {
  const boundary: ExpressionSpecification = ['==', ['get', 'kind'], 'boundary'];
  return [
    {
      id: LAYER_ADMIN2_LINE,
      type: 'line',
      source: ADMIN_AREAS_SOURCE,
      minzoom: ADMIN2_MIN_ZOOM,
      filter: ['all', boundary, ['==', ['get', 'level'], 2]],
      paint: { 'line-color': ADMIN_LINE_COLOR, 'line-width': 0.8, 'line-opacity': 0.6, 'line-dasharray': [3, 2] },
    },
    {
      id: LAYER_ADMIN1_LINE,
      type: 'line',
      source: ADMIN_AREAS_SOURCE,
      filter: ['all', boundary, ['==', ['get', 'level'], 1]],
      paint: { 'line-color': ADMIN_LINE_COLOR, 'line-width': 1.6, 'line-opacity': 0.8 },
    },
    {
      id: LAYER_ADMIN_LABEL,
      type: 'symbol',
      source: ADMIN_AREAS_SOURCE,
      // Admin 1 names at country zoom; admin 2 names take over closer in.
      filter: [
        'all',
        ['==', ['get', 'kind'], 'label'],
        ['case', ['==', ['get', 'level'], 1], ['<', ['zoom'], ADMIN2_MIN_ZOOM + 1], ['>=', ['zoom'], ADMIN2_MIN_ZOOM]],
      ],
      layout: {
        'text-field': labelText(lang),
        'text-font': [FONT_BOLD],
        'text-size': ['case', ['==', ['get', 'level'], 1], 13, 11],
        'text-transform': 'uppercase',
        'text-letter-spacing': 0.05,
        'text-max-width': 8,
        'text-optional': true,
      },
      paint: { 'text-color': ADMIN_LINE_COLOR, 'text-halo-color': '#FFFFFF', 'text-halo-width': 1.5 },
    },
  ];
}

/**
 * Draws the crisis's admin boundaries and their names on `map` (after its style loaded), under
 * the groups. `data` may still be on its way: it is drawn when it arrives, unless the map was
 * removed meanwhile. Calling it again replaces the data and the label language.
 */
export function addAdminAreas(map: MapLibreMap, data: AreaFeatureCollection | Promise<AreaFeatureCollection | null> | null, lang: string): void {
  if (data instanceof Promise) {
    void data.then((ready) => {
      // A map removed while the request ran has no style left to add to.
      if (ready && map.style) addAdminAreas(map, ready, lang);
    });
    return;
  }
  if (!data) return;
  const source = map.getSource<GeoJSONSource>(ADMIN_AREAS_SOURCE);
  if (source) source.setData(data);
  else map.addSource(ADMIN_AREAS_SOURCE, { type: 'geojson', data });
  const below = map.getLayer(LAYER_CLUSTERS) ? LAYER_CLUSTERS : undefined;
  for (const layer of adminLayerSpecs(lang)) {
    if (map.getLayer(layer.id)) map.removeLayer(layer.id);
    map.addLayer(layer, below);
  }
}
