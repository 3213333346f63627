import { OPEN_STATUSES } from './group-status';
import { needIsTaken } from './need-assignment';
import type { GroupSummary } from './packed-views';
import type { Group, Vulnerability } from './schemas/group.schema';
import type { NeedType } from './schemas/need.schema';

/**
 * One reason a group ranks where it does, as data: the client words it from its catalogue
 * ("3 unaccompanied children", "no water", "waiting 9 h"), so the score stays explainable in any
 * language.
 */
export type UrgencyReason =
  | { kind: 'vulnerability'; vulnerability: Vulnerability; count: number; points: number }
  | { kind: 'need'; need: NeedType; severity: number; assigned: boolean; points: number }
  | { kind: 'waiting'; hours: number; points: number }
  | { kind: 'notSeen'; hours: number; points: number };

export interface Urgency {
  score: number;
  /** Every part of the score, largest first; a screen shows the first few. */
  reasons: UrgencyReason[];
}

/**
 * Points per person with each vulnerability. Children alone come first (MICIC guideline 7 and the
 * Alliance for Child Protection standards); then people whose life depends on care now.
 */
export const VULNERABILITY_WEIGHT: Readonly<Record<Vulnerability, number>> = {
  unaccompaniedChildren: 4,
  separatedChildren: 3,
  seriousMedical: 3,
  possibleTrafficking: 3,
  pregnantOrLactating: 2,
  disability: 2,
  detained: 2,
  olderPersons: 1.5,
};
/** People counted per vulnerability, at most: ten unaccompanied children are already top of any list. */
const VULNERABLE_CAP = 10;
/** Hours after which waiting adds nothing more: the score must still tell a 3-day wait from a 3-hour one. */
const HOURS_CAP = 72;
const HOUR_MS = 3_600_000;

const round1 = (x: number) => Math.round(x * 10) / 10;

/** What urgency reads: a full group, or a coordinator's summary of one (it carries every field the score needs). */
export type Scored = Group | GroupSummary;

/**
 * How urgent a group is, with why. Open needs weigh severity squared (a 5 is far worse than two
 * 3s); a need an agency already has counts for less. Waiting counts from the report while nobody
 * is working on the group; time since last seen adds a little, as the picture gets less certain.
 * Groups that are no longer open score 0.
 */
export function urgencyOf(group: Scored, now: number): Urgency {
  if (!OPEN_STATUSES.includes(group.status)) return { score: 0, reasons: [] };
  const reasons = [...clockFreeReasons(group), ...clockReasons(group, now, Date.parse(group.reportedAt), Date.parse(group.seenAt))];
  reasons.sort((a, b) => b.points - a.points);
  return { score: round1(reasons.reduce((s, r) => s + r.points, 0)), reasons };
}

/** The reasons that do not move with the clock: vulnerabilities and open needs. */
function clockFreeReasons(group: Scored): UrgencyReason[] {
  const reasons: UrgencyReason[] = [];
  for (const [key, count] of Object.entries(group.vulnerabilities) as [Vulnerability, number][]) {
    if (count <= 0) continue;
    reasons.push({ kind: 'vulnerability', vulnerability: key, count, points: round1(Math.min(count, VULNERABLE_CAP) * VULNERABILITY_WEIGHT[key]) });
  }
  for (const need of group.needs) {
    if (need.status === 'met' || need.status === 'cancelled') continue;
    const assigned = needIsTaken(group.assignments, need);
    reasons.push({ kind: 'need', need: need.type, severity: need.severity, assigned, points: round1(need.severity ** 2 * (assigned ? 0.3 : 1)) });
  }
  return reasons;
}

/** The reasons that move with the clock: waiting since the report, not seen since. */
function clockReasons(group: Scored, now: number, reportedMs: number, seenMs: number): UrgencyReason[] {
  const reasons: UrgencyReason[] = [];
  if (group.status !== 'assistance_in_progress') {
    const hours = Math.max(0, (now - reportedMs) / HOUR_MS);
    if (hours >= 1) reasons.push({ kind: 'waiting', hours: Math.floor(hours), points: round1(Math.min(hours, HOURS_CAP) / 6) });
  }
  const unseen = Math.max(0, (now - seenMs) / HOUR_MS);
  if (unseen >= 6) reasons.push({ kind: 'notSeen', hours: Math.floor(unseen), points: round1(Math.min(unseen, HOURS_CAP) / 12) });
  return reasons;
}

/** What `urgencyScore` keeps of a group object: the clock-free points, largest first, and its times. */
export type UrgencyMemo = WeakMap<Scored, { points: number[]; reportedMs: number; seenMs: number }>;

/**
 * `urgencyOf(group, now).score`, without its reasons: the points that do not move with the clock
 * are kept per group object in `memo`, so scoring a whole crisis again at the next clock tick (a
 * coordinator's queue, every minute) reads two times and adds a few numbers per group. The sum is
 * taken in the same order as urgencyOf's (largest first), so the score is the same number.
 */
export function urgencyScore(group: Scored, now: number, memo: UrgencyMemo): number {
  if (!OPEN_STATUSES.includes(group.status)) return 0;
  let kept = memo.get(group);
  if (!kept) {
    kept = {
      points: clockFreeReasons(group)
        .map((r) => r.points)
        .sort((a, b) => b - a),
      reportedMs: Date.parse(group.reportedAt),
      seenMs: Date.parse(group.seenAt),
    };
    memo.set(group, kept);
  }
  const timed = clockReasons(group, now, kept.reportedMs, kept.seenMs)
    .map((r) => r.points)
    .sort((a, b) => b - a);
  let sum = 0;
  let i = 0;
  let j = 0;
  const fixed = kept.points;
  while (i < fixed.length || j < timed.length) sum += j >= timed.length || (i < fixed.length && fixed[i]! >= timed[j]!) ? fixed[i++]! : timed[j++]!;
  return round1(sum);
}

/** Open groups, most urgent first (ties: the one reported earlier). */
export function triage(
  groups: Iterable<Group>,
  now: number,
  /** How to score one group: `urgencyOf`, or a memo of it (a group object never changes). */
  score: (group: Group, now: number) => Urgency = urgencyOf,
): { group: Group; urgency: Urgency }[] {
  const ranked: { group: Group; urgency: Urgency }[] = [];
  for (const group of groups) {
    if (OPEN_STATUSES.includes(group.status)) ranked.push({ group, urgency: score(group, now) });
  }
  // Ties by report time in plain string order (ISO timestamps sort the same as with localeCompare,
  // much faster over a whole crisis).
  return ranked.sort(
    (a, b) => b.urgency.score - a.urgency.score || (a.group.reportedAt < b.group.reportedAt ? -1 : a.group.reportedAt > b.group.reportedAt ? 1 : 0),
  );
}

type Ranked = { group: Group; urgency: Urgency };
/** triage's order: most urgent first, then reported earlier. */
const triageOrder = (a: Ranked, b: Ranked): number =>
  b.urgency.score - a.urgency.score || (a.group.reportedAt < b.group.reportedAt ? -1 : a.group.reportedAt > b.group.reportedAt ? 1 : 0);

/**
 * The first `limit` rows of `triage` and how many rows it has, without sorting them all: what a
 * queue that shows the top of a 100,000-group crisis needs after each batch of changes.
 */
export function triageTop(
  groups: Iterable<Group>,
  now: number,
  limit: number,
  score: (group: Group, now: number) => Urgency = urgencyOf,
): { count: number; top: Ranked[] } {
  const top: Ranked[] = [];
  let count = 0;
  for (const group of groups) {
    if (!OPEN_STATUSES.includes(group.status)) continue;
    count++;
    const row = { group, urgency: score(group, now) };
    if (top.length === limit && triageOrder(row, top[limit - 1]!) >= 0) continue;
    // Binary search for its place among the kept rows.
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (triageOrder(top[mid]!, row) <= 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, row);
    if (top.length > limit) top.pop();
  }
  return { count, top };
}
