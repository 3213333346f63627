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
  const c: Counters = { stranded: 0, inNeed: 0, assisted: 0, evacuated: 0, strandedByNationality: {}, inNeedByNeed: {} };
  for (const g of groups) {
    if (NOT_COUNTED.has(g.status)) continue;
    const total = g.headcount.total;
    if (MOVED.has(g.status)) {
      c.evacuated += total;
      continue;
    }
    c.stranded += total;
    if (g.status === 'assisted') c.assisted += total;
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
  }
  return c;
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
 * state after it): one point per bucket, the state at the bucket's end.
 */
export function counterHistory(changes: Iterable<{ at: string; group: Group }>, bucketMs = 3_600_000): CounterPoint[] {
  const latest = new Map<string, Group>();
  const points: CounterPoint[] = [];
  let bucket: number | null = null;
  const close = (end: number) => {
    const c = countersOf(latest.values());
    points.push({ at: new Date(end).toISOString(), stranded: c.stranded, inNeed: c.inNeed, assisted: c.assisted, evacuated: c.evacuated });
  };
  for (const change of changes) {
    const b = Math.floor(Date.parse(change.at) / bucketMs) * bucketMs;
    if (bucket !== null && b !== bucket) close(bucket + bucketMs);
    bucket = b;
    latest.set(change.group.id, change.group);
  }
  if (bucket !== null) close(bucket + bucketMs);
  return points;
}
