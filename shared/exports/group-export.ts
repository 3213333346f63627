import { z } from 'zod';
import { isActiveAssignment } from '../assignment-workflow';
import { projectGroup, type Audience } from '../projection';
import type { Agency } from '../schemas/agency.schema';
import { counted, GroupStatus, NationalityCode, type Group, type GroupNationals, type NationalsNeed } from '../schemas/group.schema';
import { NEED_CLUSTER, NeedType, type Need } from '../schemas/need.schema';
import { hxlCsv, listCell, type HxlColumn } from './hxl-csv';

/** Filters of a group export (query string); each optional, each written to the audit row. */
export const GroupExportQuery = z
  .object({
    status: GroupStatus.optional(),
    need: NeedType.optional(),
    nationality: NationalityCode.optional(),
  })
  .strict();
export type GroupExportQuery = z.infer<typeof GroupExportQuery>;

/** A group as one audience may export it: the whole group, or an embassy's nationals part (rule 9). */
export type ExportableGroup = Group | GroupNationals;

/**
 * The groups an audience may export, as `projectGroup` gives them to it: a coordinator's whole
 * crisis and a responder's assigned groups in full, an embassy's consenting unflagged nationals as
 * its nationals part. Reduced views are anonymous map points and are not exported. Duplicates are
 * left out (their people are in the kept group). Pure.
 */
export function exportableGroups(audience: Audience, groups: Iterable<Group>, query: GroupExportQuery = {}): ExportableGroup[] {
  const out: ExportableGroup[] = [];
  for (const stored of groups) {
    const view = projectGroup(audience, stored);
    if (view === null || view.view === 'reduced') continue;
    const g = view.group;
    if (g.status === 'duplicate') continue;
    if (query.status && g.status !== query.status) continue;
    if (query.need && !openNeeds(g).some((n) => n.type === query.need)) continue;
    if (query.nationality && !nationalitiesOf(g).some((n) => n.code === query.nationality)) continue;
    out.push(g);
  }
  return out;
}

const openNeeds = <N extends { status: string }>(g: { needs: readonly N[] }): N[] => g.needs.filter((n) => n.status === 'open' || n.status === 'assigned');
const nationalitiesOf = (g: ExportableGroup) => ('nationals' in g ? [{ code: g.nationality, count: g.nationals }] : g.nationalities);
const sum = (xs: Iterable<number>) => {
  let s = 0;
  for (const x of xs) s += x;
  return s;
};

/** The crisis a group export describes: its host country, written on every row (the 3W/4W practice). */
export interface ExportPlace {
  /** ISO 3166-1 alpha-3 of the crisis's host country. */
  hostCountry: string;
}

/** People with an open need: as counted, else the whole group (or, for an embassy, who is not told, its nationals). */
const peopleWithNeed = (need: Need | NationalsNeed, whole: number): number => counted(need) || whole;

/**
 * What an export may say of a group's people. For an embassy's part of a mixed group only its
 * nationals' count: the breakdowns describe everybody, so their cells stay empty (not 0: unknown).
 */
function peopleOf(g: ExportableGroup): { total: number; headcount: Group['headcount'] | null; documents: Group['documents'] | null } {
  if ('nationals' in g) return { total: g.nationals, headcount: g.whole?.headcount ?? null, documents: g.whole?.documents ?? null };
  return { total: g.headcount.total, headcount: g.headcount, documents: g.documents };
}

/**
 * One exported group, field by field. Written out explicitly (never a spread of the group) so that
 * the protection flag, consent and notes cannot ride along: they are simply not here. Lists follow
 * `listCell`. Admin areas are the server's (empty for a group outside the crisis's boundaries).
 */
function groupRecord(g: ExportableGroup, agencyName: (id: string) => string, place: ExportPlace) {
  const people = peopleOf(g);
  const f = people.headcount?.female;
  const m = people.headcount?.male;
  const d = people.documents;
  const needs = openNeeds(g);
  const agencies = new Set(g.assignments.filter((a) => isActiveAssignment(a.status)).map((a) => agencyName(a.agencyId)));
  return {
    id: g.id,
    country: place.hostCountry,
    adm1_name: g.admin.admin1?.name ?? '',
    adm1_code: g.admin.admin1?.pcode ?? '',
    adm2_name: g.admin.admin2?.name ?? '',
    adm2_code: g.admin.admin2?.pcode ?? '',
    lat: g.location.lat,
    lon: g.location.lon,
    place: g.location.placeName,
    site_type: g.location.siteType,
    status: g.status,
    reported: g.reportedAt,
    seen: g.seenAt,
    people: people.total,
    // The counters' rule: the largest open need's people, the whole group when needs were not
    // counted. An embassy is not told how many have each need: its nationals with an open need.
    in_need: needs.length === 0 ? 0 : Math.max(...needs.map((n) => peopleWithNeed(n, people.total))),
    female: f ? sum(Object.values(f)) : '',
    male: m ? sum(Object.values(m)) : '',
    children: f && m ? f.under5 + f.age5to17 + m.under5 + m.age5to17 : '',
    adults: f && m ? f.age18to59 + m.age18to59 : '',
    older: f && m ? f.age60plus + m.age60plus : '',
    nationalities: listCell(nationalitiesOf(g).map((n) => `${n.code}:${n.count}`)),
    documents_valid: d?.valid ?? '',
    documents_lost: d?.lostOrDestroyed ?? '',
    documents_confiscated: d?.confiscated ?? '',
    documents_never_had: d?.neverHad ?? '',
    documents_unknown: d?.unknown ?? '',
    intention: g.intention,
    needs: listCell(needs.map((n) => n.type)),
    clusters: listCell(new Set(needs.map((n) => NEED_CLUSTER[n.type]))),
    severity_max: needs.length > 0 ? Math.max(...needs.map((n) => n.severity)) : 0,
    organisations: listCell([...agencies].sort()),
  };
}
type GroupRecord = ReturnType<typeof groupRecord>;

/**
 * The columns in order, each with its HXL hashtag (the README's mapping table explains each). The
 * breakdown counts are 0 when the field team gave only a total (the breakdown is optional in the
 * report form). The id is `#meta+id`, the record's identifier: `#group` in HXL is a
 * non-humanitarian actor such as an armed group. Text about people (nationality mix, intention)
 * goes under `#indicator+text`, never under the numeric `#affected`.
 */
export const GROUP_COLUMNS: readonly (HxlColumn & { key: keyof GroupRecord })[] = [
  { key: 'id', header: 'Group id', tag: '#meta+id' },
  { key: 'country', header: 'Country (ISO3)', tag: '#country+code' },
  { key: 'adm1_name', header: 'Admin 1', tag: '#adm1+name' },
  { key: 'adm1_code', header: 'Admin 1 p-code', tag: '#adm1+code' },
  { key: 'adm2_name', header: 'Admin 2', tag: '#adm2+name' },
  { key: 'adm2_code', header: 'Admin 2 p-code', tag: '#adm2+code' },
  { key: 'lat', header: 'Latitude', tag: '#geo+lat' },
  { key: 'lon', header: 'Longitude', tag: '#geo+lon' },
  { key: 'place', header: 'Place', tag: '#loc+name' },
  { key: 'site_type', header: 'Site type', tag: '#loc+type' },
  { key: 'status', header: 'Status', tag: '#status' },
  { key: 'reported', header: 'Reported', tag: '#date+reported' },
  { key: 'seen', header: 'Last seen', tag: '#date+seen' },
  { key: 'people', header: 'People', tag: '#affected+migrants+total' },
  { key: 'in_need', header: 'People in need', tag: '#inneed+migrants+total' },
  { key: 'female', header: 'Women and girls', tag: '#affected+migrants+f' },
  { key: 'male', header: 'Men and boys', tag: '#affected+migrants+m' },
  { key: 'children', header: 'Children (0-17)', tag: '#affected+migrants+children' },
  { key: 'adults', header: 'Adults (18-59)', tag: '#affected+migrants+adults' },
  { key: 'older', header: 'Older people (60+)', tag: '#affected+migrants+elderly' },
  { key: 'nationalities', header: 'Nationalities (ISO3:people)', tag: '#indicator+text+nationality' },
  { key: 'documents_valid', header: 'Documents valid', tag: '#affected+migrants+documents_valid' },
  { key: 'documents_lost', header: 'Documents lost or destroyed', tag: '#affected+migrants+documents_lost' },
  { key: 'documents_confiscated', header: 'Documents confiscated', tag: '#affected+migrants+documents_confiscated' },
  { key: 'documents_never_had', header: 'Never had documents', tag: '#affected+migrants+documents_never_had' },
  { key: 'documents_unknown', header: 'Documents unknown', tag: '#affected+migrants+documents_unknown' },
  { key: 'intention', header: 'Intention', tag: '#indicator+text+intention' },
  { key: 'needs', header: 'Open needs', tag: '#need+type' },
  { key: 'clusters', header: 'Clusters', tag: '#sector+cluster' },
  { key: 'severity_max', header: 'Highest severity', tag: '#severity+max' },
  { key: 'organisations', header: 'Organisations working', tag: '#org+impl+name' },
];

/** An agency's acronym by id (its id when unknown), the name every export prints. */
export const agencyNamer = (agencies: readonly Agency[]): ((id: string) => string) => {
  const names = new Map(agencies.map((a) => [a.id, a.acronym]));
  return (id: string) => names.get(id) ?? id;
};

/** One group's CSV cells in `GROUP_COLUMNS` order. Pure. */
export function groupCsvRow(g: ExportableGroup, agencyName: (id: string) => string, place: ExportPlace): (string | number)[] {
  const r = groupRecord(g, agencyName, place);
  return GROUP_COLUMNS.map((c) => r[c.key]);
}

/** Groups as CSV with an HXL hashtag row. Pure. */
export function groupsCsv(groups: readonly ExportableGroup[], agencies: readonly Agency[], place: ExportPlace): string {
  const name = agencyNamer(agencies);
  return hxlCsv(
    GROUP_COLUMNS,
    groups.map((g) => groupCsvRow(g, name, place)),
  );
}

type Bbox2d = [number, number, number, number];
export interface PointFeatureCollection<P> {
  type: 'FeatureCollection';
  bbox?: Bbox2d;
  features: { type: 'Feature'; geometry: { type: 'Point'; coordinates: [number, number] }; properties: P }[];
}

/** [west, south, east, north] of the points, or undefined for none (RFC 7946 §5; no antimeridian crossing here). */
export function bboxOf(points: readonly [number, number][]): Bbox2d | undefined {
  if (points.length === 0) return undefined;
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of points) {
    w = Math.min(w, lon);
    e = Math.max(e, lon);
    s = Math.min(s, lat);
    n = Math.max(n, lat);
  }
  return [w, s, e, n];
}

/** A FeatureCollection of points, with its bbox when it has any (RFC 7946: [lon, lat], WGS84, no crs). */
export function pointCollection<P>(items: readonly { at: [number, number]; properties: P }[]): PointFeatureCollection<P> {
  const bbox = bboxOf(items.map((i) => i.at));
  return {
    type: 'FeatureCollection',
    ...(bbox ? { bbox } : {}),
    features: items.map((i) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: i.at }, properties: i.properties })),
  };
}

/** One group as a GeoJSON point feature's parts: [lon, lat] and the CSV's fields less the coordinates. Pure. */
export function groupPoint(g: ExportableGroup, agencyName: (id: string) => string, place: ExportPlace): { at: [number, number]; properties: GroupProperties } {
  const { lat, lon, ...properties } = groupRecord(g, agencyName, place);
  return { at: [lon, lat], properties };
}
export type GroupProperties = Omit<GroupRecord, 'lat' | 'lon'>;

/** Groups as GeoJSON points with the CSV's fields as properties (less the coordinates). Pure. */
export function groupsGeoJson(groups: readonly ExportableGroup[], agencies: readonly Agency[], place: ExportPlace): PointFeatureCollection<GroupProperties> {
  const name = agencyNamer(agencies);
  return pointCollection(groups.map((g) => groupPoint(g, name, place)));
}
