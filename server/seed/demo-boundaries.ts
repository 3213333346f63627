import { geometryBbox } from '../../shared/admin-areas/point-in-area';
import type { AdminArea, AreaGeometry } from '../../shared/schemas/admin-area.schema';

/** What the demo's boundary set says it is, wherever it is shown (admin screen, map, README). */
export const DEMO_BOUNDARY_SOURCE = 'synthetic demo boundaries (not COD-AB, not the real admin areas of Libya)';

const box = (west: number, south: number, east: number, north: number): AreaGeometry => ({
  type: 'Polygon',
  coordinates: [
    [
      [west, south],
      [east, south],
      [east, north],
      [west, north],
      [west, south],
    ],
  ],
});

interface Spec {
  pcode: string;
  name: string;
  nameAr: string;
  nameFr: string;
  parent: string | null;
  geometry: AreaGeometry;
}

// Rectangles over Libya's box, named after the regions and towns the demo groups are placed
// around, every name marked synthetic. P-codes use "LYS" so they can never be taken for OCHA's
// real Libyan p-codes (LY01...).
const SPECS: readonly Spec[] = [
  { pcode: 'LYS1', name: 'West (synthetic)', nameAr: 'الغرب – اصطناعي', nameFr: 'Ouest (fictif)', parent: null, geometry: box(9, 27, 17, 33.5) },
  { pcode: 'LYS2', name: 'East (synthetic)', nameAr: 'الشرق – اصطناعي', nameFr: 'Est (fictif)', parent: null, geometry: box(17, 27, 25.5, 33.5) },
  { pcode: 'LYS3', name: 'South (synthetic)', nameAr: 'الجنوب – اصطناعي', nameFr: 'Sud (fictif)', parent: null, geometry: box(9, 19, 25.5, 27) },
  {
    pcode: 'LYS101',
    name: 'Tripoli area (synthetic)',
    nameAr: 'منطقة طرابلس – اصطناعي',
    nameFr: 'Zone de Tripoli (fictif)',
    parent: 'LYS1',
    geometry: box(9, 27, 13.6, 33.5),
  },
  {
    pcode: 'LYS102',
    name: 'Misrata area (synthetic)',
    nameAr: 'منطقة مصراتة – اصطناعي',
    nameFr: 'Zone de Misrata (fictif)',
    parent: 'LYS1',
    geometry: box(13.6, 27, 17, 33.5),
  },
  {
    pcode: 'LYS201',
    name: 'Benghazi area (synthetic)',
    nameAr: 'منطقة بنغازي – اصطناعي',
    nameFr: 'Zone de Benghazi (fictif)',
    parent: 'LYS2',
    geometry: box(17, 27, 21.5, 33.5),
  },
  {
    pcode: 'LYS202',
    name: 'Tobruk area (synthetic)',
    nameAr: 'منطقة طبرق – اصطناعي',
    nameFr: 'Zone de Tobrouk (fictif)',
    parent: 'LYS2',
    geometry: box(21.5, 27, 25.5, 33.5),
  },
  {
    pcode: 'LYS301',
    name: 'Sabha area (synthetic)',
    nameAr: 'منطقة سبها – اصطناعي',
    nameFr: 'Zone de Sebha (fictif)',
    parent: 'LYS3',
    geometry: box(9, 19, 17, 27),
  },
  {
    pcode: 'LYS302',
    name: 'Kufra area (synthetic)',
    nameAr: 'منطقة الكفرة – اصطناعي',
    nameFr: 'Zone de Koufra (fictif)',
    parent: 'LYS3',
    geometry: box(17, 19, 25.5, 27),
  },
];

/** The demo crisis's made-up admin 1 and 2 areas (simple rectangles), so demo groups have admin areas to show. */
export function demoAdminAreas(): AdminArea[] {
  return SPECS.map((s) => ({
    pcode: s.pcode,
    level: s.parent === null ? 1 : 2,
    name: s.name,
    nameAr: s.nameAr,
    nameFr: s.nameFr,
    parentPcode: s.parent,
    geometry: s.geometry,
    bbox: geometryBbox(s.geometry),
  }));
}
