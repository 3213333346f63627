import { isActiveAssignment, isOverdue } from '../assignment-workflow';
import type { AreaIndex } from '../aggregate';
import { countersFold } from '../counters';
import { foldAll, type Fold } from '../fold';
import { OPEN_STATUSES } from '../group-status';
import type { Agency } from '../schemas/agency.schema';
import type { Crisis } from '../schemas/crisis.schema';
import type { Group } from '../schemas/group.schema';
import { CLUSTERS, NEED_CLUSTER } from '../schemas/need.schema';
import type { AdminLine, Sitrep, SitrepFigures, SitrepMap } from './export.schema';

/** Rows a gap list prints at most; the rest is a count ("and 12 more"), so the report stays a few pages. */
export const GAP_ROWS = 15;
/** Lower bounds of the map's bands 2-4 (band 1 is 1-4 people): shades, never numbers, on a shareable page. */
export const PEOPLE_BANDS = [5, 50, 200] as const;

/** Groups whose people are still where they were reported (what the map and cluster needs describe). */
const HERE = new Set<Group['status']>(['reported', 'verified', 'assistance_in_progress', 'assisted', 'unreachable']);
const isOpenNeed = (status: string) => status === 'open' || status === 'assigned';

/** The figures a report stores and compares, fed group by group. */
export function sitrepFiguresFold(now: number): Fold<Group, SitrepFigures> {
  const counters = countersFold();
  let openGroups = 0;
  let unassignedNeeds = 0;
  let overdueAssignments = 0;
  return {
    add(g) {
      counters.add(g);
      if (g.status === 'duplicate') return;
      if (OPEN_STATUSES.includes(g.status)) openGroups += 1;
      for (const a of g.assignments) if (isOverdue(a, now)) overdueAssignments += 1;
      if (!HERE.has(g.status)) return;
      for (const n of g.needs) if (isOpenNeed(n.status) && !isAssigned(g, n.id)) unassignedNeeds += 1;
    },
    result() {
      const c = counters.result();
      return { stranded: c.stranded, inNeed: c.inNeed, assisted: c.assisted, evacuated: c.evacuated, openGroups, unassignedNeeds, overdueAssignments };
    },
  };
}

/** The figures a report stores and compares. Pure. */
export function sitrepFigures(groups: Iterable<Group>, now: number): SitrepFigures {
  return foldAll(sitrepFiguresFold(now), groups);
}

const isAssigned = (g: Group, needId: string) => g.assignments.some((a) => a.needId === needId && isActiveAssignment(a.status));

/** Figures of a crisis with nothing in it yet: what the first report is compared with. */
export const ZERO_FIGURES: SitrepFigures = { stranded: 0, inNeed: 0, assisted: 0, evacuated: 0, openGroups: 0, unassignedNeeds: 0, overdueAssignments: 0 };

/**
 * The key figures by admin 1, fed group by group: each group goes into its own admin 1's
 * `sitrepFiguresFold` (the report's rules, not a copy of them), so every figure's lines sum to the
 * report's figure. Lines of an admin 1 are left out only when the crisis has no boundaries at all
 * (every group outside): then the table would say nothing the figures do not.
 */
export function sitrepAdminFold(now: number): Fold<Group, AdminLine[]> {
  const lines = new Map<string, { name: string | null; fold: Fold<Group, SitrepFigures> }>();
  return {
    add(g) {
      const key = g.admin.admin1?.pcode ?? '';
      let line = lines.get(key);
      if (!line) lines.set(key, (line = { name: g.admin.admin1?.name ?? null, fold: sitrepFiguresFold(now) }));
      line.fold.add(g);
    },
    result() {
      if (![...lines.keys()].some((k) => k !== '')) return [];
      return [...lines]
        .map(([key, l]): AdminLine => ({ pcode: key === '' ? null : key, name: l.name, ...l.fold.result() }))
        .sort((a, b) => Number(a.pcode === null) - Number(b.pcode === null) || b.stranded - a.stranded || (a.pcode ?? '').localeCompare(b.pcode ?? ''));
    },
  };
}

/** The band of a people count on the map: 1 (1-4), 2 (5-49), 3 (50-199), 4 (200+). */
export function bandOf(people: number): 1 | 2 | 3 | 4 {
  return people >= PEOPLE_BANDS[2] ? 4 : people >= PEOPLE_BANDS[1] ? 3 : people >= PEOPLE_BANDS[0] ? 2 : 1;
}

/** The map's bands fed group by group: it keeps one count per area. */
export function sitrepMapFold(area: Crisis['area'], index: AreaIndex): Fold<Group, SitrepMap> {
  const people = new Map<string, number>();
  return {
    add(g) {
      if (!HERE.has(g.status)) return;
      const cell = index.areaOf(g.location.lat, g.location.lon);
      people.set(cell, (people.get(cell) ?? 0) + g.headcount.total);
    },
    result: () => ({
      area,
      cells: [...people].sort(([a], [b]) => a.localeCompare(b)).map(([cell, n]) => ({ outline: index.outlineOf(cell), band: bandOf(n) })),
    }),
  };
}

/** Per area, a band of the people still there: outlines of the areas, never a group's point. Pure. */
export function sitrepMap(groups: Iterable<Group>, area: Crisis['area'], index: AreaIndex): SitrepMap {
  return foldAll(sitrepMapFold(area, index), groups);
}

/**
 * The first `limit` of a list in a stable sort, kept while items arrive, and how many arrived: a
 * gap list prints `GAP_ROWS` and a count, so it never needs the thousands of rows of a big crisis.
 * An item goes after those it ties with, as a stable sort of the whole list would place it.
 */
export function topRows<T>(limit: number, compare: (a: T, b: T) => number): { add(item: T): void; rows(): T[]; total(): number } {
  const kept: T[] = [];
  let total = 0;
  return {
    add(item) {
      total += 1;
      if (kept.length === limit && compare(item, kept[limit - 1]!) >= 0) return;
      let i = kept.length;
      while (i > 0 && compare(item, kept[i - 1]!) < 0) i -= 1;
      kept.splice(i, 0, item);
      if (kept.length > limit) kept.pop();
    },
    rows: () => [...kept],
    total: () => total,
  };
}

export interface SitrepInput {
  crisis: Crisis;
  groups: readonly Group[];
  agencies: readonly Agency[];
  now: number;
  number: number;
  issuedAt: string | null;
  previous: { number: number; issuedAt: string; figures: SitrepFigures } | null;
  areas: AreaIndex;
}

/** Nothing in a report names a person, and the place of a group carrying the protection flag is withheld. */
const placeOf = (g: Group) => (g.protectionConcern ? { place: '', placeWithheld: true } : { place: g.location.placeName, placeWithheld: false });

/**
 * The situation report: key figures against the previous report (or the crisis start), needs by
 * cluster, who does what, the gaps (needs nobody has, work past its date) and the map's bands.
 * Nothing in it names a person; consent and notes are never read, and the place of a group carrying
 * the protection flag is withheld (the report is printed and passed on). Fed group by group (a
 * crisis read in pages), it keeps tallies per cluster, agency and area and the first `GAP_ROWS` of
 * each gap list, never a group.
 */
export function sitrepFold(input: Omit<SitrepInput, 'groups'>): Fold<Group, Sitrep> {
  const { crisis, now } = input;
  const name = new Map(input.agencies.map((a) => [a.id, a.acronym]));
  const agencyName = (id: string) => name.get(id) ?? id;
  const figures = sitrepFiguresFold(now);
  const map = sitrepMapFold(crisis.area, input.areas);
  const byAdmin1 = sitrepAdminFold(now);
  const clusters = new Map(CLUSTERS.map((c) => [c, { cluster: c as string, people: 0, needs: 0, unassigned: 0 }]));
  type Unassigned = Sitrep['gaps']['unassigned'][number];
  type Overdue = Sitrep['gaps']['overdue'][number];
  const unassigned = topRows<Unassigned>(GAP_ROWS, (a, b) => b.severity - a.severity || a.since.localeCompare(b.since) || b.people - a.people);
  const overdue = topRows<Overdue>(GAP_ROWS, (a, b) => a.due.localeCompare(b.due));
  const whoWhat = new Map<string, Sitrep['whoWhat'][number]>();

  const addNeeds = (g: Group) => {
    if (!HERE.has(g.status)) return;
    for (const n of g.needs) {
      if (!isOpenNeed(n.status)) continue;
      const line = clusters.get(NEED_CLUSTER[n.type])!;
      const people = n.people > 0 ? n.people : g.headcount.total;
      line.people += people;
      line.needs += 1;
      if (!isAssigned(g, n.id)) {
        line.unassigned += 1;
        unassigned.add({ ...placeOf(g), need: n.type, severity: n.severity, people, since: g.reportedAt });
      }
    }
  };
  const addAssignments = (g: Group) => {
    for (const a of g.assignments) {
      const need = g.needs.find((n) => n.id === a.needId);
      if (!need) continue;
      const agency = agencyName(a.agencyId);
      const cluster = NEED_CLUSTER[need.type];
      const key = `${agency}\u0000${cluster}`;
      const line = whoWhat.get(key) ?? { agency, cluster, active: 0, completed: 0, reached: 0, overdue: 0, lastUpdate: a.updatedAt };
      if (isActiveAssignment(a.status)) line.active += 1;
      if (a.status === 'completed') line.completed += 1;
      line.reached += a.peopleReached;
      if (a.updatedAt > line.lastUpdate) line.lastUpdate = a.updatedAt;
      if (isOverdue(a, now)) {
        line.overdue += 1;
        overdue.add({ agency, need: need.type, ...placeOf(g), due: a.expectedBy! });
      }
      whoWhat.set(key, line);
    }
  };

  return {
    add(g) {
      figures.add(g);
      map.add(g);
      byAdmin1.add(g);
      if (g.status === 'duplicate') return;
      addNeeds(g);
      addAssignments(g);
    },
    result: () => ({
      ok: true,
      crisis,
      number: input.number,
      issuedAt: input.issuedAt,
      generatedAt: new Date(now).toISOString(),
      previous: input.previous ? { number: input.previous.number, issuedAt: input.previous.issuedAt } : null,
      since: input.previous?.issuedAt ?? crisis.createdAt,
      figures: figures.result(),
      baseline: input.previous?.figures ?? ZERO_FIGURES,
      clusters: [...clusters.values()].filter((c) => c.needs > 0).sort((a, b) => b.people - a.people),
      whoWhat: [...whoWhat.values()].sort((a, b) => a.agency.localeCompare(b.agency) || a.cluster.localeCompare(b.cluster)),
      gaps: { unassigned: unassigned.rows(), unassignedTotal: unassigned.total(), overdue: overdue.rows(), overdueTotal: overdue.total() },
      map: map.result(),
      byAdmin1: byAdmin1.result(),
      // Filled from the movements by the caller (they are not groups): empty when it has none.
      movements: [],
      moved: [],
    }),
  };
}

/** `sitrepFold` over groups at hand. Pure. */
export function buildSitrep(input: SitrepInput): Sitrep {
  const { groups, ...rest } = input;
  return foldAll(sitrepFold(rest), groups);
}
