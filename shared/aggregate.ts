import { z } from 'zod';
import { embassyMaySee } from './projection';
import type { Group } from './schemas/group.schema';

/** Counts from 1 to this are shown as "<5" (protection rule 1: small counts could identify people). */
export const SMALL_COUNT_MAX = 4;
/** The label of a suppressed count. */
export const SUPPRESSED = '<5';

/** A count as it may be shown: a number of at least 5, or "<5". Zero counts are left out. */
export const ShownCount = z.union([z.number().int().min(SMALL_COUNT_MAX + 1), z.literal(SUPPRESSED)]);
export type ShownCount = z.infer<typeof ShownCount>;

/** One area's counts of a nationality: people in total, by group status and by open need type. */
export const AggregateArea = z.object({
  /** The area's id (an H3 cell at resolution 5, about 250 km², on the server). */
  area: z.string(),
  /** The area's outline as [lon, lat] pairs, for drawing: never a group's point. */
  outline: z.array(z.tuple([z.number(), z.number()])),
  /** The area's centre, for a label. */
  centre: z.tuple([z.number(), z.number()]),
  people: ShownCount,
  byStatus: z.record(z.string(), ShownCount),
  byNeed: z.record(z.string(), ShownCount),
  /**
   * True when the status breakdown is withheld: with `people` it would pin a "<5" part (one
   * suppressed part is `people` minus the others; k parts summing to k or 4k are all 1 or all 4).
   */
  statusWithheld: z.boolean().default(false),
  /** Consular figures (see AREA_FIGURES), zeros left out: nationals in need, with documents lost or confiscated, wanting to return. */
  figures: z.record(z.string(), ShownCount).default({}),
});
export type AggregateArea = z.infer<typeof AggregateArea>;

export const EmbassyAggregates = z.object({
  /** The state whose nationals are counted. */
  state: z.string(),
  areas: z.array(AggregateArea),
});
export type EmbassyAggregates = z.infer<typeof EmbassyAggregates>;

/** What the aggregation needs to know about an area: its id, outline and centre for a point. */
export interface AreaIndex {
  areaOf(lat: number, lon: number): string;
  outlineOf(area: string): [number, number][];
  centreOf(area: string): [number, number];
}

/** A count as it may be shown, or null for zero. */
export function showCount(n: number): ShownCount | null {
  if (n <= 0) return null;
  return n <= SMALL_COUNT_MAX ? SUPPRESSED : n;
}

function shownRecord(counts: Map<string, number>): Record<string, ShownCount> {
  const out: Record<string, ShownCount> = {};
  for (const [key, n] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    const shown = showCount(n);
    if (shown !== null) out[key] = shown;
  }
  return out;
}

const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);

/** Per-area consular figures besides people, status and need (each at most `people`, so no sum identity). */
export const AREA_FIGURES = ['inNeed', 'documentsLost', 'wantsToReturn'] as const;
export type AreaFigure = (typeof AREA_FIGURES)[number];

/** Statuses whose people have left the place where they were reported, or whose case is closed. */
const GONE = new Set<Group['status']>(['relocated', 'evacuated', 'returned', 'closed']);

/** The nationals of `state` in a group (0 when none), and the figures the consular view counts for them. */
export function nationalFigures(group: Group, state: string): { people: number; figures: Record<AreaFigure, number>; needTypes: string[] } {
  const people = group.nationalities.find((n) => n.code === state)?.count ?? 0;
  const needTypes = [...new Set(group.needs.filter((n) => n.status !== 'cancelled' && n.status !== 'met').map((n) => n.type))];
  const here = !GONE.has(group.status);
  const docs = group.documents.lostOrDestroyed + group.documents.confiscated;
  return {
    people,
    needTypes,
    figures: {
      // Everyone of this nationality in a group with an open need (as byNeed counts them).
      inNeed: needTypes.length > 0 ? people : 0,
      // In a mixed group we cannot tell whose documents are lost: at most this many are the state's.
      documentsLost: here ? Math.min(people, docs) : 0,
      wantsToReturn: here && group.intention === 'evacuate_to_origin' ? people : 0,
    },
  };
}

/**
 * Whether a shown breakdown that sums exactly to a total would pin one of its "<5" parts: one
 * suppressed part (the total minus the rest), k parts summing to k (all 1) or to 4k (all 4); under
 * a "<5" total, four parts (all 1). Such a breakdown is withheld whole.
 */
export function breakdownPins(total: number, parts: readonly number[]): boolean {
  const small = parts.filter((n) => n > 0 && n <= SMALL_COUNT_MAX);
  const k = small.length;
  if (k === 0) return false;
  if (total <= SMALL_COUNT_MAX) return k === SMALL_COUNT_MAX;
  const rest = small.reduce((s, n) => s + n, 0);
  return k === 1 || rest === k || rest === SMALL_COUNT_MAX * k;
}

/**
 * The aggregate view an embassy of `state` gets of its nationals: per area, how many people of
 * that nationality, by status and by open need, with 1-4 shown as "<5". Only groups the embassy
 * does NOT see in full are counted: adding the ones it sees would let it subtract them and learn
 * the rest exactly. Groups with none of its nationals are not counted at all, nor duplicates (their
 * people are counted in the group they were merged into). Pure.
 */
export function aggregateForEmbassy(groups: readonly Group[], state: string | null, index: AreaIndex): EmbassyAggregates {
  const areas = new Map<string, { people: number; byStatus: Map<string, number>; byNeed: Map<string, number>; figures: Map<string, number> }>();
  if (state !== null) {
    for (const group of groups) {
      // A duplicate's people are counted in the group it was merged into.
      if (group.status === 'duplicate' || embassyMaySee(group, state)) continue;
      const { people, figures, needTypes } = nationalFigures(group, state);
      if (people === 0) continue;
      const key = index.areaOf(group.location.lat, group.location.lon);
      const area = areas.get(key) ?? { people: 0, byStatus: new Map(), byNeed: new Map(), figures: new Map() };
      area.people += people;
      add(area.byStatus, group.status, people);
      for (const type of needTypes) add(area.byNeed, type, people);
      for (const f of AREA_FIGURES) if (figures[f] > 0) add(area.figures, f, figures[f]);
      areas.set(key, area);
    }
  }
  const out: AggregateArea[] = [];
  for (const [key, a] of [...areas].sort(([x], [y]) => x.localeCompare(y))) {
    const people = showCount(a.people);
    if (people === null) continue;
    const statusWithheld = breakdownPins(a.people, [...a.byStatus.values()]);
    out.push({
      area: key,
      outline: index.outlineOf(key),
      centre: index.centreOf(key),
      people,
      byStatus: statusWithheld ? {} : shownRecord(a.byStatus),
      byNeed: shownRecord(a.byNeed),
      statusWithheld,
      figures: shownRecord(a.figures),
    });
  }
  return { state: state ?? '', areas: out };
}
