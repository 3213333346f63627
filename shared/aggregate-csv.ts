import type { EmbassyAggregates } from './aggregate';
import { hxlCsv, type HxlColumn } from './exports/hxl-csv';
import { adminCells, suppressedCells } from './exports/shareable-aggregate';

/** Column headers and their HXL hashtags (humanitarian exchange language), one row each. */
const COLUMNS: readonly HxlColumn[] = [
  { header: 'area', tag: '#loc+code' },
  { header: 'admin1', tag: '#adm1+name' },
  { header: 'admin1_pcode', tag: '#adm1+code' },
  { header: 'admin2', tag: '#adm2+name' },
  { header: 'admin2_pcode', tag: '#adm2+code' },
  { header: 'centre_lat', tag: '#geo+lat' },
  { header: 'centre_lon', tag: '#geo+lon' },
  { header: 'dimension', tag: '#meta+dimension' },
  { header: 'category', tag: '#meta+category' },
  { header: 'people', tag: '#affected+migrants+total' },
  { header: 'withheld_1_to_4', tag: '#meta+suppressed' },
];

/** Centres at two decimals: an area's label position, never more precise than the area. */
const coord = (x: number) => x.toFixed(2);

/**
 * An embassy's aggregates as CSV with an HXL row: one line per area (its admin 1 and 2 names and
 * p-codes when it is an admin area, empty for an H3 cell) and dimension (total, each
 * status, each need), counts as shown on screen, except that a withheld one ("<5" on screen) is an
 * empty people cell with "yes" in the flag column: text under a numeric hashtag breaks HXL tools.
 * Only how a withheld count is written is decided here; what is withheld is `aggregateForEmbassy`'s.
 * Pure.
 */
export function aggregatesToCsv(a: EmbassyAggregates): string {
  const rows: (string | number)[][] = [];
  for (const area of a.areas) {
    // An area without a centre ("outside the loaded areas") leaves its coordinates empty.
    const at = [area.area, ...adminCells(area), area.centre ? coord(area.centre[1]) : '', area.centre ? coord(area.centre[0]) : ''];
    rows.push([...at, 'total', a.state, ...suppressedCells(area.people)]);
    for (const [status, n] of Object.entries(area.byStatus)) rows.push([...at, 'status', status, ...suppressedCells(n)]);
    for (const [need, n] of Object.entries(area.byNeed)) rows.push([...at, 'need', need, ...suppressedCells(n)]);
  }
  return hxlCsv(COLUMNS, rows);
}
