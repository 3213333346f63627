import { everyNeedMet } from '../../../shared/group-status';
import { counted, type NationalsNeed } from '../../../shared/schemas/group.schema';
import type { Need, NeedType } from '../../../shared/schemas/need.schema';
import type { HeldView } from '../sync/held-view';

/** A group as the views that carry its time and place hold it: every view but a reduced one. */
type PlacedGroup = Exclude<HeldView, { view: 'reduced' }>['group'];

/** The group of a view that carries its time and place; null for a reduced view, which carries neither. */
function placedGroupOf(view: HeldView): PlacedGroup | null {
  switch (view.view) {
    case 'reduced':
      return null;
    case 'full':
    case 'summary':
    case 'nationals':
      return view.group;
  }
}

/** The time a view is ordered by: when the group was last seen, when the view carries it. */
const seenAt = (view: HeldView): string => placedGroupOf(view)?.seenAt ?? '';

/** The place's name where the view carries one (a summary does); '' for a reduced view. */
export const placeNameOf = (view: HeldView): string => placedGroupOf(view)?.location.placeName ?? '';

/**
 * Newest first: by the time the group was last seen (the time the list shows), then by id
 * (client-made UUIDv7 ids start with their creation time, so reduced views, which carry no times,
 * still come out newest first).
 */
export function compareNewestFirst(a: HeldView, b: HeldView): number {
  const byTime = compareCodeUnits(seenAt(b), seenAt(a));
  return byTime !== 0 ? byTime : compareCodeUnits(b.group.id, a.group.id);
}

/**
 * Plain string order. For ISO timestamps and lower-case UUIDs it is the order localeCompare gives
 * (digits before letters, separators in the same places), at a fraction of the cost: the list
 * sorts every group of the crisis, up to 100,000, after each batch of changes.
 */
const compareCodeUnits = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

export function sortNewestFirst(views: Iterable<HeldView>): HeldView[] {
  // One key per view, compared as one string (the same order as compareNewestFirst: seenAt has a
  // fixed length, '' sorts first), instead of two accessor calls per comparison: the list sorts a
  // whole crisis after each batch of changes.
  const keyed: HeldView[] = [...views];
  return keyed.sort(byKeyNewestFirst);
}

/** A view's sort key, made once per view object (a changed group is a new object). */
const KEYS = new WeakMap<HeldView, string>();
/** A view's place in the newest-first order as one string: a larger key comes first. Unique per group. */
export function keyOf(view: HeldView): string {
  let key = KEYS.get(view);
  if (key === undefined) {
    const seen = seenAt(view);
    key = seen === '' ? `0${view.group.id}` : `1${seen}${view.group.id}`;
    KEYS.set(view, key);
  }
  return key;
}
const byKeyNewestFirst = (a: HeldView, b: HeldView): number => {
  const x = keyOf(a);
  const y = keyOf(b);
  return x < y ? 1 : x > y ? -1 : 0;
};

/** The list's order as last computed: reused by `resortNewestFirst` when few groups changed. */
export interface SortedGroups {
  sorted: HeldView[];
  byId: ReadonlyMap<string, HeldView>;
}

/**
 * `sortNewestFirst(groups.values())`, computed from the previous order when few groups changed:
 * the unchanged keep their order, the changed are sorted alone and merged in (linear, where a
 * full sort of 100,000 groups after every batch of live changes kept the page busy).
 */
export function resortNewestFirst(previous: SortedGroups | null, groups: ReadonlyMap<string, HeldView>): SortedGroups {
  const byId = new Map(groups);
  if (previous) {
    const changed: HeldView[] = [];
    for (const [id, view] of groups) if (previous.byId.get(id) !== view) changed.push(view);
    let removed = 0;
    for (const id of previous.byId.keys()) if (!groups.has(id)) removed++;
    if (changed.length + removed <= Math.max(100, groups.size / 20)) {
      changed.sort(byKeyNewestFirst);
      const sorted: HeldView[] = [];
      let c = 0;
      for (const view of previous.sorted) {
        if (groups.get(view.group.id) !== view) continue; // changed or gone: placed from `changed`
        while (c < changed.length && byKeyNewestFirst(changed[c]!, view) <= 0) sorted.push(changed[c++]!);
        sorted.push(view);
      }
      while (c < changed.length) sorted.push(changed[c++]!);
      return { sorted, byId };
    }
  }
  return { sorted: sortNewestFirst(groups.values()), byId };
}

/** The needs to show first: open ones by severity, then by people; for a reduced view, its types. */
/** People with a need; an embassy is not told (it may count other nationals). */
const peopleWithNeed = (need: Omit<Need, 'id'> | NationalsNeed) => counted(need) ?? 0;

export function topNeeds(view: HeldView): NeedType[] {
  if (view.view === 'reduced') return [...view.group.needTypes];
  const needs: readonly (Omit<Need, 'id'> | NationalsNeed)[] = view.group.needs;
  return needs
    .filter((n) => n.status !== 'cancelled' && n.status !== 'met')
    .sort((a, b) => b.severity - a.severity || peopleWithNeed(b) - peopleWithNeed(a))
    .map((n) => n.type);
}

/** Whether every need the view lists was met (a reduced view lists only its open need types, so never). */
export function needsMetOf(view: HeldView): boolean {
  return view.view !== 'reduced' && everyNeedMet(view.group.needs);
}

/** Coordinates rounded for reading (about 10 m), not for computing. */
export function roundCoord(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
