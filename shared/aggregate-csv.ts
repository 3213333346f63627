import type { EmbassyAggregates } from './aggregate';
import { hxlCsv, type HxlColumn } from './exports/hxl-csv';

/** Column headers and their HXL hashtags (humanitarian exchange language), one row each. */
const COLUMNS: readonly HxlColumn[] = [
  { header: 'area', tag: '#geo+code' },
  { header: 'centre_lat', tag: '#geo+lat' },
  { header: 'centre_lon', tag: '#geo+lon' },
  { header: 'dimension', tag: '#meta+dimension' },
  { header: 'category', tag: '#meta+category' },
  { header: 'people', tag: '#affected+migrants+total' },
];

/** Centres at two decimals: an area's label position, never more precise than the area. */
const coord = (x: number) => x.toFixed(2);

/**
 * An embassy's aggregates as CSV with an HXL row: one line per area and dimension (total, each
 * status, each need), counts exactly as shown on screen ("<5" stays "<5"). Pure.
 */
export function aggregatesToCsv(a: EmbassyAggregates): string {
  const rows: (string | number)[][] = [];
  for (const area of a.areas) {
    const at = [area.area, coord(area.centre[1]), coord(area.centre[0])];
    rows.push([...at, 'total', a.state, area.people]);
    for (const [status, n] of Object.entries(area.byStatus)) rows.push([...at, 'status', status, n]);
    for (const [need, n] of Object.entries(area.byNeed)) rows.push([...at, 'need', need, n]);
  }
  return hxlCsv(COLUMNS, rows);
}
