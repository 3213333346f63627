import type { Agency } from '../schemas/agency.schema';
import { agencyNamer, bboxOf, GROUP_COLUMNS, groupCsvRow, groupPoint, type ExportableGroup, type ExportPlace } from './group-export';
import { csvDataRows, hxlCsvHead } from './hxl-csv';

/**
 * A group export written piece by piece: its beginning, one piece per page of groups, its end.
 * Concatenated, the pieces are the same file as `groupsCsv` / `groupsGeoJson` give for all the
 * groups at once, so a server can stream a crisis of any size a page at a time and hold one page.
 */
export interface ChunkedExport {
  head(): string;
  page(groups: readonly ExportableGroup[]): string;
  tail(): string;
}

/** The group CSV (header row, HXL row, one row per group) in pieces. */
export function groupsCsvChunks(agencies: readonly Agency[], place: ExportPlace): ChunkedExport {
  const name = agencyNamer(agencies);
  return {
    head: () => hxlCsvHead(GROUP_COLUMNS),
    page: (groups) => csvDataRows(groups.map((g) => groupCsvRow(g, name, place))),
    tail: () => '',
  };
}

/**
 * The group GeoJSON FeatureCollection in pieces. The bbox is only known once every point is seen,
 * so it is the collection's last member, after `features` (RFC 7946 and JSON give members no
 * order); a collection with no point has no bbox, as `pointCollection` gives it.
 */
export function groupsGeoJsonChunks(agencies: readonly Agency[], place: ExportPlace): ChunkedExport {
  const name = agencyNamer(agencies);
  let bounds: [number, number, number, number] | undefined;
  let first = true;
  return {
    head: () => '{"type":"FeatureCollection","features":[',
    page: (groups) => {
      let out = '';
      for (const g of groups) {
        const { at, properties } = groupPoint(g, name, place);
        // The bbox of the points so far and this one: `bboxOf`'s rule, kept as four numbers.
        bounds = bboxOf(bounds ? [at, [bounds[0], bounds[1]], [bounds[2], bounds[3]]] : [at]);
        out += (first ? '' : ',') + JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties });
        first = false;
      }
      return out;
    },
    tail: () => (bounds ? `],"bbox":${JSON.stringify(bounds)}}` : ']}'),
  };
}
