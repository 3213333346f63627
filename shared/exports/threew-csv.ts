import { THREE_W_COLUMNS, type ThreeWRow } from '../threew';
import { hxlCsv } from './hxl-csv';

/** 3W/4W rows as CSV with a header row and an HXL hashtag row (RFC 4180 line ends). Pure. */
export function threeWCsv(rows: readonly ThreeWRow[]): string {
  return hxlCsv(
    THREE_W_COLUMNS.map(([header, tag]) => ({ header, tag })),
    rows.map((r) => {
      const s = r.statuses;
      return [
        ...[r.agency, r.agencyType, r.cluster, r.need, r.country, r.adm1Name, r.adm1Code, r.adm2Name, r.adm2Code, r.area],
        ...[r.status, r.start ?? '', r.end ?? '', r.targeted, r.peopleReached],
        ...[r.groups, s.proposed, s.accepted, s.in_progress, s.completed, s.declined, r.overdue, r.lastUpdate, r.nextDue ?? ''],
      ];
    }),
  );
}
