import type { AggregateArea } from './aggregate';
import { GONE_STATUSES, ROUNDING_BASE, SMALL_COUNT_MAX, SUPPRESSED, type RoundedCount } from './suppression';

/**
 * Secondary suppression (protection rule 10). Rounding makes every difference of two released
 * figures a multiple of 5, but a breakdown can still pin a figure through its sum: four "<5"
 * statuses under a "<5" total are all 1; "<5" needs summing to at most a rounded "in need" are
 * all 4. So before an area is released, the receiver's own reasoning is run on it: each figure
 * as the range it means ("<5" is 1-4, 25 is 25-29, a figure left out is 0) and the relations the
 * receiver knows (people are the sum of the statuses; in need is at least each need and at most
 * their sum; ...), tightened until nothing changes. When a figure ends with a single possible
 * value, the status breakdown, the need breakdown, or both are withheld: with neither, the
 * remaining figures are only "at most people" of each other and cannot pin anything.
 *
 * Any pinned figure counts, 5 or more too: the difference of two pinned figures would be exact.
 */

interface Range {
  lo: number;
  hi: number;
}
/** Σ left ≤ Σ right. */
type Rule = readonly [readonly string[], readonly string[]];

const UNKNOWN: Range = { lo: 0, hi: Number.MAX_SAFE_INTEGER };

/** What a released count means to its receiver. */
function rangeOf(v: RoundedCount | undefined): Range {
  if (v === undefined) return { lo: 0, hi: 0 };
  if (v === SUPPRESSED) return { lo: 1, hi: SMALL_COUNT_MAX };
  return { lo: v, hi: v + ROUNDING_BASE - 1 };
}

function model(area: AggregateArea): { vars: Map<string, Range>; rules: Rule[] } {
  const vars = new Map<string, Range>([
    ['people', rangeOf(area.people)],
    ['here', { ...UNKNOWN }],
    ['inNeed', rangeOf(area.figures.inNeed)],
    ['documentsLost', rangeOf(area.figures.documentsLost)],
    ['wantsToReturn', rangeOf(area.figures.wantsToReturn)],
  ]);
  const rules: Rule[] = [
    [['here'], ['people']],
    [['inNeed'], ['people']],
    [['documentsLost'], ['here']],
    [['wantsToReturn'], ['here']],
  ];
  if (!area.statusWithheld) {
    const statuses = Object.keys(area.byStatus);
    for (const s of statuses) vars.set(`status.${s}`, rangeOf(area.byStatus[s]));
    const all = statuses.map((s) => `status.${s}`);
    const here = statuses.filter((s) => !GONE_STATUSES.has(s)).map((s) => `status.${s}`);
    rules.push([['people'], all], [all, ['people']], [['here'], here], [here, ['here']]);
  }
  if (!area.needsWithheld) {
    const needs = Object.keys(area.byNeed).map((t) => `need.${t}`);
    for (const t of Object.keys(area.byNeed)) vars.set(`need.${t}`, rangeOf(area.byNeed[t]));
    rules.push([['inNeed'], needs], ...needs.map((n): Rule => [[n], ['inNeed']]));
  }
  return { vars, rules };
}

/** Whether the receiver's reasoning leaves some figure with a single possible value above 0. Pure. */
export function areaPins(area: AggregateArea): boolean {
  const { vars, rules } = model(area);
  const get = (n: string) => vars.get(n)!;
  // Each rule tightens its terms by the others' extremes; bounded, as ranges only ever shrink.
  for (let round = 0; round < 100; round++) {
    let changed = false;
    for (const [left, right] of rules) {
      const leftLo = left.reduce((s, n) => s + get(n).lo, 0);
      const rightHi = right.reduce((s, n) => s + get(n).hi, 0);
      for (const n of left) {
        const r = get(n);
        const hi = rightHi - (leftLo - r.lo);
        if (hi < r.hi) [r.hi, changed] = [hi, true];
      }
      for (const n of right) {
        const r = get(n);
        const lo = leftLo - (rightHi - r.hi);
        if (lo > r.lo) [r.lo, changed] = [lo, true];
      }
    }
    if (!changed) break;
  }
  return [...vars.values()].some((r) => r.lo === r.hi && r.lo > 0);
}

/**
 * The area as it may be released: whole when nothing pins, else without its status breakdown,
 * else without its need breakdown, else without both (which cannot pin). Whether a breakdown was
 * withheld is itself released, so it must not pin anything either (see the "<5" case). Pure.
 */
export function withholdPinning(area: AggregateArea): AggregateArea {
  const noStatus = { ...area, byStatus: {}, statusWithheld: true };
  const noNeeds = { ...area, byNeed: {}, needsWithheld: true };
  // Under a "<5" total only four "<5" statuses pin (all 1, total 4), so withholding just those
  // would say the total is 4: under "<5", two statuses or more are always withheld.
  const first = area.people === SUPPRESSED && Object.keys(area.byStatus).length >= 2 ? [noStatus] : [area, noStatus, noNeeds];
  for (const candidate of first) if (!areaPins(candidate)) return candidate;
  return { ...noStatus, byNeed: {}, needsWithheld: true };
}
