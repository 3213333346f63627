/** Rows per block after a rebuild or a split; a block is split when it grows past twice this. */
const BLOCK = 512;
/** Past this many changed rows in one batch (a catch-up), they are merged in one pass instead of placed one by one. */
const MERGE_MIN = 4_096;

/**
 * Rows of a collection kept in one order, each row found by its id, updated from the ids that
 * changed: a live batch of a few dozen changes costs a few binary searches and short array moves,
 * not a sort (nor a pass) over 100,000 rows. The rows are held in blocks of a few hundred, so
 * placing one row moves at most a block, not the whole array (one splice in an array of 100,000
 * took ~0.1 ms on the coordinator's page, and the list and the queue each made two per change).
 *
 * `compare` must be a total order: 0 only for rows of the same id (break ties by id), so that a
 * row's place is one point, found by binary search, and the order is the one a full sort gives.
 */
export class SortedIndex<T> {
  #blocks: T[][] = [];
  #size = 0;
  #held = new Map<string, T>();

  constructor(
    private readonly compare: (a: T, b: T) => number,
    /** Block size and merge threshold; only tests change them (to split blocks with a few rows). */
    private readonly sizes = { block: BLOCK, mergeMin: MERGE_MIN },
  ) {}

  get size(): number {
    return this.#size;
  }

  /** The row held for an id. */
  get(id: string): T | undefined {
    return this.#held.get(id);
  }

  /** Rows `start` (included) to `end` (excluded) in order, as a new array. */
  slice(start: number, end = this.#size): T[] {
    const out: T[] = [];
    let offset = 0;
    for (const block of this.#blocks) {
      if (offset >= end) break;
      const next = offset + block.length;
      if (next > start) out.push(...block.slice(Math.max(0, start - offset), Math.min(block.length, end - offset)));
      offset = next;
    }
    return out;
  }

  /** Every row in order, as a new array. */
  toArray(): T[] {
    return this.#blocks.flat();
  }

  /** Position of the row held for an id, or -1. */
  indexOf(id: string): number {
    const row = this.#held.get(id);
    if (row === undefined) return -1;
    const [b, i] = this.#find(row);
    let offset = 0;
    for (let k = 0; k < b; k++) offset += this.#blocks[k]!.length;
    return offset + i;
  }

  /** Every row again, from scratch. */
  rebuild(rows: Iterable<[string, T]>): void {
    this.#held = new Map(rows);
    this.#setAll([...this.#held.values()].sort(this.compare));
  }

  /** Every row again, from rows already in order (each row's id by `idOf`). */
  rebuildSorted(sorted: T[], idOf: (row: T) => string): void {
    // The same ids again (a clock tick re-ranks the same groups): set in place, no new table of 100,000.
    for (const row of sorted) this.#held.set(idOf(row), row);
    if (this.#held.size !== sorted.length) {
      this.#held = new Map();
      for (const row of sorted) this.#held.set(idOf(row), row);
    }
    this.#setAll(sorted);
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
    if (moves.length < this.sizes.mergeMin) {
      for (const [id, before, after] of moves) {
        if (before !== undefined) this.#remove(before);
        if (after !== undefined) {
          this.#insert(after);
          this.#held.set(id, after);
        } else this.#held.delete(id);
      }
      return true;
    }
    // Many at once: drop the old rows, sort the new ones alone and merge them in.
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
    const merged: T[] = [];
    let a = 0;
    for (const block of this.#blocks) {
      for (const row of block) {
        if (gone.has(row)) continue;
        while (a < added.length && this.compare(added[a]!, row) < 0) merged.push(added[a++]!);
        merged.push(row);
      }
    }
    while (a < added.length) merged.push(added[a++]!);
    this.#setAll(merged);
    return true;
  }

  #setAll(sorted: T[]): void {
    this.#blocks = [];
    for (let i = 0; i < sorted.length; i += this.sizes.block) this.#blocks.push(sorted.slice(i, i + this.sizes.block));
    this.#size = sorted.length;
  }

  #insert(row: T): void {
    if (this.#blocks.length === 0) {
      this.#blocks.push([row]);
      this.#size = 1;
      return;
    }
    let [b, i] = this.#find(row);
    if (b === this.#blocks.length) {
      b--;
      i = this.#blocks[b]!.length;
    }
    const block = this.#blocks[b]!;
    block.splice(i, 0, row);
    this.#size++;
    if (block.length > 2 * this.sizes.block) this.#blocks.splice(b, 1, block.slice(0, this.sizes.block), block.slice(this.sizes.block));
  }

  #remove(row: T): void {
    let [b, i] = this.#find(row);
    if (this.#blocks[b]?.[i] !== row) {
      // Not where its order says (it should always be): look everywhere rather than lose track.
      b = this.#blocks.findIndex((block) => block.includes(row));
      if (b < 0) return;
      i = this.#blocks[b]!.indexOf(row);
    }
    const block = this.#blocks[b]!;
    block.splice(i, 1);
    this.#size--;
    if (block.length === 0) this.#blocks.splice(b, 1);
  }

  /** [block, position] of the first row that does not come before `row`; [blocks.length, 0] past the end. */
  #find(row: T): [number, number] {
    let lo = 0;
    let hi = this.#blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const block = this.#blocks[mid]!;
      if (this.compare(block[block.length - 1]!, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.#blocks.length) return [lo, 0];
    const block = this.#blocks[lo]!;
    let a = 0;
    let z = block.length;
    while (a < z) {
      const mid = (a + z) >> 1;
      if (this.compare(block[mid]!, row) < 0) a = mid + 1;
      else z = mid;
    }
    return [lo, a];
  }
}
