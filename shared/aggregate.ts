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

/**
 * The aggregate view an embassy of `state` gets of its nationals: per area, how many people of
 * that nationality, by status and by open need, with 1-4 shown as "<5". Only groups the embassy
 * does NOT see in full are counted: adding the ones it sees would let it subtract them and learn
 * the rest exactly. Groups with none of its nationals are not counted at all, nor duplicates (their
 * people are counted in the group they were merged into). Pure.
 */
export function aggregateForEmbassy(groups: readonly Group[], state: string | null, index: AreaIndex): EmbassyAggregates {
  const areas = new Map<string, { people: number; byStatus: Map<string, number>; byNeed: Map<string, number> }>();
  if (state !== null) {
    for (const group of groups) {
      // A duplicate's people are counted in the group it was merged into.
      if (group.status === 'duplicate' || embassyMaySee(group, state)) continue;
      const people = group.nationalities.find((n) => n.code === state)?.count ?? 0;
      if (people === 0) continue;
      const key = index.areaOf(group.location.lat, group.location.lon);
      const area = areas.get(key) ?? { people: 0, byStatus: new Map(), byNeed: new Map() };
      area.people += people;
      add(area.byStatus, group.status, people);
      const needTypes = new Set(group.needs.filter((n) => n.status !== 'cancelled' && n.status !== 'met').map((n) => n.type));
      for (const type of needTypes) add(area.byNeed, type, people);
      areas.set(key, area);
    }
  }
  const out: AggregateArea[] = [];
  for (const [key, a] of [...areas].sort(([x], [y]) => x.localeCompare(y))) {
    const people = showCount(a.people);
    if (people === null) continue;
    out.push({
      area: key,
      outline: index.outlineOf(key),
      centre: index.centreOf(key),
      people,
      byStatus: shownRecord(a.byStatus),
      byNeed: shownRecord(a.byNeed),
    });
  }
  return { state: state ?? '', areas: out };
}
