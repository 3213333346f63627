import { layers, namedFlavor, type Flavor } from '@protomaps/basemaps';
import { addProtocol, type FontFacesSpecification, type LayerSpecification, type StyleSpecification } from 'maplibre-gl';
import { Protocol } from 'pmtiles';
// The street labels are drawn from the same bundled Noto Sans as the rest of the map, in the three
// weights the Protomaps style names: no glyph server, so they draw offline (see basemap.ts).
import notoRegularLatin from '@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff2?url';
import notoRegularLatinExt from '@fontsource/noto-sans/files/noto-sans-latin-ext-400-normal.woff2?url';
import notoMediumLatin from '@fontsource/noto-sans/files/noto-sans-latin-500-normal.woff2?url';
import notoMediumLatinExt from '@fontsource/noto-sans/files/noto-sans-latin-ext-500-normal.woff2?url';
import notoItalicLatin from '@fontsource/noto-sans/files/noto-sans-latin-400-italic.woff2?url';
import notoItalicLatinExt from '@fontsource/noto-sans/files/noto-sans-latin-ext-400-italic.woff2?url';
import { LATIN_EXT_RANGES, LATIN_RANGES } from './basemap';

/** Source id of the street-level tiles; its layers' ids start with `STREETS_LAYER_PREFIX`. */
export const STREETS_SOURCE = 'basemap-streets';
export const STREETS_LAYER_PREFIX = 'basemap-streets-';

/** The font names the Protomaps layers ask for (their defaults, kept so the style reads as documented). */
const STREET_FONTS = { regular: 'Noto Sans Regular', bold: 'Noto Sans Medium', italic: 'Noto Sans Italic' } as const;

const face = (latin: string, latinExt: string) => [
  { url: latin, 'unicode-range': LATIN_RANGES },
  { url: latinExt, 'unicode-range': LATIN_EXT_RANGES },
];

/**
 * The street labels' font files. Arabic names fall outside every range and are drawn with the
 * device's own fonts, which MapLibre does for any character no declared file covers.
 */
export const STREET_FONT_FACES: FontFacesSpecification = {
  [STREET_FONTS.regular]: face(notoRegularLatin, notoRegularLatinExt),
  [STREET_FONTS.bold]: face(notoMediumLatin, notoMediumLatinExt),
  [STREET_FONTS.italic]: face(notoItalicLatin, notoItalicLatinExt),
};

/**
 * The light Protomaps look, quiet like the bundled basemap, with its text in the bundled fonts and
 * without points of interest: shops and cafés would crowd out the groups, and their icons are online.
 */
const FLAVOR: Flavor = (() => {
  const { pois: _pois, ...light } = namedFlavor('light');
  return { ...light, ...STREET_FONTS };
})();

/** The layer after which the street layers go: above the bundled land, under the borders and the host outline. */
const INSERT_AFTER = 'basemap-host';

let registered = false;

/** Lets MapLibre read `pmtiles://` sources with HTTP range requests; once per page, as the protocol is global. */
export function registerPmtilesProtocol(): void {
  if (registered) return;
  registered = true;
  addProtocol('pmtiles', new Protocol().tile);
}

/**
 * The layer as it can be drawn offline, or null. Icons come from a sprite sheet the style would
 * fetch from the internet (town dots, road shields, one-way arrows), so a symbol layer keeps only
 * its text, and goes when it had nothing else. Protomaps' background goes too: the bundled
 * basemap's sea and countries show wherever the archive has no tiles.
 */
function offlineLayer(layer: LayerSpecification): LayerSpecification | null {
  if (layer.type === 'background') return null;
  if (layer.type !== 'symbol' || !layer.layout) return layer;
  const layout = Object.fromEntries(Object.entries(layer.layout).filter(([key]) => !key.startsWith('icon-')));
  if (!('text-field' in layout)) return null;
  return { ...layer, layout };
}

export interface StreetsOptions {
  /** The archive's URL on this origin (ClientConfig.basemapPmtilesUrl), e.g. `/api/basemap/tiles.pmtiles`. */
  path: string;
  /** The page's origin, which the pmtiles reader needs to make the path absolute. */
  origin: string;
  /** The page's language: names are drawn in it where the tiles have one. */
  lang: string;
  /** Credit for the tiles (OpenStreetMap data), as HTML-escaped text. */
  attribution: string;
}

/**
 * The bundled offline style with the deployment's street-level tiles drawn over its countries: a
 * regional archive has tiles only for its region, and the country outlines stay everywhere else.
 */
export function withStreets(base: StyleSpecification, options: StreetsOptions): StyleSpecification {
  const streetLayers = layers(STREETS_SOURCE, FLAVOR, { lang: options.lang }).flatMap((layer) => {
    const drawable = offlineLayer(layer);
    return drawable ? [{ ...drawable, id: `${STREETS_LAYER_PREFIX}${layer.id}` }] : [];
  });
  const at = base.layers.findIndex((layer) => layer.id === INSERT_AFTER) + 1;
  if (at === 0) throw new Error(`the bundled style has no layer ${INSERT_AFTER} to put the streets above`);
  return {
    ...base,
    'font-faces': { ...base['font-faces'], ...STREET_FONT_FACES },
    sources: {
      ...base.sources,
      [STREETS_SOURCE]: { type: 'vector', url: `pmtiles://${options.origin}${options.path}`, attribution: options.attribution },
    },
    layers: [...base.layers.slice(0, at), ...streetLayers, ...base.layers.slice(at)],
  };
}
