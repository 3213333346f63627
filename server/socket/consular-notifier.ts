import type { Logger } from '../log';
import { describeError } from '../log';
import type { ConsularService } from '../services/consular.service';
import type { CommittedChange } from '../services/group.service';
import { isMovementChange, isSiteChange, type PublishedChange } from '../services/command.service';
import type { Group } from '../../shared/schemas/group.schema';
import type { WaymarkIo } from './socket-server';

/** An embassy room's name (`audienceRoom`): its crisis, state and consulate. */
const EMBASSY_ROOM = /^crisis:([^:]+):embassy:([^:]+):[^:]+$/;

/** How often the notifier looks whether a refresh moment has passed (the app's clock decides). */
export const CONSULAR_TICK_MS = 1_000;

/** One embassy room's state: its nationals' groups (kept in step with the changes), and whether any changed. */
interface RoomState {
  crisisId: string;
  state: string;
  groups: Map<string, Group> | null;
  /** While the groups are being read: the changes published meanwhile, applied once they are in. */
  loading: Group[] | null;
  /** A change named this state since the last refresh. */
  dirty: boolean;
  /** The figures the room was last told about (or last read), null when unknown. */
  digest: string | null;
}

/**
 * Tells embassy rooms when the counts their screen shows changed, so the client reads them again:
 * at refresh moments only, never as a change happens (protection rule 10: a notice a second after
 * a hidden group moved would date the move; see ConsularSnapshots). A room is considered when a
 * change's nationalities (before or after) name its state; at the next refresh moment its figures
 * are taken from its state's groups kept in memory (loaded once, updated from every published
 * change; parsing 100,000 stored groups takes about a second, aggregating 20,000 about 0.3 s),
 * and the room is told only when they differ from the last ones: a notice never says more than a
 * read would.
 */
export class ConsularNotifier {
  readonly #io: WaymarkIo;
  readonly #consular: ConsularService;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #rooms = new Map<string, RoomState>();
  readonly #embassyRooms = new Map<string, Set<string>>();
  readonly #timer: ReturnType<typeof setInterval>;
  #period: number;

  constructor(io: WaymarkIo, consular: ConsularService, logger: Logger, now: () => number = Date.now, tickMs = CONSULAR_TICK_MS) {
    this.#io = io;
    this.#consular = consular;
    this.#logger = logger;
    this.#now = now;
    this.#period = consular.snapshots.periodAt(now());
    this.#timer = setInterval(() => this.#tick(), tickMs);
    this.#timer.unref();
  }

  /** Called after a change was published to this process's rooms. */
  changed(change: PublishedChange): void {
    // A site's change moves no embassy's figures (sites hold no nationals); nor does a movement's:
    // the groups an arrival moves on are published as group changes of their own.
    if (isSiteChange(change) || isMovementChange(change)) return;
    const states = new Set<string>();
    for (const g of [change.before, change.after]) for (const n of g?.nationalities ?? []) states.add(n.code);
    const live = this.#io.of('/').adapter.rooms;
    for (const state of states) {
      // The embassy rooms of that state seen at the last tick (a room joined since is found by the
      // next tick, which refreshes it anyway): not a scan of every room per change.
      for (const name of this.#embassyRooms.get(`${change.crisisId}|${state}`) ?? []) this.#mark(name, change, state, live.has(name));
    }
  }

  #mark(name: string, change: CommittedChange, state: string, live: boolean): void {
    if (!live) {
      // Nobody of that embassy is connected here: forget its groups until someone is.
      this.#rooms.delete(name);
      return;
    }
    let r = this.#rooms.get(name);
    if (!r) {
      // What the room's screen holds now: this period's figures, if anyone took them.
      const last = this.#consular.snapshots.last(change.crisisId, state);
      r = { crisisId: change.crisisId, state, groups: null, loading: null, dirty: false, digest: last?.digest ?? null };
      this.#rooms.set(name, r);
    }
    if (r.groups) apply(r.groups, change.after, state);
    else r.loading?.push(change.after);
    r.dirty = true;
  }

  /** The live embassy rooms by crisis and state (a room per consulate), read once a tick. */
  #findEmbassyRooms(live: ReadonlyMap<string, unknown>): void {
    this.#embassyRooms.clear();
    for (const name of live.keys()) {
      const m = EMBASSY_ROOM.exec(name);
      if (!m) continue;
      const key = `${m[1]!}|${m[2]!}`;
      const names = this.#embassyRooms.get(key) ?? new Set<string>();
      names.add(name);
      this.#embassyRooms.set(key, names);
    }
  }

  #tick(): void {
    const live = this.#io.of('/').adapter.rooms;
    this.#findEmbassyRooms(live);
    const period = this.#consular.snapshots.periodAt(this.#now());
    if (period === this.#period) return;
    this.#period = period;
    for (const name of this.#rooms.keys()) if (!live.has(name)) this.#rooms.delete(name);
    // A room that became live without a change since (its screen may hold a snapshot taken before
    // changes made while nobody of it was connected here): refreshed once and told, at this moment.
    for (const name of live.keys()) {
      const m = EMBASSY_ROOM.exec(name);
      if (m && !this.#rooms.has(name)) this.#rooms.set(name, { crisisId: m[1]!, state: m[2]!, groups: null, loading: null, dirty: true, digest: null });
    }
    for (const [name, r] of this.#rooms) if (r.dirty && r.loading === null) void this.#refresh(name, r);
  }

  async #refresh(name: string, r: RoomState): Promise<void> {
    try {
      if (!r.groups) {
        // Loaded after the changes that marked it: the database already holds them. What is
        // published while the read is under way is applied after it (an older version never
        // replaces a newer one).
        r.loading = [];
        const loaded = new Map((await this.#consular.groupsOf(r.crisisId, r.state)).map((g) => [g.id, g]));
        for (const after of r.loading) apply(loaded, after, r.state);
        r.groups = loaded;
      }
      const groups = r.groups;
      const { digest } = await this.#consular.snapshots.refresh(r.crisisId, r.state, () => [...groups.values()]);
      r.dirty = false;
      if (r.digest === digest) return;
      r.digest = digest;
      // This process's sockets only: every process publishes each change to its own rooms (and so
      // runs this notifier for them), as the change feed does.
      this.#io.local.to(name).emit('consularChanged');
    } catch (error) {
      this.#logger.error('consular.notify_failed', describeError(error));
    } finally {
      r.loading = null;
    }
  }

  /** Stops the clock (the app is closing). */
  stop(): void {
    clearInterval(this.#timer);
    this.#rooms.clear();
  }
}

/** Keeps a state's groups in step with a change; an older version never replaces a newer one. */
function apply(groups: Map<string, Group>, after: Group, state: string): void {
  const current = groups.get(after.id);
  if (current && current.version > after.version) return;
  if (after.nationalities.some((n) => n.code === state)) groups.set(after.id, after);
  else groups.delete(after.id);
}
