import type { GroupAdminAreas } from '../../../shared/schemas/admin-area.schema';
import { needIsTaken, type HeldAssignment, type HeldNeed } from '../../../shared/need-assignment';
import { GROUP_STATUSES, VULNERABILITIES, type GroupStatus, type Vulnerability } from '../../../shared/schemas/group.schema';
import { CLUSTERS, NEED_CLUSTER, NEED_TYPES, type Cluster, type Need, type NeedType } from '../../../shared/schemas/need.schema';
import { positionOf } from '../map/group-features';
import type { HeldView } from '../sync/held-view';

/** [west, south, east, north] in degrees. */
export type Bounds = readonly [number, number, number, number];

/**
 * What the coordinator narrows the picture to. The map, the list and the counters read the same
 * filter; it lives in the URL's query string so a view can be shared by its link.
 */
export interface GroupFilter {
  statuses: GroupStatus[];
  needs: NeedType[];
  clusters: Cluster[];
  nationalities: string[];
  vulnerabilities: Vulnerability[];
  agencies: string[];
  /** Admin 1 p-codes: only groups the server placed in one of these areas. */
  admin1: string[];
  unassignedOnly: boolean;
  /** Only groups seen within this many hours. */
  seenWithinHours: number | null;
  /** Only groups inside the map's current view. */
  bounds: Bounds | null;
}

export const EMPTY_FILTER: GroupFilter = {
  statuses: [],
  needs: [],
  clusters: [],
  nationalities: [],
  vulnerabilities: [],
  agencies: [],
  admin1: [],
  unassignedOnly: false,
  seenWithinHours: null,
  bounds: null,
};

/** Whether any part of the filter narrows anything. */
export function isFiltering(f: GroupFilter): boolean {
  return (
    f.statuses.length + f.needs.length + f.clusters.length + f.nationalities.length + f.vulnerabilities.length + f.agencies.length + f.admin1.length > 0 ||
    f.unassignedOnly ||
    f.seenWithinHours !== null ||
    f.bounds !== null
  );
}

/** A view's admin areas; a copy a device kept from before admin areas existed has none. */
const adminOf = (group: { admin?: GroupAdminAreas }): GroupAdminAreas | undefined => group.admin;

const inBounds = (b: Bounds, lat: number, lon: number) => lat >= b[1] && lat <= b[3] && lon >= b[0] && lon <= b[2];

/**
 * Whether a group passes the filter. Need type and "unassigned only" combine on the same need:
 * "unassigned, needs water" means a water need nobody has yet. A reduced view (a responder's
 * anonymous point) passes only on what it carries.
 */
export function matchesFilter(view: HeldView, f: GroupFilter, now: number): boolean {
  const g = view.group;
  const { lat, lon } = positionOf(view);
  if (f.statuses.length > 0 && !f.statuses.includes(g.status)) return false;
  if (f.bounds && !inBounds(f.bounds, lat, lon)) return false;
  // Full, summary and nationals views carry the admin areas; a reduced point does not (checked below).
  if (f.admin1.length > 0 && view.view !== 'reduced' && !f.admin1.includes(adminOf(view.group)?.admin1?.pcode ?? '')) return false;
  switch (view.view) {
    case 'reduced': {
      const types = view.group.needTypes;
      if (f.needs.length > 0 && !types.some((t) => f.needs.includes(t))) return false;
      if (f.clusters.length > 0 && !types.some((t) => f.clusters.includes(NEED_CLUSTER[t]))) return false;
      return f.nationalities.length + f.vulnerabilities.length + f.agencies.length + f.admin1.length === 0 && !f.unassignedOnly && f.seenWithinHours === null;
    }
    // An embassy's nationals view names one nationality, and its breakdowns only when they describe its nationals alone.
    case 'nationals':
      return matchesDetails(view.group, [view.group.nationality], view.group.whole?.vulnerabilities, f, now);
    // A summary carries every field the filter reads (needs by type, assignments, nationalities, vulnerabilities).
    case 'full':
    case 'summary':
      return matchesDetails(
        view.group,
        view.group.nationalities.map((n) => n.code),
        view.group.vulnerabilities,
        f,
        now,
      );
  }
}

/** The filter's parts that read needs, assignments, nationalities, vulnerabilities and time. */
function matchesDetails(
  group: { needs: readonly (HeldNeed & Pick<Need, 'status'>)[]; assignments: readonly HeldAssignment[]; seenAt: string },
  nationalities: readonly string[],
  vulnerabilities: Partial<Record<Vulnerability, number>> | undefined,
  f: GroupFilter,
  now: number,
): boolean {
  const open = group.needs.filter((n) => n.status !== 'met' && n.status !== 'cancelled');
  const candidates = open.filter(
    (n) =>
      (f.needs.length === 0 || f.needs.includes(n.type)) &&
      (f.clusters.length === 0 || f.clusters.includes(NEED_CLUSTER[n.type])) &&
      (!f.unassignedOnly || !needIsTaken(group.assignments, n)),
  );
  if ((f.needs.length > 0 || f.clusters.length > 0 || f.unassignedOnly) && candidates.length === 0) return false;
  if (f.nationalities.length > 0 && !nationalities.some((code) => f.nationalities.includes(code))) return false;
  if (f.vulnerabilities.length > 0 && !f.vulnerabilities.some((v) => (vulnerabilities?.[v] ?? 0) > 0)) return false;
  if (f.agencies.length > 0 && !group.assignments.some((a) => f.agencies.includes(a.agencyId) && a.status !== 'cancelled' && a.status !== 'declined')) {
    return false;
  }
  if (f.seenWithinHours !== null && now - Date.parse(group.seenAt) > f.seenWithinHours * 3_600_000) return false;
  return true;
}

const list = <T extends string>(params: URLSearchParams, key: string, allowed: readonly T[]): T[] =>
  (params.get(key) ?? '').split(',').filter((x): x is T => (allowed as readonly string[]).includes(x));

/** The filter as a query string (empty parts left out), for the URL. */
export function filterToQuery(f: GroupFilter): string {
  const p = new URLSearchParams();
  const put = (key: string, values: readonly string[]) => values.length > 0 && p.set(key, values.join(','));
  put('status', f.statuses);
  put('need', f.needs);
  put('cluster', f.clusters);
  put('nat', f.nationalities);
  put('vuln', f.vulnerabilities);
  put('agency', f.agencies);
  put('adm1', f.admin1);
  if (f.unassignedOnly) p.set('unassigned', '1');
  if (f.seenWithinHours !== null) p.set('seen', String(f.seenWithinHours));
  if (f.bounds) p.set('view', f.bounds.map((x) => x.toFixed(4)).join(','));
  return p.toString();
}

/** Reads a filter from a query string; anything unknown or malformed is dropped, never trusted. */
export function filterFromQuery(query: string): GroupFilter {
  const p = new URLSearchParams(query);
  const seen = Number(p.get('seen'));
  const view = (p.get('view') ?? '').split(',').map(Number);
  const bounds: Bounds | null =
    view.length === 4 && view.every((x) => Number.isFinite(x)) && view[0]! < view[2]! && view[1]! < view[3]! ? [view[0]!, view[1]!, view[2]!, view[3]!] : null;
  return {
    statuses: list(p, 'status', GROUP_STATUSES),
    needs: list(p, 'need', NEED_TYPES),
    clusters: list(p, 'cluster', CLUSTERS),
    nationalities: (p.get('nat') ?? '').split(',').filter((x) => /^([A-Z]{3}|stateless|unknown)$/.test(x)),
    vulnerabilities: list(p, 'vuln', VULNERABILITIES),
    agencies: (p.get('agency') ?? '').split(',').filter((x) => /^[0-9a-f-]{36}$/.test(x)),
    admin1: (p.get('adm1') ?? '').split(',').filter((x) => /^[A-Za-z0-9_.-]{1,40}$/.test(x)),
    unassignedOnly: p.get('unassigned') === '1',
    seenWithinHours: p.has('seen') && Number.isFinite(seen) && seen > 0 ? seen : null,
    bounds,
  };
}

/**
 * The filter a page starts with from its query string, and whether "only what the map shows" is on.
 * The area itself is not taken from the query: it comes from the map's bounds once the map is ready
 * (`CoordinationState.mapMoved`). Taking it from a reload or a shared link left the list filtered to
 * Tripoli ("181 groups") while the map showed all of Libya.
 */
export function filterOnLoad(query: string): { filter: GroupFilter; followMap: boolean } {
  const stored = filterFromQuery(query);
  return { filter: { ...stored, bounds: null }, followMap: stored.bounds !== null };
}
