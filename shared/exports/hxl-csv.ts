import { stringify } from 'csv-stringify/sync';

/** One CSV column: its human header and its HXL hashtag (https://hxlstandard.org/standard/1-1final/). */
export interface HxlColumn {
  header: string;
  tag: string;
}

/** A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe. */
export function defuse(value: string | number): string | number {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * CSV with the header row, then the HXL hashtag row, then the data (RFC 4180: CRLF, quoted when
 * needed). Written by csv-stringify so that quoting is a library's job, not a regex's. Pure.
 */
export function hxlCsv(columns: readonly HxlColumn[], rows: readonly (readonly (string | number)[])[]): string {
  const records = [columns.map((c) => c.header), columns.map((c) => c.tag), ...rows.map((r) => r.map(defuse))];
  return stringify(records, { record_delimiter: 'windows' });
}
