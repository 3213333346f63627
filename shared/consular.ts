import { z } from 'zod';
import { aggregateForEmbassy, AggregateArea, AREA_FIGURES, nationalFigures, ShownCount, showCount, type AreaIndex, type EmbassyAggregates } from './aggregate';
import { foldAll, type Fold } from './fold';
import { embassyMaySee } from './projection';
import type { Agency } from './schemas/agency.schema';
import type { Group, GroupStatus } from './schemas/group.schema';
import { NeedType } from './schemas/need.schema';

/** REST routes of the consular view (embassy users). */
export const CONSULAR_ROUTES = {
  /** GET: overview and areas of the embassy's nationals (audited). */
  summary: '/api/consular',
  /** GET: the overview over the crisis, for the chart (audited; replays the change log, so read seldom). */
  history: '/api/consular/history',
  /** GET: consented groups of its nationals who want to return (audited). */
  evacuation: '/api/consular/evacuation',
  /** GET: the same list as CSV with HXL hashtags (audited as an export). */
  evacuationCsv: '/api/exports/evacuation.csv',
} as const;

/** Need types a consulate may take on (documents, consular assistance, evacuation to the country of origin). */
export const CONSULAR_NEED_TYPES = ['documents', 'consular_assistance', 'evacuation'] as const satisfies readonly NeedType[];

/** Whether a need type is one a consulate may be assigned. */
export function isConsularNeed(type: NeedType): boolean {
  return (CONSULAR_NEED_TYPES as readonly NeedType[]).includes(type);
}

/** Why a need may not be handed to a consulate; the issue code names it on the wire. */
export const CONSULAR_REFUSALS = ['consular_need_type', 'consular_not_shared', 'consular_other_state'] as const;
export type ConsularRefusal = (typeof CONSULAR_REFUSALS)[number];

/**
 * Whether a coordinator may hand this need of this group to this consulate: only consular need
 * types, only groups the consulate sees in full (its nationals, consent yes, no protection flag).
 * Null when it may. Enforced by the assignment plan on the server; the form only offers what passes.
 */
export function consularAssignmentRefusal(group: Group, needType: NeedType, agency: Pick<Agency, 'type' | 'servesState'>): ConsularRefusal | null {
  if (agency.type !== 'consulate') return null;
  if (!isConsularNeed(needType)) return 'consular_need_type';
  if (!group.nationalities.some((n) => n.code === agency.servesState)) return 'consular_other_state';
  if (!embassyMaySee(group, agency.servesState)) return 'consular_not_shared';
  return null;
}

export { ConsularProgress } from './schemas/assignment.schema';
export const CONSULAR_PROGRESS_FIELDS = ['documentsIssued', 'registeredForEvacuation', 'evacuated'] as const;

/** The overview's figures, each a number of nationals (people, never groups). */
export const OVERVIEW_FIGURES = ['people', 'stranded', 'inNeed', 'assisted', 'relocated', 'evacuated', 'documentsLost', 'wantsToReturn'] as const;
export type OverviewFigure = (typeof OVERVIEW_FIGURES)[number];

/**
 * One figure as the embassy gets it: the count shown ("<5" for 1-4, null for none known) and
 * whether it holds area counts, so the truth may be higher (rounded down, "<5" or withheld).
 */
export const ShownFigure = z.object({ shown: ShownCount.nullable(), more: z.boolean() });
export type ShownFigure = z.infer<typeof ShownFigure>;

export const ConsularOverview = z.object({
  figures: z.record(z.enum(OVERVIEW_FIGURES), ShownFigure),
  /** By open need type, largest first. */
  needs: z.array(z.object({ type: NeedType, figure: ShownFigure })),
});
export type ConsularOverview = z.infer<typeof ConsularOverview>;

/** One point of the chart: the same figures as the overview at the end of a time bucket. */
export const ConsularPoint = z.object({
  at: z.string(),
  stranded: ShownCount.nullable(),
  inNeed: ShownCount.nullable(),
  assisted: ShownCount.nullable(),
  relocated: ShownCount.nullable(),
  evacuated: ShownCount.nullable(),
});
export type ConsularPoint = z.infer<typeof ConsularPoint>;

export const ConsularSummary = z.object({
  ok: z.literal(true),
  state: z.string(),
  overview: ConsularOverview,
  areas: z.array(AggregateArea),
});
export type ConsularSummary = z.infer<typeof ConsularSummary>;

export const ConsularHistory = z.object({ ok: z.literal(true), points: z.array(ConsularPoint) });
export type ConsularHistory = z.infer<typeof ConsularHistory>;

/** Which overview figures a group status counts for (closed and duplicate: none). */
const STATUS_FIGURES: Readonly<Record<GroupStatus, readonly OverviewFigure[]>> = {
  reported: ['stranded'],
  verified: ['stranded'],
  assistance_in_progress: ['stranded'],
  assisted: ['stranded', 'assisted'],
  unreachable: ['stranded'],
  relocated: ['relocated'],
  evacuated: ['evacuated'],
  returned: ['evacuated'],
  closed: [],
  duplicate: [],
};

class Tally {
  exact = 0;
  more = false;
  /**
   * Adds an area's released count: a number (rounded down) adds, "<5" adds nothing; either way the
   * truth may be higher, and the figure says "at least".
   */
  addShown(v: ShownCount | undefined): void {
    if (v === undefined) return;
    if (typeof v === 'number') this.exact += v;
    this.more = true;
  }
  figure(): ShownFigure {
    return { shown: showCount(this.exact), more: this.more };
  }
}

/**
 * The embassy's overview of its nationals in the crisis. Nationals it sees in full count exactly;
 * the others count only through its areas' SHOWN counts, which are rounded down to a multiple of
 * 5: a number adds, a "<5" (or a withheld breakdown) adds nothing and sets `more`. So every figure
 * is the exact full-view part plus a sum of what the embassy already receives, and its hidden part
 * is a multiple of 5: subtracting the full-view groups and the areas leaves 0, never 1-4. The
 * price: a total can be lower than the truth (by the rounding too), and says so. Pure.
 */
export function consularOverview(groups: Iterable<Group>, state: string, areas: readonly AggregateArea[]): ConsularOverview {
  const tallies = new Map<OverviewFigure, Tally>(OVERVIEW_FIGURES.map((f) => [f, new Tally()]));
  const needTallies = new Map<string, Tally>();
  const tally = (f: OverviewFigure) => tallies.get(f)!;
  const needTally = (type: string) => needTallies.get(type) ?? needTallies.set(type, new Tally()).get(type)!;
  let withheldNeeds = false;

  for (const group of groups) {
    if (group.status === 'duplicate' || !embassyMaySee(group, state)) continue;
    const { people, figures, needTypes } = nationalFigures(group, state);
    if (people === 0) continue;
    tally('people').exact += people;
    for (const f of STATUS_FIGURES[group.status]) tally(f).exact += people;
    for (const f of AREA_FIGURES) tally(f).exact += figures[f];
    for (const type of needTypes) needTally(type).exact += people;
  }
  for (const area of areas) {
    tally('people').addShown(area.people);
    if (area.statusWithheld) {
      for (const f of ['stranded', 'assisted', 'relocated', 'evacuated'] as const) tally(f).more = true;
    } else {
      // A status's shown count goes into each figure it counts for, "<5" marks them all as partial.
      for (const [status, shown] of Object.entries(area.byStatus)) {
        for (const f of STATUS_FIGURES[status as GroupStatus] ?? []) tally(f).addShown(shown);
      }
    }
    for (const f of AREA_FIGURES) tally(f).addShown(area.figures[f]);
    for (const [type, shown] of Object.entries(area.byNeed)) needTally(type).addShown(shown);
    if (area.needsWithheld) withheldNeeds = true;
  }
  // An area's withheld needs could be of any type: every need's figure is then "at least".
  if (withheldNeeds) for (const t of needTallies.values()) t.more = true;
  const figures = Object.fromEntries(OVERVIEW_FIGURES.map((f) => [f, tally(f).figure()])) as Record<OverviewFigure, ShownFigure>;
  const needs = [...needTallies]
    .map(([type, t]) => ({ type: NeedType.parse(type), figure: t.figure(), exact: t.exact }))
    .sort((a, b) => b.exact - a.exact || a.type.localeCompare(b.type))
    .map(({ type, figure }) => ({ type, figure }));
  return { figures, needs };
}

/** The areas and the overview together, as one consistent read. Pure. */
export function consularSnapshot(groups: readonly Group[], state: string, index: AreaIndex): { aggregates: EmbassyAggregates; overview: ConsularOverview } {
  const aggregates = aggregateForEmbassy(groups, state, index);
  return { aggregates, overview: consularOverview(groups, state, aggregates.areas) };
}

/** The overview figures a chart point holds. */
export const POINT_FIGURES = ['stranded', 'inNeed', 'assisted', 'relocated', 'evacuated'] as const;

/**
 * The overview over time, replayed from the change log: at each bucket's end, the figures exactly
 * as the embassy would have received them then (the same aggregation and suppression), so no
 * point adds anything a read at that moment would not have shown. Pure.
 */
export function consularHistory(changes: Iterable<{ at: string; group: Group }>, state: string, index: AreaIndex, bucketMs: number): ConsularPoint[] {
  return foldAll(consularHistoryFold(state, index, bucketMs), changes);
}

/**
 * `consularHistory` fed change by change (a change log read in pages). It keeps the latest state
 * of the groups with this state's nationals only, never the log.
 */
export function consularHistoryFold(state: string, index: AreaIndex, bucketMs: number): Fold<{ at: string; group: Group }, ConsularPoint[]> {
  const latest = new Map<string, Group>();
  const points: ConsularPoint[] = [];
  let bucket: number | null = null;
  const close = (end: number) => {
    const { overview } = consularSnapshot([...latest.values()], state, index);
    const point: ConsularPoint = { at: new Date(end).toISOString(), stranded: null, inNeed: null, assisted: null, relocated: null, evacuated: null };
    for (const f of POINT_FIGURES) point[f] = overview.figures[f]?.shown ?? null;
    points.push(point);
  };
  return {
    add(change) {
      const b = Math.floor(Date.parse(change.at) / bucketMs) * bucketMs;
      // The chart starts where the crisis's record does: nothing known before its first change. So a
      // crisis a refresh period old already draws a line, from nothing to the figures of now.
      if (bucket === null) points.push({ at: new Date(b).toISOString(), stranded: null, inNeed: null, assisted: null, relocated: null, evacuated: null });
      if (bucket !== null && b !== bucket) close(bucket + bucketMs);
      bucket = b;
      // Only groups with this state's nationals matter; one that lost them leaves the replay.
      if (change.group.nationalities.some((n) => n.code === state)) latest.set(change.group.id, change.group);
      else latest.delete(change.group.id);
    },
    result() {
      // The last bucket closes here, once: asked again, the fold answers the same points.
      if (bucket !== null) close(bucket + bucketMs);
      bucket = null;
      return points;
    },
  };
}

/** A consented group whose nationals want to return, as the evacuation list shows it. */
export const EvacuationRow = z.object({
  groupId: z.string(),
  placeName: z.string(),
  lat: z.number(),
  lon: z.number(),
  status: z.string(),
  nationals: z.number().int(),
  total: z.number().int(),
  vulnerabilities: z.record(z.string(), z.number().int()),
  documentsLost: z.number().int(),
  seenAt: z.string(),
});
export type EvacuationRow = z.infer<typeof EvacuationRow>;

export const EvacuationList = z.object({
  ok: z.literal(true),
  state: z.string(),
  rows: z.array(EvacuationRow),
  /** Per place: groups, nationals and vulnerable people, for planning transport. */
  byPlace: z.array(z.object({ placeName: z.string(), groups: z.number().int(), nationals: z.number().int(), vulnerable: z.number().int() })),
});
export type EvacuationList = z.infer<typeof EvacuationList>;

/**
 * The evacuation list: groups the embassy sees in full (protection rule 1) whose intention is to
 * return to the country of origin and who are still where they were reported; by place name, then
 * most nationals. Who "wants to go home" is decided by `nationalFigures`, the overview's own rule,
 * so the list is exactly the overview's figure less what the embassy sees only in aggregate (the
 * two tabs once read 235 and 219 because the list also kept relocated groups). Pure.
 */
export function evacuationList(groups: Iterable<Group>, state: string): Omit<EvacuationList, 'ok'> {
  return foldAll(evacuationFold(state), groups);
}

/** `evacuationList` fed group by group (a crisis read in pages): it keeps the list's rows only. */
export function evacuationFold(state: string): Fold<Group, Omit<EvacuationList, 'ok'>> {
  const rows: EvacuationRow[] = [];
  const add = (g: Group) => {
    if (g.status === 'duplicate' || !embassyMaySee(g, state)) return;
    const nationals = nationalFigures(g, state).figures.wantsToReturn;
    if (nationals === 0) return;
    rows.push({
      groupId: g.id,
      placeName: g.location.placeName,
      lat: g.location.lat,
      lon: g.location.lon,
      status: g.status,
      nationals,
      total: g.headcount.total,
      vulnerabilities: Object.fromEntries(Object.entries(g.vulnerabilities).filter(([, n]) => n > 0)),
      documentsLost: Math.min(nationals, g.documents.lostOrDestroyed + g.documents.confiscated),
      seenAt: g.seenAt,
    });
  };
  const result = () => {
    const sorted = [...rows].sort((a, b) => a.placeName.localeCompare(b.placeName) || b.nationals - a.nationals || a.groupId.localeCompare(b.groupId));
    const places = new Map<string, { placeName: string; groups: number; nationals: number; vulnerable: number }>();
    for (const r of sorted) {
      const p = places.get(r.placeName) ?? { placeName: r.placeName, groups: 0, nationals: 0, vulnerable: 0 };
      p.groups += 1;
      p.nationals += r.nationals;
      p.vulnerable += Object.values(r.vulnerabilities).reduce((s, n) => s + n, 0);
      places.set(r.placeName, p);
    }
    return { state, rows: sorted, byPlace: [...places.values()] };
  };
  return { add, result };
}
