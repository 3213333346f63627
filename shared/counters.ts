import { foldAll, type Fold } from './fold';
import type { GroupSummary } from './packed-views';
import type { Group } from './schemas/group.schema';
import type { NeedType } from './schemas/need.schema';

/** The crisis in four numbers, and the first two broken down. */
export interface Counters {
  stranded: number;
  inNeed: number;
  assisted: number;
  evacuated: number;
  strandedByNationality: Record<string, number>;
  inNeedByNeed: Partial<Record<NeedType, number>>;
  /** The four counters per admin 1 p-code (`NO_ADMIN1` for groups outside the loaded areas): they sum to the totals. */
  byAdmin1: Record<string, AdminCounters>;
}

/** One admin 1's line of the counters. */
export interface AdminCounters {
  /** The admin 1's name as its groups carry it; null for `NO_ADMIN1`. */
  name: string | null;
  stranded: number;
  inNeed: number;
  assisted: number;
  evacuated: number;
}

/** The `byAdmin1` key of groups in no loaded admin 1 (a p-code is never empty). */
export const NO_ADMIN1 = '';

/** Admin 1 lines as a table: largest stranded first, the line of groups outside last. */
export function admin1Lines(c: Pick<Counters, 'byAdmin1'>): (AdminCounters & { pcode: string })[] {
  return Object.entries(c.byAdmin1)
    .map(([pcode, line]) => ({ pcode, ...line }))
    .sort((a, b) => Number(a.pcode === NO_ADMIN1) - Number(b.pcode === NO_ADMIN1) || b.stranded - a.stranded || a.pcode.localeCompare(b.pcode));
}

const MOVED = new Set<Group['status']>(['relocated', 'evacuated', 'returned']);
const NOT_COUNTED = new Set<Group['status']>(['duplicate', 'closed']);

/**
 * Counts people, never groups. Stranded: people in groups still where they were reported (not
 * moved, closed or merged away: a duplicate's people are already counted in the kept group).
 * In need: per group, the largest count among its needs not yet met (a person with two needs is one
 * person), the whole group when needs were not counted. Assisted and evacuated follow the status.
 */
export function countersOf(groups: Iterable<Group | GroupSummary>): Counters {
  return foldAll(countersFold(), groups);
}

/** `countersOf` fed group by group (a crisis read in pages): it keeps the counters, never a group. */
export function countersFold(): Fold<Group | GroupSummary, Counters> {
  const c: Counters = { stranded: 0, inNeed: 0, assisted: 0, evacuated: 0, strandedByNationality: {}, inNeedByNeed: {}, byAdmin1: {} };
  return { add: (g) => addToCounters(c, g), result: () => c };
}

function addToCounters(c: Counters, g: Group | GroupSummary): void {
  if (NOT_COUNTED.has(g.status)) return;
  const total = g.headcount.total;
  const admin1 = g.admin.admin1;
  const key = admin1?.pcode ?? NO_ADMIN1;
  const line = (c.byAdmin1[key] ??= { name: admin1?.name ?? null, stranded: 0, inNeed: 0, assisted: 0, evacuated: 0 });
  if (MOVED.has(g.status)) {
    c.evacuated += total;
    line.evacuated += total;
    return;
  }
  c.stranded += total;
  line.stranded += total;
  if (g.status === 'assisted') {
    c.assisted += total;
    line.assisted += total;
  }
  let counted = 0;
  for (const n of g.nationalities) {
    c.strandedByNationality[n.code] = (c.strandedByNationality[n.code] ?? 0) + n.count;
    counted += n.count;
  }
  if (total > counted) c.strandedByNationality.unknown = (c.strandedByNationality.unknown ?? 0) + total - counted;
  let groupInNeed = 0;
  for (const need of g.needs) {
    if (need.status === 'met' || need.status === 'cancelled') continue;
    const people = need.people > 0 ? need.people : total;
    c.inNeedByNeed[need.type] = (c.inNeedByNeed[need.type] ?? 0) + people;
    groupInNeed = Math.max(groupInNeed, people);
  }
  c.inNeed += groupInNeed;
  line.inNeed += groupInNeed;
}

/** One point of the crisis's history. */
export interface CounterPoint {
  at: string;
  stranded: number;
  inNeed: number;
  assisted: number;
  evacuated: number;
}

/**
 * The counters over time, replayed from the change log (each change carries the group's whole
 * state after it): one point per bucket, the state at the bucket's end. Pure.
 */
export function counterHistory(changes: Iterable<{ at: string; group: Group }>, bucketMs = 3_600_000): CounterPoint[] {
  return foldAll(counterHistoryFold(bucketMs), changes);
}

type Tally = Pick<Counters, 'stranded' | 'inNeed' | 'assisted' | 'evacuated'>;
const FIGURES = ['stranded', 'inNeed', 'assisted', 'evacuated'] as const;

/**
 * `counterHistory` fed change by change (a change log read in pages). The four counters are sums
 * over groups, so it keeps each group's own share (`countersOf([group])`, the rules in one place)
 * and running totals: a change takes the group's old share out and puts its new one in. It holds
 * four numbers per group, never a group, and closes a bucket without recounting the crisis.
 */
export function counterHistoryFold(bucketMs = 3_600_000): Fold<{ at: string; group: Group }, CounterPoint[]> {
  const shares = new Map<string, Tally>();
  const totals: Tally = { stranded: 0, inNeed: 0, assisted: 0, evacuated: 0 };
  const points: CounterPoint[] = [];
  let bucket: number | null = null;
  const close = (end: number) => points.push({ at: new Date(end).toISOString(), ...totals });
  return {
    add(change) {
      const b = Math.floor(Date.parse(change.at) / bucketMs) * bucketMs;
      if (bucket !== null && b !== bucket) close(bucket + bucketMs);
      bucket = b;
      const before = shares.get(change.group.id);
      const c = countersOf([change.group]);
      const after: Tally = { stranded: c.stranded, inNeed: c.inNeed, assisted: c.assisted, evacuated: c.evacuated };
      for (const f of FIGURES) totals[f] += after[f] - (before?.[f] ?? 0);
      shares.set(change.group.id, after);
    },
    result() {
      // The last bucket closes here, once: asked again, the fold answers the same points.
      if (bucket !== null) close(bucket + bucketMs);
      bucket = null;
      return points;
    },
  };
}
