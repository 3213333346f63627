import { OPEN_STATUSES } from '../../../shared/group-status';
import type { ChangeCursor, ChangeLogReader } from '../state/change-log';
import { SortedIndex } from '../state/sorted-index';
import { coordinatedGroupOf, type CoordinatedGroup, type HeldView } from '../sync/held-view';

/** One open group in the queue (its full view or its summary, which carries all the score reads), with its score at the clock the queue was ranked at. */
export interface TriageRow {
  group: CoordinatedGroup;
  score: number;
}

/** Two runs in triage order as one. */
function mergeRuns(a: readonly TriageRow[], b: readonly TriageRow[]): TriageRow[] {
  const out: TriageRow[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(triageRowOrder(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

const byString = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

/** `triage`'s order (most urgent first, then reported earlier), then by id so that no two rows tie. */
export const triageRowOrder = (a: TriageRow, b: TriageRow): number =>
  b.score - a.score || byString(a.group.reportedAt, b.group.reportedAt) || byString(a.group.id, b.group.id);

/** Groups scored per slice of a rebuild before the page is handed back (about 10-30 ms each). */
const REBUILD_SLICE = 5_000;

/**
 * The whole triage queue (every open group of the filtered set, ranked), kept from one batch of
 * live changes to the next by re-scoring and moving only the groups that changed: scanning and
 * scoring the 100,000 groups of a big crisis every 250 ms was one of the coordinator's longest
 * tasks. A new clock (every minute), a new filter or a new collection ranks everything again, in
 * slices that hand the page back between them (`rebuild`).
 */
export class TriageIndex {
  #index = new SortedIndex<TriageRow>(triageRowOrder);
  #cursor: ChangeCursor | null = null;
  #source: ReadonlyMap<string, HeldView> | null = null;
  #now: number | null = null;
  /** The rebuild under way, and what it ranks. */
  #rebuilding: { token: symbol; groups: ReadonlyMap<string, HeldView>; changes: ChangeLogReader; cursor: ChangeCursor; now: number } | null = null;

  constructor(private readonly scoreOf: (group: CoordinatedGroup, now: number) => number) {}

  /** How many open groups the queue holds. */
  get size(): number {
    return this.#index.size;
  }

  /** Rows `start` to `end` (excluded), most urgent first. */
  slice(start: number, end?: number): TriageRow[] {
    return this.#index.slice(start, end);
  }

  /** Every row, most urgent first. */
  toArray(): TriageRow[] {
    return this.#index.toArray();
  }

  /** The clock the rows were ranked at; null before the first ranking. */
  get now(): number | null {
    return this.#now;
  }

  /** Whether `update` can follow these inputs from the changes alone, without ranking everything again. */
  canFollow(groups: ReadonlyMap<string, HeldView>, changes: ChangeLogReader, now: number): boolean {
    return this.#rebuilding === null && groups === this.#source && now === this.#now && changes.since(this.#cursor) !== null;
  }

  /**
   * How to bring the queue to these inputs: `follow` the changes (`update`: cheap); `wait` for the
   * rebuild under way (it takes the changes made meanwhile along); `rerank` at a new clock (`rebuild`
   * in slices, the last ranking still right but for a minute, so it stays on screen); or `restart`
   * on a collection replaced by a new filter or a snapshot (`rebuild` in slices too: ranking 100,000
   * groups at once took ~300 ms; but rows from before would be wrong, so nothing is shown meanwhile).
   */
  plan(groups: ReadonlyMap<string, HeldView>, changes: ChangeLogReader, now: number): 'follow' | 'wait' | 'rerank' | 'restart' {
    if (this.canFollow(groups, changes, now)) return 'follow';
    if (this.rebuildingFor(groups, changes, now)) return 'wait';
    return this.follows(groups, changes) ? 'rerank' : 'restart';
  }

  /** Whether the rows are of this collection and its log still reaches back to them (whatever the clock). */
  follows(groups: ReadonlyMap<string, HeldView>, changes: ChangeLogReader): boolean {
    return groups === this.#source && changes.since(this.#cursor) !== null;
  }

  /**
   * Whether a rebuild of these groups at this clock is under way and still worth finishing: it
   * applies the changes made meanwhile when done, unless the collection was replaced since it began.
   */
  rebuildingFor(groups: ReadonlyMap<string, HeldView>, changes: ChangeLogReader, now: number): boolean {
    const r = this.#rebuilding;
    return r !== null && r.groups === groups && r.changes === changes && r.now === now && changes.since(r.cursor) !== null;
  }

  /**
   * Brings the queue up to date from the groups that changed. Falls back to ranking everything at
   * once when it cannot follow (see `canFollow`); prefer `rebuild` then, which hands the page back.
   * Returns whether anything moved.
   */
  update(groups: ReadonlyMap<string, HeldView>, changes: ChangeLogReader, now: number): boolean {
    const ids = groups === this.#source && now === this.#now ? changes.since(this.#cursor) : null;
    this.#cursor = changes.position;
    if (ids === null) {
      this.#rebuilding = null;
      this.#index.rebuild(this.#rowsOf(groups.values(), now));
      this.#source = groups;
      this.#now = now;
      return true;
    }
    return this.#index.apply(ids, (id) => this.#rowOf(groups.get(id), now));
  }

  /**
   * Ranks everything again, scoring `slice` groups per task and waiting on `pause` between them;
   * then applies what changed meanwhile. Resolves to false when a later rebuild or update took
   * over (this one's result is dropped).
   */
  async rebuild(
    groups: ReadonlyMap<string, HeldView>,
    changes: ChangeLogReader,
    now: number,
    pause: () => Promise<void>,
    slice = REBUILD_SLICE,
  ): Promise<boolean> {
    const token = Symbol('rebuild');
    const cursor = changes.position;
    this.#rebuilding = { token, groups, changes, cursor, now };
    // Copy the views first: the collection changes while this waits between slices.
    const views = [...groups.values()];
    const stillMine = async () => {
      await pause();
      return this.#rebuilding?.token === token;
    };
    // Scored and sorted a slice at a time, then merged two runs at a time: one sort of 100,000 rows
    // took 100-600 ms on the page, a task of its own.
    let runs: TriageRow[][] = [];
    for (let start = 0; start < views.length; start += slice) {
      // The first slice waits too: the task that applied a snapshot has the map's batch to start.
      if (!(await stillMine())) return false;
      const run: TriageRow[] = [];
      for (const [, row] of this.#rowsOf(views.slice(start, start + slice), now)) run.push(row);
      runs.push(run.sort(triageRowOrder));
    }
    while (runs.length > 1) {
      const merged: TriageRow[][] = [];
      let sincePause = 0;
      for (let i = 0; i < runs.length; i += 2) {
        const run = i + 1 < runs.length ? mergeRuns(runs[i]!, runs[i + 1]!) : runs[i]!;
        merged.push(run);
        sincePause += run.length;
        if (sincePause >= slice) {
          if (!(await stillMine())) return false;
          sincePause = 0;
        }
      }
      runs = merged;
    }
    if (!(await stillMine())) return false;
    this.#rebuilding = null;
    // Replaced while this ran (a new filter, a snapshot): the caller's next plan starts over.
    if (changes.since(cursor) === null) return false;
    this.#index.rebuildSorted(runs[0] ?? [], (row) => row.group.id);
    this.#source = groups;
    this.#now = now;
    this.#cursor = cursor;
    // What changed while the slices ran (a row scored from an older view is replaced here).
    this.update(groups, changes, now);
    return true;
  }

  *#rowsOf(views: Iterable<HeldView>, now: number): Generator<[string, TriageRow]> {
    for (const view of views) {
      const row = this.#rowOf(view, now);
      if (row) yield [view.group.id, row];
    }
  }

  #rowOf(view: HeldView | undefined, now: number): TriageRow | undefined {
    const group = coordinatedGroupOf(view);
    if (group === undefined || !OPEN_STATUSES.includes(group.status)) return undefined;
    // A row held from the same clock and the same group object already has this score.
    const held = now === this.#now ? this.#index.get(group.id) : undefined;
    if (held !== undefined && held.group === group) return held;
    return { group, score: this.scoreOf(group, now) };
  }
}
