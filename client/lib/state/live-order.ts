import type { HeldView } from '../sync/held-view';
import type { ChangeCursor, ChangeLogReader } from './change-log';
import { keyOf } from './group-display';
import { SortedIndex } from './sorted-index';

const newestFirst = (a: HeldView, b: HeldView): number => {
  const x = keyOf(a);
  const y = keyOf(b);
  return x < y ? 1 : x > y ? -1 : 0;
};

/**
 * The list's order (newest first, as `sortNewestFirst`), kept from one batch of live changes to
 * the next by moving only the groups that changed; sorted from scratch when the collection was
 * replaced or no log of its changes is given.
 */
export class NewestFirstOrder {
  #index = new SortedIndex<HeldView>(newestFirst);
  #cursor: ChangeCursor | null = null;
  #source: ReadonlyMap<string, HeldView> | null = null;

  get size(): number {
    return this.#index.size;
  }

  /** Groups `start` to `end` (excluded), newest first. */
  slice(start: number, end?: number): HeldView[] {
    return this.#index.slice(start, end);
  }

  /** Every group, newest first. */
  toArray(): HeldView[] {
    return this.#index.toArray();
  }

  /** Position of a group in `rows`, or -1. */
  indexOf(id: string): number {
    return this.#index.indexOf(id);
  }

  /** Brings the order up to date with `groups`; returns whether it changed. */
  update(groups: ReadonlyMap<string, HeldView>, changes?: ChangeLogReader): boolean {
    const ids = changes && groups === this.#source ? changes.since(this.#cursor) : null;
    this.#cursor = changes?.position ?? null;
    this.#source = groups;
    if (ids === null) {
      this.#index.rebuild(groups);
      return true;
    }
    return this.#index.apply(ids, (id) => groups.get(id));
  }
}
