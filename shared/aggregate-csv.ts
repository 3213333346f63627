import type { EmbassyAggregates } from './aggregate';

/** Column headers and their HXL hashtags (humanitarian exchange language), one row each. */
const HEADERS = ['area', 'centre_lat', 'centre_lon', 'dimension', 'category', 'people'];
const HXL = ['#geo+code', '#geo+lat', '#geo+lon', '#meta+dimension', '#meta+category', '#affected+migrants+total'];

/** Centres at two decimals: an area's label position, never more precise than the area. */
const coord = (x: number) => x.toFixed(2);

const cell = (v: string | number) => {
  const text = String(v);
  // Quoted when needed; a leading formula character is defused for spreadsheets.
  const safe = /^[=+\-@]/.test(text) && typeof v === 'string' ? `'${text}` : text;
  return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/**
 * An embassy's aggregates as CSV with an HXL row: one line per area and dimension (total, each
 * status, each need), counts exactly as shown on screen ("<5" stays "<5"). Pure.
 */
export function aggregatesToCsv(a: EmbassyAggregates): string {
  const rows: (string | number)[][] = [HEADERS, HXL];
  for (const area of a.areas) {
    const at = [area.area, coord(area.centre[1]), coord(area.centre[0])];
    rows.push([...at, 'total', a.state, area.people]);
    for (const [status, n] of Object.entries(area.byStatus)) rows.push([...at, 'status', status, n]);
    for (const [need, n] of Object.entries(area.byNeed)) rows.push([...at, 'need', need, n]);
  }
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
