import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FONT_BOLD, FONT_FACES, hostFilter, offlineStyle, topologyToBasemap } from '../../client/lib/map/basemap';
import { groupLayerSpecs } from '../../client/lib/map/group-layers';

const require = createRequire(import.meta.url);
const worldAtlas = JSON.parse(readFileSync(require.resolve('world-atlas/countries-50m.json'), 'utf8')) as unknown;

describe(topologyToBasemap.name, () => {
  const basemap = topologyToBasemap(worldAtlas);

  it('tags each country polygon with its ISO alpha-3 code', () => {
    const codes = basemap.countries.features.map((f) => f.properties.iso3);
    expect(codes).toContain('LBY');
    expect(codes).toContain('AFG');
    expect(codes.filter((c) => c === 'LBY')).toHaveLength(1);
    expect(basemap.countries.features.length).toBeGreaterThan(200);
  });

  it('keeps units without a code, tagged with an empty code, so no land goes missing', () => {
    expect(basemap.countries.features.some((f) => f.properties.iso3 === '')).toBe(true);
  });

  it('draws borders between countries as one multi-line', () => {
    expect(basemap.borders.geometry.type).toBe('MultiLineString');
    expect(basemap.borders.geometry.coordinates.length).toBeGreaterThan(100);
  });

  it('refuses data that is not a world-atlas topology', () => {
    expect(() => topologyToBasemap({ type: 'FeatureCollection', features: [] })).toThrow(/topology/);
    expect(() => topologyToBasemap(null)).toThrow(/topology/);
  });
});

describe(offlineStyle.name, () => {
  const style = offlineStyle('LBY');

  it('fetches nothing from outside: no glyphs URL, no sprite, no remote source', () => {
    expect(style.glyphs).toBeUndefined();
    expect(style.sprite).toBeUndefined();
    expect(JSON.stringify(style)).not.toMatch(/https?:\/\//);
  });

  it('declares the bundled Noto Sans files (Latin and Arabic) as font faces', () => {
    const faces = style['font-faces']?.[FONT_BOLD];
    expect(Array.isArray(faces)).toBe(true);
    for (const face of Array.isArray(faces) ? faces : []) {
      expect(face.url).toMatch(/noto-sans-(latin(-ext)?|arabic-arabic)-700-normal.*\.woff2/);
      expect(face.url).not.toMatch(/^https?:/);
    }
  });

  it('draws the host country with its own fill and outline', () => {
    const hostLayers = style.layers.filter((l) => 'filter' in l && JSON.stringify(l.filter) === JSON.stringify(hostFilter('LBY')));
    expect(hostLayers.map((l) => l.type).sort()).toEqual(['fill', 'line']);
  });
});

describe(groupLayerSpecs.name, () => {
  it('names only font stacks the bundled font faces declare', () => {
    const stacks = groupLayerSpecs().flatMap((l) => (l.type === 'symbol' && l.layout?.['text-field'] ? [l.layout['text-font']] : []));
    expect(stacks.length).toBeGreaterThan(0);
    for (const stack of stacks) {
      expect(Array.isArray(stack)).toBe(true);
      for (const name of Array.isArray(stack) ? stack : []) expect(Object.keys(FONT_FACES)).toContain(name);
    }
  });
});
