import { describe, expect, it } from 'vitest';
import { readBoundaryFiles } from '../../server/services/boundary-file';
import { codFeature, collectionText, square } from '../support/boundaries';

const poly = (x: number) => ({ type: 'Polygon', coordinates: [square(x, 0, x + 1, 1)] });

describe(readBoundaryFiles.name, () => {
  it('detects each feature level from its deepest ADMn_PCODE and keeps Arabic and French names', () => {
    const { areas, preview } = readBoundaryFiles([
      {
        name: 'both.geojson',
        text: collectionText([
          codFeature(1, 'LY01', 'Tripoli', poly(0), undefined, { ADM1_AR: 'طرابلس', ADM1_FR: 'Tripoli (fr)' }),
          codFeature(2, 'LY0101', 'Janzour', poly(0), { pcode: 'LY01', name: 'Tripoli' }),
        ]),
      },
    ]);
    expect(preview.ok).toBe(true);
    expect(areas.map((a) => [a.pcode, a.level, a.parentPcode, a.nameAr])).toEqual([
      ['LY01', 1, null, 'طرابلس'],
      ['LY0101', 2, 'LY01', null],
    ]);
    expect(areas[0]?.bbox).toEqual([0, 0, 1, 1]);
  });

  it('names admin 1 areas an admin 2 file only mentions, without geometry, and warns', () => {
    const { areas, preview } = readBoundaryFiles([
      { name: 'adm2.geojson', text: collectionText([codFeature(2, 'LY0201', 'Benghazi', poly(5), { pcode: 'LY02', name: 'East' })]) },
    ]);
    expect(preview.ok).toBe(true);
    expect(areas.find((a) => a.pcode === 'LY02')).toMatchObject({ level: 1, name: 'East', geometry: null });
    expect(preview.levels[0]).toEqual({ level: 1, count: 1, names: ['East'], withoutGeometry: 1 });
    expect(preview.problems).toEqual([expect.objectContaining({ code: 'parent_missing', severity: 'warning', pcode: 'LY02' })]);
  });

  it('takes ADM2_REF when there is no English name, skips admin 3 with a warning, and reads lower-case keys', () => {
    const { areas, preview } = readBoundaryFiles([
      {
        name: 'mixed.geojson',
        text: collectionText([
          { type: 'Feature', properties: { adm1_pcode: 'LY03', adm1_en: 'South' }, geometry: poly(7) },
          { type: 'Feature', properties: { ADM2_PCODE: 'LY0301', ADM2_REF: 'Sabha', ADM1_PCODE: 'LY03' }, geometry: poly(7) },
          { type: 'Feature', properties: { ADM3_PCODE: 'LY030101', ADM3_EN: 'Ward' }, geometry: poly(7) },
        ]),
      },
    ]);
    expect(preview.ok).toBe(true);
    expect(areas.map((a) => a.name)).toEqual(['South', 'Sabha']);
    expect(preview.problems.map((p) => [p.code, p.severity])).toEqual([['level_skipped', 'warning']]);
  });

  it('refuses duplicate p-codes, bad p-codes, missing names and rings that enclose nothing', () => {
    const { areas, preview } = readBoundaryFiles([
      {
        name: 'bad.geojson',
        text: collectionText([
          codFeature(1, 'LY01', 'A', poly(0)),
          codFeature(1, 'LY01', 'B', poly(2)),
          codFeature(1, 'LY 02', 'C', poly(4)),
          { type: 'Feature', properties: { ADM1_PCODE: 'LY04' }, geometry: poly(6) },
          codFeature(1, 'LY05', 'Flat', {
            type: 'Polygon',
            coordinates: [
              [
                [0, 0],
                [1, 1],
                [2, 2],
                [0, 0],
              ],
            ],
          }),
        ]),
      },
    ]);
    expect(preview.ok).toBe(false);
    expect(areas).toEqual([]);
    expect(preview.problems.map((p) => [p.code, p.feature])).toEqual([
      ['duplicate_pcode', 1],
      ['bad_pcode', 2],
      ['missing_name', 3],
      ['bad_geometry', 4],
    ]);
  });

  it('refuses something that is GeoJSON but not a FeatureCollection, and an empty collection', () => {
    const point = readBoundaryFiles([{ name: 'p.geojson', text: JSON.stringify({ type: 'Point', coordinates: [0, 0] }) }]);
    expect(point.preview.problems.map((p) => p.code)).toEqual(['not_feature_collection']);
    const empty = readBoundaryFiles([{ name: 'e.geojson', text: collectionText([]) }]);
    expect(empty.preview.problems.map((p) => p.code)).toEqual(['no_areas']);
  });
});
