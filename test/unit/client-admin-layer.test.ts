import { describe, expect, it } from 'vitest';
import { adminLayerSpecs, ADMIN_AREAS_SOURCE, labelText } from '../../client/lib/map/admin-layer';

describe('admin boundary layers', () => {
  it('label in the page language where the file gave the name, else the default name', () => {
    expect(labelText('ar')).toEqual(['coalesce', ['get', 'nameAr'], ['get', 'name']]);
    expect(labelText('fr')).toEqual(['coalesce', ['get', 'nameFr'], ['get', 'name']]);
    expect(labelText('en')).toEqual(['get', 'name']);
  });

  it('draws admin 1 and 2 lines and one label layer from the admin areas source', () => {
    const specs = adminLayerSpecs('en');
    expect(specs.map((s) => [s.id, s.type])).toEqual([
      ['admin2-line', 'line'],
      ['admin1-line', 'line'],
      ['admin-label', 'symbol'],
    ]);
    expect(specs.every((s) => 'source' in s && s.source === ADMIN_AREAS_SOURCE)).toBe(true);
  });
});
