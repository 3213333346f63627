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
 * The one convention for a list in a cell: items joined by ", " (comma and space), so the cell is
 * quoted. A `;` inside cells made delimiter sniffers (Python's csv.Sniffer, spreadsheets) read a
 * comma file as `;`-separated; a comma inside quotes only adds weight to the file's own delimiter.
 * Items are codes or acronyms; a comma inside one becomes a space so that splitting on "," gives
 * the items back. Waymark's import splits such a cell on commas, semicolons and spaces.
 */
export function listCell(items: Iterable<string>): string {
  return [...items].map((item) => item.replace(/,/g, ' ').trim()).join(', ');
}

/**
 * The UTF-8 byte order mark. Spreadsheets opened by double-click read a CSV without it in the
 * system's legacy code page (dashes and accents garbled), so downloads carry it by default;
 * `?bom=0` leaves it out for machines.
 */
export const UTF8_BOM = '\uFEFF';

/** The header row and the HXL hashtag row: how a streamed CSV begins (RFC 4180 line ends). Pure. */
export function hxlCsvHead(columns: readonly HxlColumn[]): string {
  return stringify([columns.map((c) => c.header), columns.map((c) => c.tag)], { record_delimiter: 'windows' });
}

/** Data rows, formulas defused, to follow `hxlCsvHead` (a streamed CSV writes them page by page). Pure. */
export function csvDataRows(rows: readonly (readonly (string | number)[])[]): string {
  return rows.length === 0
    ? ''
    : stringify(
        rows.map((r) => r.map(defuse)),
        { record_delimiter: 'windows' },
      );
}

/**
 * CSV with the header row, then the HXL hashtag row, then the data (RFC 4180: CRLF, quoted when
 * needed). Written by csv-stringify so that quoting is a library's job, not a regex's. Pure.
 */
export function hxlCsv(columns: readonly HxlColumn[], rows: readonly (readonly (string | number)[])[]): string {
  return hxlCsvHead(columns) + csvDataRows(rows);
}
