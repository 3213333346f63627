import { z } from 'zod';
import { withholdPinning } from './disclosure-check';
import { GONE_STATUSES, roundCount, RoundedCount } from './suppression';
import { embassyMaySee } from './projection';
import { AdminAreaRef, type GroupAdminAreas } from './schemas/admin-area.schema';
import type { Group } from './schemas/group.schema';

// The small-count rules live apart so that disclosure-check can use them without an import cycle.
export { GONE_STATUSES, ROUNDING_BASE, roundCount, RoundedCount, showCount, ShownCount, SMALL_COUNT_MAX, SUPPRESSED } from './suppression';

/** One area's counts of a nationality: people in total, by group status and by open need type. */
export const AggregateArea = z.object({
  /**
   * The area's id: "adm2:<p-code>" or "adm1:<p-code>" when the crisis has boundaries ("outside" for
   * groups in none of them), else an H3 cell at resolution 5 (about 250 km²).
   */
  area: z.string(),
  /** The admin areas it is (admin 2 null when the area is a whole admin 1); both null for a cell or "outside". */
  admin1: AdminAreaRef.nullable().default(null),
  admin2: AdminAreaRef.nullable().default(null),
  /** The area's outline as [lon, lat] pairs, for drawing: never a group's point. Empty when it has none to draw. */
  outline: z.array(z.tuple([z.number(), z.number()])),
  /** The area's centre, for a label; null when it has none ("outside the loaded areas"). */
  centre: z.tuple([z.number(), z.number()]).nullable(),
  people: RoundedCount,
  byStatus: z.record(z.string(), RoundedCount),
  byNeed: z.record(z.string(), RoundedCount),
  /**
   * True when the status breakdown is withheld: beside `people` it would pin a figure to one value
   * (e.g. four "<5" statuses under a "<5" total are all 1). See `shared/disclosure-check.ts`.
   */
  statusWithheld: z.boolean().default(false),
  /** True when the need breakdown is withheld: beside `inNeed` it would pin a figure to one value. */
  needsWithheld: z.boolean().default(false),
  /** Consular figures (see AREA_FIGURES), zeros left out: nationals in need, with documents lost or confiscated, wanting to return. */
  figures: z.record(z.string(), RoundedCount).default({}),
});
export type AggregateArea = z.infer<typeof AggregateArea>;

export const EmbassyAggregates = z.object({
  /** The state whose nationals are counted. */
  state: z.string(),
  areas: z.array(AggregateArea),
});
export type EmbassyAggregates = z.infer<typeof EmbassyAggregates>;

/** The area a group counts in, and the admin areas that name it (null for an H3 cell). */
export interface PlacedArea {
  area: string;
  admin1: GroupAdminAreas['admin1'];
  admin2: GroupAdminAreas['admin2'];
}

/** What the aggregation needs to know about an area: its id, outline and centre for a point. */
export interface AreaIndex {
  areaOf(lat: number, lon: number): string;
  /**
   * Where a group counts, when the index goes by the admin areas the group carries rather than by
   * its point (so every view names a group's area alike); without it, by `areaOf` its point.
   */
  placeGroup?(group: Pick<Group, 'location' | 'admin'>): PlacedArea;
  outlineOf(area: string): [number, number][];
  centreOf(area: string): [number, number] | null;
}

/** The area a group counts in under an index. */
export function placeGroup(index: AreaIndex, group: Pick<Group, 'location' | 'admin'>): PlacedArea {
  return index.placeGroup?.(group) ?? { area: index.areaOf(group.location.lat, group.location.lon), admin1: null, admin2: null };
}

function shownRecord(counts: Map<string, number>): Record<string, RoundedCount> {
  const out: Record<string, RoundedCount> = {};
  for (const [key, n] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    const shown = roundCount(n);
    if (shown !== null) out[key] = shown;
  }
  return out;
}

const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);

/** Per-area consular figures besides people, status and need (each at most `people`, so no sum identity). */
export const AREA_FIGURES = ['inNeed', 'documentsLost', 'wantsToReturn'] as const;
export type AreaFigure = (typeof AREA_FIGURES)[number];

/** The nationals of `state` in a group (0 when none), and the figures the consular view counts for them. */
export function nationalFigures(group: Group, state: string): { people: number; figures: Record<AreaFigure, number>; needTypes: string[] } {
  const people = group.nationalities.find((n) => n.code === state)?.count ?? 0;
  const needTypes = [...new Set(group.needs.filter((n) => n.status !== 'cancelled' && n.status !== 'met').map((n) => n.type))];
  const here = !GONE_STATUSES.has(group.status);
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
 * The aggregate view an embassy of `state` gets of its nationals: per area, how many people of
 * that nationality, by status and by open need, with 1-4 shown as "<5" and the rest rounded down
 * to a multiple of 5; a breakdown that would still pin a figure beside its total is withheld
 * (`withholdPinning`). Only groups the embassy
 * does NOT see in full are counted: adding the ones it sees would let it subtract them and learn
 * the rest exactly. Groups with none of its nationals are not counted at all, nor duplicates (their
 * people are counted in the group they were merged into). Pure.
 */
export function aggregateForEmbassy(groups: readonly Group[], state: string | null, index: AreaIndex): EmbassyAggregates {
  const areas = new Map<
    string,
    { placed: PlacedArea; people: number; byStatus: Map<string, number>; byNeed: Map<string, number>; figures: Map<string, number> }
  >();
  if (state !== null) {
    for (const group of groups) {
      // A duplicate's people are counted in the group it was merged into.
      if (group.status === 'duplicate' || embassyMaySee(group, state)) continue;
      const { people, figures, needTypes } = nationalFigures(group, state);
      if (people === 0) continue;
      const placed = placeGroup(index, group);
      const key = placed.area;
      const area = areas.get(key) ?? { placed, people: 0, byStatus: new Map(), byNeed: new Map(), figures: new Map() };
      area.people += people;
      add(area.byStatus, group.status, people);
      for (const type of needTypes) add(area.byNeed, type, people);
      for (const f of AREA_FIGURES) if (figures[f] > 0) add(area.figures, f, figures[f]);
      areas.set(key, area);
    }
  }
  const out: AggregateArea[] = [];
  for (const [key, a] of [...areas].sort(([x], [y]) => x.localeCompare(y))) {
    const people = roundCount(a.people);
    if (people === null) continue;
    out.push(
      withholdPinning({
        area: key,
        admin1: a.placed.admin1,
        admin2: a.placed.admin2,
        outline: index.outlineOf(key),
        centre: index.centreOf(key),
        people,
        byStatus: shownRecord(a.byStatus),
        byNeed: shownRecord(a.byNeed),
        statusWithheld: false,
        needsWithheld: false,
        figures: shownRecord(a.figures),
      }),
    );
  }
  return { state: state ?? '', areas: out };
}
