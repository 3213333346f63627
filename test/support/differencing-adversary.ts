import { AREA_FIGURES, nationalFigures, type AggregateArea, type ShownCount } from '../../shared/aggregate';
import { OVERVIEW_FIGURES, type ConsularOverview } from '../../shared/consular';
import type { Group } from '../../shared/schemas/group.schema';
import { GROUP_STATUSES } from '../../shared/schemas/group.schema';
import { NEED_TYPES } from '../../shared/schemas/need.schema';

/**
 * An adversary for protection rule 10, written apart from the server's own check so that it can
 * disagree with it: from everything one embassy receives at one moment, it tries to pin a hidden
 * count from 1 to 4 by arithmetic. It knows what every released figure means and how figures
 * relate (an area's people are the sum of its statuses; in need is at most people and at least
 * each need; ...), and propagates integer intervals over those relations to a fixed point.
 *
 * What a released number means: a multiple of 5 may be a count rounded down to it (n..n+4); any
 * other number can only be exact. So the same adversary reads today's exact figures and rounded
 * ones correctly. "<5" is 1..4; a key left out is 0.
 */

interface Range {
  lo: number;
  hi: number;
}
/** Σ coef·var ≤ 0, coefficients ±1. */
interface LessOrEqual {
  terms: [string, 1 | -1][];
}

const BIG = 1_000_000;
const ROUNDING_BASE = 5;
const GONE = new Set(['relocated', 'evacuated', 'returned', 'closed']);
const STATUSES = GROUP_STATUSES.filter((s) => s !== 'duplicate');

export function meaning(v: ShownCount | undefined): Range {
  if (v === undefined) return { lo: 0, hi: 0 };
  if (v === '<5') return { lo: 1, hi: 4 };
  return v % ROUNDING_BASE === 0 ? { lo: v, hi: v + ROUNDING_BASE - 1 } : { lo: v, hi: v };
}

/** Integer intervals under linear relations, tightened until nothing changes. */
class IntervalSystem {
  readonly vars = new Map<string, Range>();
  readonly #rules: LessOrEqual[] = [];

  add(name: string, r: Range): void {
    this.vars.set(name, { ...r });
  }
  /** Σ plus ≤ Σ minus. */
  le(smaller: string[], larger: string[]): void {
    this.#rules.push({ terms: [...smaller.map((n): [string, 1] => [n, 1]), ...larger.map((n): [string, -1] => [n, -1])] });
  }
  eq(left: string[], right: string[]): void {
    this.le(left, right);
    this.le(right, left);
  }

  propagate(): void {
    for (let round = 0; round < 200; round++) {
      let changed = false;
      for (const { terms } of this.#rules) {
        // Σ c·x ≤ 0: for each x_j, c_j·x_j ≤ -Σ_{i≠j} min(c_i·x_i).
        const mins = terms.map(([n, c]) => (c > 0 ? this.#get(n).lo : -this.#get(n).hi));
        const total = mins.reduce((s, m) => s + m, 0);
        terms.forEach(([n, c], j) => {
          const bound = -(total - mins[j]!);
          const r = this.#get(n);
          if (c > 0 && bound < r.hi) {
            r.hi = bound;
            changed = true;
          } else if (c < 0 && -bound > r.lo) {
            r.lo = -bound;
            changed = true;
          }
          if (r.lo > r.hi) throw new Error(`adversary model is inconsistent at ${n}: ${r.lo}..${r.hi}`);
        });
      }
      if (!changed) return;
    }
  }

  #get(n: string): Range {
    const r = this.vars.get(n);
    if (!r) throw new Error(`unknown variable ${n}`);
    return r;
  }
}

/** Everything one embassy receives at one moment, as far as counts go. */
export interface Received {
  state: string;
  /** Areas as received (from `/api/consular`, `/api/aggregates` or the CSV: each must agree). */
  areas: readonly AggregateArea[];
  overview?: ConsularOverview;
  /** The groups it sees in full (its own nationals' exact figures). */
  fullGroups?: readonly Group[];
}

/** Each way the adversary pinned a hidden count, as `what = value`. Empty when none. */
export function findLeaks(received: Received): string[] {
  const leaks: string[] = [];
  const sys = new IntervalSystem();
  const derived: string[] = [];
  const diff = (name: string, big: string, small: string) => {
    // A hidden count of people: those counted in `big` but not in `small`.
    sys.add(name, { lo: 0, hi: BIG });
    sys.eq([name, small], [big]);
    derived.push(name);
  };

  for (const a of received.areas) {
    const p = (k: string) => `${a.area}.${k}`;
    sys.add(p('people'), meaning(a.people));
    for (const s of STATUSES) sys.add(p(`status.${s}`), a.statusWithheld ? { lo: 0, hi: BIG } : meaning(a.byStatus[s]));
    sys.eq(
      [p('people')],
      STATUSES.map((s) => p(`status.${s}`)),
    );
    sys.add(p('here'), { lo: 0, hi: BIG });
    sys.eq(
      [p('here')],
      STATUSES.filter((s) => !GONE.has(s)).map((s) => p(`status.${s}`)),
    );
    for (const t of NEED_TYPES) sys.add(p(`need.${t}`), meaning(a.byNeed[t]));
    for (const f of AREA_FIGURES) sys.add(p(f), meaning(a.figures[f]));
    // In need: at least each need's people, at most all of them together, at most everyone.
    for (const t of NEED_TYPES) sys.le([p(`need.${t}`)], [p('inNeed')]);
    sys.le(
      [p('inNeed')],
      NEED_TYPES.map((t) => p(`need.${t}`)),
    );
    sys.le([p('documentsLost')], [p('here')]);
    sys.le([p('wantsToReturn')], [p('here')]);
    diff(p('people-inNeed'), p('people'), p('inNeed'));
    diff(p('here-documentsLost'), p('here'), p('documentsLost'));
    diff(p('here-wantsToReturn'), p('here'), p('wantsToReturn'));
    diff(p('people-here'), p('people'), p('here'));
    for (const t of NEED_TYPES) diff(p(`inNeed-need.${t}`), p('inNeed'), p(`need.${t}`));
    for (const s of STATUSES) diff(p(`people-status.${s}`), p('people'), p(`status.${s}`));

    // Plain differences of two released numbers bound by "at most".
    const pairs: [string, ShownCount | undefined, ShownCount | undefined][] = [
      ['people-inNeed', a.people, a.figures.inNeed],
      ['people-documentsLost', a.people, a.figures.documentsLost],
      ['people-wantsToReturn', a.people, a.figures.wantsToReturn],
      ...Object.entries(a.byStatus).map(([s, v]): [string, ShownCount, ShownCount | undefined] => [`people-status.${s}`, a.people, v]),
      ...Object.entries(a.byNeed).map(([t, v]): [string, ShownCount | undefined, ShownCount | undefined] => [`inNeed-need.${t}`, a.figures.inNeed, v]),
    ];
    for (const [what, big, small] of pairs) {
      if (typeof big === 'number' && typeof small === 'number' && big - small >= 1 && big - small <= 4)
        leaks.push(`${a.area}.${what} (difference) = ${big - small}`);
    }
  }

  sys.propagate();
  for (const [name, r] of sys.vars) {
    if (r.lo === r.hi && r.lo >= 1 && r.lo <= 4) leaks.push(`${name} = ${r.lo}`);
  }

  if (received.overview) leaks.push(...overviewLeaks(received));
  return leaks;
}

/**
 * The overview's totals against the areas: a total minus the embassy's own full-view nationals
 * minus the numbers of its areas leaves what the total holds of "<5" areas. Anything from 1 to 4
 * is a suppressed count given back.
 */
function overviewLeaks({ state, areas, overview, fullGroups = [] }: Received): string[] {
  if (!overview) return [];
  const leaks: string[] = [];
  const statusFigure: Record<string, string[]> = {
    stranded: STATUSES.filter((s) => !GONE.has(s)),
    assisted: ['assisted'],
    relocated: ['relocated'],
    evacuated: ['evacuated', 'returned'],
  };
  // What the embassy knows exactly: its full-view nationals, figure by figure.
  const exact = new Map<string, number>();
  const addExact = (f: string, n: number) => exact.set(f, (exact.get(f) ?? 0) + n);
  for (const g of fullGroups) {
    if (g.status === 'duplicate') continue;
    const { people, figures } = nationalFigures(g, state);
    addExact('people', people);
    for (const f of AREA_FIGURES) addExact(f, figures[f]);
    for (const [f, statuses] of Object.entries(statusFigure)) if (statuses.includes(g.status)) addExact(f, people);
  }
  const num = (v: ShownCount | null | undefined) => (typeof v === 'number' ? v : 0);
  for (const f of OVERVIEW_FIGURES) {
    const shown = overview.figures[f]?.shown;
    if (typeof shown !== 'number') continue;
    let fromAreas = 0;
    for (const a of areas) {
      if (f === 'people') fromAreas += num(a.people);
      else if (f === 'inNeed' || f === 'documentsLost' || f === 'wantsToReturn') fromAreas += num(a.figures[f]);
      else for (const s of statusFigure[f] ?? []) fromAreas += num(a.byStatus[s]);
    }
    const rest = shown - (exact.get(f) ?? 0) - fromAreas;
    if (rest >= 1 && rest <= 4) leaks.push(`overview.${f} residual = ${rest}`);
  }
  return leaks;
}

/**
 * Figures that changed by 1 to 4 between two moments (a number, or a key left out, before and
 * after): the movement of a small hidden group read from a figure's change.
 */
export function changeLeaks(before: readonly AggregateArea[], after: readonly AggregateArea[]): string[] {
  const flat = (areas: readonly AggregateArea[]) => {
    const m = new Map<string, ShownCount>();
    for (const a of areas) {
      m.set(`${a.area}.people`, a.people);
      for (const [k, v] of Object.entries(a.byStatus)) m.set(`${a.area}.status.${k}`, v);
      for (const [k, v] of Object.entries(a.byNeed)) m.set(`${a.area}.need.${k}`, v);
      for (const [k, v] of Object.entries(a.figures)) m.set(`${a.area}.${k}`, v);
    }
    return m;
  };
  const b = flat(before);
  const c = flat(after);
  const leaks: string[] = [];
  for (const key of new Set([...b.keys(), ...c.keys()])) {
    const x = b.get(key) ?? 0;
    const y = c.get(key) ?? 0;
    if (typeof x !== 'number' || typeof y !== 'number') continue;
    const d = Math.abs(y - x);
    if (d >= 1 && d <= 4) leaks.push(`${key} changed by ${d}`);
  }
  return leaks;
}
