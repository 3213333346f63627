import type { HeldView } from '../sync/held-view';
import { ChangeLog, type ChangeCursor, type ChangeLogReader } from '../state/change-log';
import { isFiltering, matchesFilter, type GroupFilter } from './group-filter';

/** A collection that is kept up to date in place, with the log of what changed in it. */
export interface LiveGroups {
  readonly groups: ReadonlyMap<string, HeldView>;
  readonly changes: ChangeLogReader;
  /** Moves whenever `groups` changed: what components react to. */
  readonly revision: number;
}

/**
 * The groups that pass the coordinator's filter, kept in one Map updated from the groups a batch
 * changed (copying and filtering 100,000 groups every 250 ms was one of the page's longest tasks).
 * Its own ChangeLog tells the map, the list and the triage queue which of *its* groups changed.
 * A new filter (or, for "seen within", a new clock tick) recomputes it from scratch.
 */
export class FilteredGroups {
  readonly groups = new Map<string, HeldView>();
  readonly log = new ChangeLog();
  #cursor: ChangeCursor | null = null;
  #key: string | null = null;
  #source: ReadonlyMap<string, HeldView> | null = null;

  /**
   * Brings the result up to date with `source` (whose changes `changes` logs) under `filter` at
   * `now`. Returns whether the result changed.
   */
  update(source: ReadonlyMap<string, HeldView>, changes: ChangeLogReader, filter: GroupFilter, now: number): boolean {
    // The clock matters only to "seen within": without it, a tick changes nothing here.
    const key = JSON.stringify(filter) + (filter.seenWithinHours !== null ? `@${now}` : '');
    const ids = key === this.#key && source === this.#source ? changes.since(this.#cursor) : null;
    this.#cursor = changes.position;
    this.#key = key;
    this.#source = source;
    const filtering = isFiltering(filter);
    const passes = (view: HeldView) => !filtering || matchesFilter(view, filter, now);
    if (ids === null) {
      this.groups.clear();
      for (const [id, view] of source) if (passes(view)) this.groups.set(id, view);
      this.log.resetAll();
      return true;
    }
    let changed = false;
    for (const id of ids) {
      const view = source.get(id);
      if (view !== undefined && passes(view)) {
        if (this.groups.get(id) === view) continue;
        this.groups.set(id, view);
      } else if (!this.groups.delete(id)) continue;
      this.log.touch(id);
      changed = true;
    }
    return changed;
  }
}
