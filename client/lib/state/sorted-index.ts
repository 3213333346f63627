/** Up to this many changed rows are moved one by one (binary search, splice); more are merged in one pass. */
const SPLICE_MAX = 64;

/**
 * Rows of a collection kept in one order, each row found by its id, updated from the ids that
 * changed: a live batch of a few dozen changes costs a few binary searches and array moves, not a
 * sort (nor even a pass) over 100,000 rows.
 *
 * `compare` must be a total order: 0 only for rows of the same id (break ties by id), so that a
 * row's place is one point, found by binary search, and the order is the one a full sort gives.
 */
export class SortedIndex<T> {
  #rows: T[] = [];
  #held = new Map<string, T>();

  constructor(private readonly compare: (a: T, b: T) => number) {}

  /** The rows in order. Read-only: the next change moves them in place. */
  get rows(): readonly T[] {
    return this.#rows;
  }

  get size(): number {
    return this.#rows.length;
  }

  /** The row held for an id. */
  get(id: string): T | undefined {
    return this.#held.get(id);
  }

  /** Position of the row held for an id, or -1. */
  indexOf(id: string): number {
    const row = this.#held.get(id);
    if (row === undefined) return -1;
    const at = this.#lowerBound(row);
    return this.#rows[at] === row ? at : this.#rows.indexOf(row);
  }

  /** Every row again, from scratch. */
  rebuild(rows: Iterable<[string, T]>): void {
    this.#held = new Map(rows);
    this.#rows = [...this.#held.values()].sort(this.compare);
  }

  /**
   * Looks at each id again: `rowOf(id)` is its row now (undefined: it is gone). A row equal (===)
   * to the one held is left where it is. Returns whether anything moved.
   */
  apply(ids: Iterable<string>, rowOf: (id: string) => T | undefined): boolean {
    const moves: [string, T | undefined, T | undefined][] = [];
    for (const id of ids) {
      const before = this.#held.get(id);
      const after = rowOf(id);
      if (before !== after) moves.push([id, before, after]);
    }
    if (moves.length === 0) return false;
    if (moves.length <= SPLICE_MAX) {
      for (const [id, before, after] of moves) {
        if (before !== undefined) this.#remove(before);
        if (after !== undefined) {
          this.#rows.splice(this.#lowerBound(after), 0, after);
          this.#held.set(id, after);
        } else this.#held.delete(id);
      }
      return true;
    }
    // Many at once (a catch-up): drop the old rows, sort the new ones alone and merge them in.
    const gone = new Set<T>();
    const added: T[] = [];
    for (const [id, before, after] of moves) {
      if (before !== undefined) gone.add(before);
      if (after !== undefined) {
        added.push(after);
        this.#held.set(id, after);
      } else this.#held.delete(id);
    }
    added.sort(this.compare);
    const merged: T[] = new Array<T>();
    let a = 0;
    for (const row of this.#rows) {
      if (gone.has(row)) continue;
      while (a < added.length && this.compare(added[a]!, row) < 0) merged.push(added[a++]!);
      merged.push(row);
    }
    while (a < added.length) merged.push(added[a++]!);
    this.#rows = merged;
    return true;
  }

  #remove(row: T): void {
    let at = this.#lowerBound(row);
    if (this.#rows[at] !== row) at = this.#rows.indexOf(row);
    if (at >= 0) this.#rows.splice(at, 1);
  }

  /** First position whose row does not come before `row`. */
  #lowerBound(row: T): number {
    let lo = 0;
    let hi = this.#rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(this.#rows[mid]!, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
