/**
 * Which groups changed, in order, so that what is derived from a whole crisis (the filter's result,
 * the list's order, the triage queue, counters, the map's features) is brought up to date from the
 * few groups a batch touched instead of rescanning 100,000 groups every 250 ms: a rescan per batch
 * kept the coordinator's page busy 300-400 ms at a time while 100 changes/s streamed in.
 *
 * A reader keeps a cursor (`position`) and later asks `since(cursor)` for the ids touched after it:
 * a set to look at again (present in the collection: added or changed; absent: removed), or null
 * when it must start over (the whole collection was replaced, the cursor belongs to another log, or
 * so much changed that the log no longer reaches back to it).
 */
export interface ChangeCursor {
  readonly log: object;
  readonly epoch: number;
  readonly at: number;
}

/** The reading side, what views and components are given. */
export interface ChangeLogReader {
  /** Where the log is now: everything up to here has been seen by whoever holds this cursor. */
  readonly position: ChangeCursor;
  /** Ids touched after `cursor` (each once), or null when the reader must recompute from scratch. */
  since(cursor: ChangeCursor | null): ReadonlySet<string> | null;
}

/** Past this many kept ids the older half is dropped; a reader that far behind starts over anyway. */
const DEFAULT_MAX_KEPT = 50_000;

export class ChangeLog implements ChangeLogReader {
  #epoch = 0;
  /** Position of #ids[0]. */
  #start = 0;
  #ids: string[] = [];
  #position: ChangeCursor = { log: this, epoch: 0, at: 0 };

  constructor(private readonly maxKept = DEFAULT_MAX_KEPT) {}

  get position(): ChangeCursor {
    const at = this.#start + this.#ids.length;
    if (this.#position.at !== at || this.#position.epoch !== this.#epoch) this.#position = { log: this, epoch: this.#epoch, at };
    return this.#position;
  }

  /** The group with this id was added, changed or removed. */
  touch(id: string): void {
    this.#ids.push(id);
    if (this.#ids.length > this.maxKept) {
      const drop = this.#ids.length >> 1;
      this.#ids = this.#ids.slice(drop);
      this.#start += drop;
    }
  }

  /** Everything may have changed (a snapshot replaced the collection): every reader starts over. */
  resetAll(): void {
    this.#epoch++;
    this.#start = 0;
    this.#ids = [];
  }

  since(cursor: ChangeCursor | null): ReadonlySet<string> | null {
    if (!cursor || cursor.log !== this || cursor.epoch !== this.#epoch || cursor.at < this.#start) return null;
    const from = cursor.at - this.#start;
    if (from > this.#ids.length) return null;
    return new Set(from === this.#ids.length ? [] : this.#ids.slice(from));
  }
}
