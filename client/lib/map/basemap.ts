import type { Feature, FeatureCollection, MultiLineString, MultiPolygon, Polygon } from 'geojson';
import type { ExpressionSpecification, FontFacesSpecification, StyleSpecification } from 'maplibre-gl';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
// The font and the country outlines ship with the app and come from its own origin: responders
// work offline, and a tile or glyph server is one more thing that fails in a crisis.
import notoBoldLatin from '@fontsource/noto-sans/files/noto-sans-latin-700-normal.woff2?url';
import notoBoldLatinExt from '@fontsource/noto-sans/files/noto-sans-latin-ext-700-normal.woff2?url';
// Arabic place names; MapLibre shapes and orders Arabic itself, it only needs the glyphs.
import notoBoldArabic from '@fontsource/noto-sans-arabic/files/noto-sans-arabic-arabic-700-normal.woff2?url';
// Fetched rather than imported as JSON: as a module it would add ~750 kB of JavaScript to parse
// before the first paint; as an asset it downloads beside the code, is cached on its own, and the
// map draws points while it arrives.
import countriesUrl from 'world-atlas/countries-50m.json?url';
import { numericToIso3 } from '../../../shared/countries';

/** Source ids of the basemap; the group layers go above them. */
export const COUNTRIES_SOURCE = 'basemap-countries';
export const BORDERS_SOURCE = 'basemap-borders';

/** The one font stack the map draws text with: cluster counts and place names. */
export const FONT_BOLD = 'Noto Sans Bold';

// Unicode ranges of the two subsets, as @fontsource/noto-sans declares them in latin-700.css and
// latin-ext-700.css. A file is downloaded only when a character it covers is drawn.
export const LATIN_RANGES = [
  'U+0000-00FF',
  'U+0131',
  'U+0152-0153',
  'U+02BB-02BC',
  'U+02C6',
  'U+02DA',
  'U+02DC',
  'U+0304',
  'U+0308',
  'U+0329',
  'U+2000-206F',
  'U+20AC',
  'U+2122',
  'U+2191',
  'U+2193',
  'U+2212',
  'U+2215',
  'U+FEFF',
  'U+FFFD',
];
export const LATIN_EXT_RANGES = [
  'U+0100-02BA',
  'U+02BD-02C5',
  'U+02C7-02CC',
  'U+02CE-02D7',
  'U+02DD-02FF',
  'U+0304',
  'U+0308',
  'U+0329',
  'U+1D00-1DBF',
  'U+1E00-1E9F',
  'U+1EF2-1EFF',
  'U+2020',
  'U+20A0-20AB',
  'U+20AD-20C0',
  'U+2113',
  'U+2C60-2C7F',
  'U+A720-A7FF',
];

// The Arabic subset of @fontsource/noto-sans-arabic (arabic-700.css), less its astral ranges
// (mathematical alphabets, Rumi numerals), which place names never use.
const ARABIC_RANGES = [
  'U+0600-06FF',
  'U+0750-077F',
  'U+0870-088E',
  'U+0890-0891',
  'U+0897-08E1',
  'U+08E3-08FF',
  'U+200C-200E',
  'U+2010-2011',
  'U+204F',
  'U+2E41',
  'U+FB50-FDFF',
  'U+FE70-FE74',
  'U+FE76-FEFC',
];

/** The style's `font-faces`: text is drawn from font files bundled with the app, no glyph server. */
export const FONT_FACES: FontFacesSpecification = {
  [FONT_BOLD]: [
    { url: notoBoldLatin, 'unicode-range': LATIN_RANGES },
    { url: notoBoldLatinExt, 'unicode-range': LATIN_EXT_RANGES },
    { url: notoBoldArabic, 'unicode-range': ARABIC_RANGES },
  ],
};

/** Basemap colours: quiet, so that the groups carry the colour. */
export const BASEMAP_COLORS = {
  sea: '#C9D9E6',
  land: '#E8E4DA',
  host: '#FAF8F2',
  border: '#A8A294',
  hostBorder: '#3E4A56',
} as const;

export interface CountryProperties {
  /** ISO 3166-1 alpha-3, or '' for the few Natural Earth units without a code (e.g. N. Cyprus). */
  iso3: string;
}

/** The basemap's geometry: country polygons and the borders between countries, drawn once each. */
export interface BasemapData {
  countries: FeatureCollection<Polygon | MultiPolygon, CountryProperties>;
  borders: Feature<MultiLineString>;
}

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

function isCountriesTopology(value: unknown): value is Topology<{ countries: GeometryCollection }> {
  if (typeof value !== 'object' || value === null) return false;
  const { type, objects } = value as { type?: unknown; objects?: { countries?: { type?: unknown } } };
  return type === 'Topology' && objects?.countries?.type === 'GeometryCollection';
}

/** Converts world-atlas TopoJSON to the basemap's GeoJSON, tagging each country with its alpha-3. */
export function topologyToBasemap(topology: unknown): BasemapData {
  if (!isCountriesTopology(topology)) throw new Error('countries data is not a world-atlas topology');
  const collection = feature(topology, topology.objects.countries);
  const countries: BasemapData['countries'] = { type: 'FeatureCollection', features: [] };
  for (const f of collection.features) {
    const geometry = f.geometry;
    if (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon') continue;
    // world-atlas ids are ISO 3166-1 numeric codes, as strings ("434" is Libya).
    const iso3 = typeof f.id === 'string' ? (numericToIso3(f.id) ?? '') : '';
    countries.features.push({ type: 'Feature', geometry, properties: { iso3 } });
  }
  // Shared arcs only (a !== b): each border once, and no line along coasts.
  const borders: Feature<MultiLineString> = {
    type: 'Feature',
    properties: {},
    geometry: mesh(topology, topology.objects.countries, (a, b) => a !== b),
  };
  return { countries, borders };
}

let loading: Promise<BasemapData> | null = null;

/**
 * The bundled country outlines from the app's own origin, converted: downloaded once per page and
 * shared by every map of it (a change of language makes the map again, and it drew the same
 * outlines). Not aborted when a map goes away: a map removed meanwhile ignores the answer, and the
 * next map takes it. A failed download is tried again by the next caller.
 */
export function loadBasemapData(): Promise<BasemapData> {
  if (!loading) {
    const attempt = fetch(countriesUrl).then(async (response) => {
      if (!response.ok) throw new Error(`country outlines: HTTP ${response.status}`);
      return topologyToBasemap(await response.json());
    });
    attempt.catch(() => {
      if (loading === attempt) loading = null;
    });
    loading = attempt;
  }
  return loading;
}

/** Filter matching the host country's polygon. */
export function hostFilter(hostCountry: string): ExpressionSpecification {
  return ['==', ['get', 'iso3'], hostCountry];
}

/** Filter matching every other country. */
export function otherCountriesFilter(hostCountry: string): ExpressionSpecification {
  return ['!=', ['get', 'iso3'], hostCountry];
}

/** Layer ids whose filter names the host country; changing the host only refilters them. */
export const HOST_FILTERED_LAYERS = { host: ['basemap-host', 'basemap-host-outline'], others: ['basemap-land'] } as const;

/**
 * The offline style: sea, land, the host country lighter with a strong outline, and borders.
 * The country sources start empty and are filled by `loadBasemapData`, so the map (and its
 * points) can draw before the outlines arrive. There is no `glyphs` URL: see FONT_FACES.
 */
export function offlineStyle(hostCountry: string, attribution = 'Natural Earth'): StyleSpecification {
  return {
    version: 8,
    name: 'Waymark offline basemap',
    'font-faces': FONT_FACES,
    sources: {
      // 50m outlines have nothing more to show past zoom 8; overzooming spares tiling work.
      [COUNTRIES_SOURCE]: { type: 'geojson', data: EMPTY, maxzoom: 8, attribution },
      [BORDERS_SOURCE]: { type: 'geojson', data: EMPTY, maxzoom: 8 },
    },
    layers: [
      { id: 'basemap-sea', type: 'background', paint: { 'background-color': BASEMAP_COLORS.sea } },
      {
        id: 'basemap-land',
        type: 'fill',
        source: COUNTRIES_SOURCE,
        filter: otherCountriesFilter(hostCountry),
        paint: { 'fill-color': BASEMAP_COLORS.land },
      },
      {
        id: 'basemap-host',
        type: 'fill',
        source: COUNTRIES_SOURCE,
        filter: hostFilter(hostCountry),
        paint: { 'fill-color': BASEMAP_COLORS.host },
      },
      {
        id: 'basemap-borders',
        type: 'line',
        source: BORDERS_SOURCE,
        layout: { 'line-join': 'round' },
        paint: {
          'line-color': BASEMAP_COLORS.border,
          'line-width': ['interpolate', ['linear'], ['zoom'], 2, 0.5, 8, 1.5],
        },
      },
      {
        id: 'basemap-host-outline',
        type: 'line',
        source: COUNTRIES_SOURCE,
        filter: hostFilter(hostCountry),
        layout: { 'line-join': 'round' },
        paint: {
          'line-color': BASEMAP_COLORS.hostBorder,
          'line-width': ['interpolate', ['linear'], ['zoom'], 2, 1.2, 8, 2.5],
        },
      },
    ],
  };
}
