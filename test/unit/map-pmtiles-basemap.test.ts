import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import type { StyleSpecification } from 'maplibre-gl';
import { PMTiles, type RangeResponse, type Source } from 'pmtiles';
import { describe, expect, it } from 'vitest';
import { offlineStyle } from '../../client/lib/map/basemap';
import { STREETS_LAYER_PREFIX, STREETS_SOURCE, withStreets } from '../../client/lib/map/pmtiles-basemap';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { writePmtilesArchive } from '../support/pmtiles-archive';

const base = offlineStyle('LBY');
const styleIn = (lang: string) =>
  withStreets(base, { path: API_ROUTES.basemapTiles, origin: 'http://127.0.0.1:8080', lang, attribution: 'Protomaps, &#169; OpenStreetMap' });

/** Every font name a layer's text-font asks for, literal arrays and those inside expressions alike. */
function fontNames(style: StyleSpecification): Set<string> {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string' && /^Noto /.test(value)) names.add(value);
    else if (Array.isArray(value)) value.forEach(walk);
  };
  for (const layer of style.layers) if (layer.type === 'symbol') walk(layer.layout?.['text-font']);
  return names;
}

describe(withStreets.name, () => {
  const style = styleIn('en');

  it('is a valid MapLibre style', () => {
    expect(validateStyleMin(style as Parameters<typeof validateStyleMin>[0])).toEqual([]);
  });

  it('reads the archive from the same origin through the pmtiles protocol, credited to OpenStreetMap', () => {
    expect(style.sources[STREETS_SOURCE]).toEqual({
      type: 'vector',
      url: `pmtiles://http://127.0.0.1:8080${API_ROUTES.basemapTiles}`,
      attribution: 'Protomaps, &#169; OpenStreetMap',
    });
  });

  it('fetches nothing from the internet: no glyphs URL, no sprite, no icon layer, no remote URL', () => {
    expect(style.glyphs).toBeUndefined();
    expect(style.sprite).toBeUndefined();
    expect(style.layers.filter((l) => l.type === 'symbol' && l.layout && Object.keys(l.layout).some((k) => k.startsWith('icon-')))).toEqual([]);
    expect(JSON.stringify(style).replace('http://127.0.0.1:8080', '')).not.toMatch(/https?:\/\//);
  });

  it('declares a bundled font file for every font the street labels name', () => {
    const declared = Object.keys(style['font-faces'] ?? {});
    // Devanagari names go to the device's fonts (MapLibre's fallback); no crisis region here needs them.
    const named = [...fontNames(style)].filter((n) => !n.includes('Devanagari'));
    expect(named.length).toBeGreaterThanOrEqual(2);
    for (const name of named) expect(declared).toContain(name);
  });

  it('puts the streets over the bundled land and under the borders, keeping every bundled layer in order', () => {
    const ids = style.layers.map((l) => l.id);
    const bundled = ids.filter((id) => !id.startsWith(STREETS_LAYER_PREFIX));
    expect(bundled).toEqual(base.layers.map((l) => l.id));
    const firstStreet = ids.findIndex((id) => id.startsWith(STREETS_LAYER_PREFIX));
    expect(ids[firstStreet - 1]).toBe('basemap-host');
    expect(ids.indexOf('basemap-borders')).toBeGreaterThan(ids.findLastIndex((id) => id.startsWith(STREETS_LAYER_PREFIX)));
    expect(new Set(ids).size).toBe(ids.length);
    // The bundled sea stays the one background, for the world beyond the archive's region.
    expect(style.layers.filter((l) => l.type === 'background').map((l) => l.id)).toEqual(['basemap-sea']);
  });

  it('keeps the town names, without the town dots of the online sprite, and leaves points of interest out', () => {
    const locality = style.layers.find((l) => l.id === `${STREETS_LAYER_PREFIX}places_locality`);
    expect(locality?.type === 'symbol' && locality.layout?.['text-field']).toBeTruthy();
    expect(style.layers.some((l) => l.id === `${STREETS_LAYER_PREFIX}pois`)).toBe(false);
  });

  it('draws names in the page language where the tiles have one', () => {
    expect(JSON.stringify(styleIn('ar').layers)).toContain('name:ar');
    expect(JSON.stringify(styleIn('fr').layers)).toContain('name:fr');
  });

  it('leaves the bundled style untouched', () => {
    const before = JSON.stringify(offlineStyle('LBY'));
    styleIn('en');
    expect(JSON.stringify(base)).toBe(before);
  });
});

describe(writePmtilesArchive.name, () => {
  it('writes an archive the pmtiles reader opens, with each tile where the directory says', async () => {
    const tile = (z: number, x: number, y: number) => ({ z, x, y, layers: { water: [{ type: 'point' as const, at: [13, 32] as const }] } });
    const archive = writePmtilesArchive([tile(1, 1, 0), tile(0, 0, 0), tile(1, 0, 1)]);
    const source: Source = {
      getKey: () => 'memory',
      getBytes: async (offset, length): Promise<RangeResponse> => ({ data: archive.slice(offset, offset + length).buffer }),
    };
    const reader = new PMTiles(source);
    const header = await reader.getHeader();
    expect(header).toMatchObject({ specVersion: 3, minZoom: 0, maxZoom: 1, numTileEntries: 3, tileType: 1 });
    for (const [z, x, y] of [
      [0, 0, 0],
      [1, 1, 0],
      [1, 0, 1],
    ] as const) {
      expect((await reader.getZxy(z, x, y))?.data.byteLength, `${z}/${x}/${y}`).toBeGreaterThan(0);
    }
    expect(await reader.getZxy(1, 1, 1)).toBeUndefined();
  });
});
