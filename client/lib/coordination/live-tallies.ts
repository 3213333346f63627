import { countersOf, type Counters } from '../../../shared/counters';
import type { NeedType } from '../../../shared/schemas/need.schema';
import type { ChangeCursor, ChangeLogReader } from '../state/change-log';
import { coordinatedGroupOf, type CoordinatedGroup, type HeldView } from '../sync/held-view';

/**
 * Follows a collection through its change log: `step` is given the ids to look at again, or null
 * when everything must be counted from scratch (first time, another collection, a replaced one).
 */
class Follower {
  #cursor: ChangeCursor | null = null;
  #source: ReadonlyMap<string, HeldView> | null = null;

  next(groups: ReadonlyMap<string, HeldView>, changes: ChangeLogReader): ReadonlySet<string> | null {
    const ids = groups === this.#source ? changes.since(this.#cursor) : null;
    this.#cursor = changes.position;
    this.#source = groups;
    return ids;
  }
}

// Counted from full views and summaries alike (coordinatedGroupOf): a summary carries the headcount
// total, the nationalities and the needs the counters read. Reduced and nationals views count for nothing here.

/**
 * The nationalities present among the groups (full views and summaries), sorted: the filter's choices. Kept as a
 * count of groups per code, so a batch of changes costs its own size; the sorted list is a new
 * array only when a code appears or disappears.
 */
export class NationalityTally {
  #follower = new Follower();
  #held = new Map<string, readonly string[]>();
  #groupsPerCode = new Map<string, number>();
  #codes: readonly string[] = [];

  get codes(): readonly string[] {
    return this.#codes;
  }

  /** Brings the tally up to date; returns the codes, sorted (the same array while no code came or went). */
  update(groups: ReadonlyMap<string, HeldView>, changes: ChangeLogReader): readonly string[] {
    const ids = this.#follower.next(groups, changes);
    let moved = false;
    if (ids === null) {
      this.#held.clear();
      this.#groupsPerCode.clear();
      for (const [id, view] of groups) moved = this.#set(id, view) || moved;
      moved = true;
    } else {
      for (const id of ids) moved = this.#set(id, groups.get(id)) || moved;
    }
    if (moved) {
      const codes = [...this.#groupsPerCode.keys()].sort();
      if (codes.length !== this.#codes.length || codes.some((c, i) => c !== this.#codes[i])) this.#codes = codes;
    }
    return this.#codes;
  }

  /** Replaces what one group counts for; true when a code appeared or disappeared. */
  #set(id: string, view: HeldView | undefined): boolean {
    let moved = false;
    for (const code of this.#held.get(id) ?? []) {
      const n = this.#groupsPerCode.get(code)! - 1;
      if (n === 0) {
        this.#groupsPerCode.delete(code);
        moved = true;
      } else this.#groupsPerCode.set(code, n);
    }
    const group = coordinatedGroupOf(view);
    if (!group) {
      this.#held.delete(id);
      return moved;
    }
    const nats = group.nationalities;
    const codes = nats.length === 1 ? [nats[0]!.code] : [...new Set(nats.map((n) => n.code))];
    this.#held.set(id, codes);
    for (const code of codes) {
      const n = (this.#groupsPerCode.get(code) ?? 0) + 1;
      if (n === 1) moved = true;
      this.#groupsPerCode.set(code, n);
    }
    return moved;
  }
}

/**
 * `countersOf` the full views and summaries, kept from batch to batch: each changed group's own counters (its
 * `countersOf([group])`, so the counting rules stay in one place) are taken out and its new ones
 * added. A breakdown key stays while some group counts under it, as in a full count.
 */
export class CounterTally {
  #follower = new Follower();
  #held = new Map<string, CoordinatedGroup>();
  #totals: Counters = emptyCounters();
  /** How many groups count under each breakdown key (a key may carry 0 people, as in countersOf). */
  #byNationalityRefs = new Map<string, number>();
  #byNeedRefs = new Map<NeedType, number>();
  #byAdmin1Refs = new Map<string, number>();

  /** Brings the counters up to date; returns them (a new object when anything moved). */
  update(groups: ReadonlyMap<string, HeldView>, changes: ChangeLogReader): Counters {
    const ids = this.#follower.next(groups, changes);
    const next = cloneCounters(this.#totals);
    let moved = false;
    if (ids === null) {
      this.#held.clear();
      this.#byNationalityRefs.clear();
      this.#byNeedRefs.clear();
      this.#byAdmin1Refs.clear();
      const fresh = emptyCounters();
      for (const [id, view] of groups) {
        const group = coordinatedGroupOf(view);
        if (group) this.#count(fresh, id, group, 1);
      }
      this.#totals = fresh;
      return fresh;
    }
    for (const id of ids) {
      const before = this.#held.get(id);
      const after = coordinatedGroupOf(groups.get(id));
      if (before === after) continue;
      moved = true;
      if (before) this.#count(next, id, before, -1);
      if (after) this.#count(next, id, after, 1);
    }
    if (moved) this.#totals = next;
    return this.#totals;
  }

  #count(c: Counters, id: string, group: CoordinatedGroup, sign: 1 | -1): void {
    if (sign === 1) this.#held.set(id, group);
    else this.#held.delete(id);
    const own = countersOf([group]);
    c.stranded += sign * own.stranded;
    c.inNeed += sign * own.inNeed;
    c.assisted += sign * own.assisted;
    c.evacuated += sign * own.evacuated;
    for (const [code, n] of Object.entries(own.strandedByNationality)) tally(this.#byNationalityRefs, c.strandedByNationality, code, sign, n);
    for (const [need, n] of Object.entries(own.inNeedByNeed) as [NeedType, number][]) tally(this.#byNeedRefs, c.inNeedByNeed, need, sign, n);
    for (const [pcode, line] of Object.entries(own.byAdmin1)) {
      // A line stays while some group counts under it, as in a full count; its name is its newest group's.
      const count = (this.#byAdmin1Refs.get(pcode) ?? 0) + sign;
      if (count === 0) {
        this.#byAdmin1Refs.delete(pcode);
        delete c.byAdmin1[pcode];
        continue;
      }
      this.#byAdmin1Refs.set(pcode, count);
      const held = c.byAdmin1[pcode] ?? { name: line.name, stranded: 0, inNeed: 0, assisted: 0, evacuated: 0 };
      c.byAdmin1[pcode] = {
        name: sign === 1 ? line.name : held.name,
        stranded: held.stranded + sign * line.stranded,
        inNeed: held.inNeed + sign * line.inNeed,
        assisted: held.assisted + sign * line.assisted,
        evacuated: held.evacuated + sign * line.evacuated,
      };
    }
  }
}

function emptyCounters(): Counters {
  return { stranded: 0, inNeed: 0, assisted: 0, evacuated: 0, strandedByNationality: {}, inNeedByNeed: {}, byAdmin1: {} };
}

function cloneCounters(c: Counters): Counters {
  // Lines are replaced, never changed in place (see #count), so a shallow copy of the record will do.
  return { ...c, strandedByNationality: { ...c.strandedByNationality }, inNeedByNeed: { ...c.inNeedByNeed }, byAdmin1: { ...c.byAdmin1 } };
}

/**
 * Adds (`sign` 1) or takes away (-1) one group's `n` under `key`: the key stays in `totals` while
 * some group counts toward it (`refs`), as a recount would leave it.
 */
function tally<K extends string>(refs: Map<K, number>, totals: Partial<Record<K, number>>, key: K, sign: number, n: number): void {
  const count = (refs.get(key) ?? 0) + sign;
  if (count === 0) {
    refs.delete(key);
    delete totals[key];
  } else {
    refs.set(key, count);
    totals[key] = (totals[key] ?? 0) + sign * n;
  }
}
