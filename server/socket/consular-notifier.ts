import type { Logger } from '../log';
import { describeError } from '../log';
import type { ConsularService } from '../services/consular.service';
import type { CommittedChange } from '../services/group.service';
import type { Group } from '../../shared/schemas/group.schema';
import { audienceRoom } from './audience-room';
import type { WaymarkIo } from './socket-server';

/**
 * A burst of reports touching one embassy's nationals becomes one recomputation and at most one
 * notice per room: long enough to fold an import's chunk, short enough to feel live.
 */
export const CONSULAR_SETTLE_MS = 1_000;

/** One embassy room's state: its nationals' groups (kept in step with the changes) and the last digest noticed. */
interface RoomState {
  crisisId: string;
  state: string;
  groups: Map<string, Group> | null;
  digest: string | null;
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Tells embassy rooms when the counts their screen shows changed, so the client reads them again.
 * A change can move a national between the full view and the counts (consent, flag), change a
 * count, or touch nobody of that state; a room is considered only when the change's nationalities
 * (before or after) name its state, and noticed only when the recomputed counts differ from the
 * last ones: a notice never says more than a read would. Each room keeps its state's groups in
 * memory, loaded once and updated from every published change, so a recomputation reads no
 * database and touches only that state's groups (measured: parsing 100,000 stored groups takes
 * about a second, aggregating 20,000 about 0.3 s with H3 cells memoised).
 */
export class ConsularNotifier {
  readonly #io: WaymarkIo;
  readonly #consular: ConsularService;
  readonly #logger: Logger;
  readonly #settleMs: number;
  readonly #rooms = new Map<string, RoomState>();

  constructor(io: WaymarkIo, consular: ConsularService, logger: Logger, settleMs = CONSULAR_SETTLE_MS) {
    this.#io = io;
    this.#consular = consular;
    this.#logger = logger;
    this.#settleMs = settleMs;
  }

  /** Called after a change was published to this process's rooms. */
  changed(change: CommittedChange): void {
    const states = new Set<string>();
    for (const g of [change.before, change.after]) for (const n of g?.nationalities ?? []) states.add(n.code);
    const live = this.#io.of('/').adapter.rooms;
    for (const state of states) {
      const room = audienceRoom({ userId: '', role: 'embassy', crisisId: change.crisisId, agencyId: null, servesState: state });
      if (!room) continue;
      if (!live.has(room.name)) {
        // Nobody of that embassy is connected here: forget its groups until someone is.
        this.#stop(room.name);
        continue;
      }
      const r = this.#rooms.get(room.name) ?? { crisisId: change.crisisId, state, groups: null, digest: null, timer: null };
      this.#rooms.set(room.name, r);
      if (r.groups) apply(r.groups, change.after, state);
      if (r.timer === null) {
        r.timer = setTimeout(() => this.#settle(room.name, r), this.#settleMs);
        r.timer.unref();
      }
    }
  }

  #settle(name: string, r: RoomState): void {
    r.timer = null;
    try {
      // Loaded after the changes that scheduled this: the database already holds them.
      r.groups ??= new Map(this.#consular.groupsOf(r.crisisId, r.state).map((g) => [g.id, g]));
      const digest = this.#consular.digest([...r.groups.values()], r.state);
      if (r.digest === digest) return;
      r.digest = digest;
      // This process's sockets only: every process publishes each change to its own rooms (and so
      // runs this notifier for them), as the change feed does.
      this.#io.local.to(name).emit('consularChanged');
    } catch (error) {
      this.#logger.error('consular.notify_failed', describeError(error));
    }
  }

  #stop(name: string): void {
    const r = this.#rooms.get(name);
    if (r?.timer) clearTimeout(r.timer);
    this.#rooms.delete(name);
  }

  /** Stops pending timers (the app is closing). */
  stop(): void {
    for (const name of [...this.#rooms.keys()]) this.#stop(name);
  }
}

/** Keeps a state's groups in step with a change; an older version never replaces a newer one. */
function apply(groups: Map<string, Group>, after: Group, state: string): void {
  const current = groups.get(after.id);
  if (current && current.version > after.version) return;
  if (after.nationalities.some((n) => n.code === state)) groups.set(after.id, after);
  else groups.delete(after.id);
}
