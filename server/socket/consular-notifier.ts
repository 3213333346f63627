import type { Logger } from '../log';
import { describeError } from '../log';
import type { ConsularService } from '../services/consular.service';
import type { CommittedChange } from '../services/group.service';
import { audienceRoom } from './audience-room';
import type { WaymarkIo } from './socket-server';

/**
 * A burst of reports touching one embassy's nationals becomes one recomputation and at most one
 * notice per room; long enough to fold an import, short enough to feel live.
 */
export const CONSULAR_SETTLE_MS = 500;

/**
 * Tells embassy rooms when the counts their screen shows changed, so the client reads them again.
 * A change can move a national between the full view and the counts (consent, flag), change a
 * count, or touch nobody of that state; the notice goes only to rooms of the states the change's
 * nationalities (before or after) name, and only when the recomputed counts differ from the last
 * ones noticed: a notice never says more than a read would.
 */
export class ConsularNotifier {
  readonly #io: WaymarkIo;
  readonly #consular: ConsularService;
  readonly #logger: Logger;
  readonly #settleMs: number;
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #last = new Map<string, string>();

  constructor(io: WaymarkIo, consular: ConsularService, logger: Logger, settleMs = CONSULAR_SETTLE_MS) {
    this.#io = io;
    this.#consular = consular;
    this.#logger = logger;
    this.#settleMs = settleMs;
  }

  /** Called after a change was published: schedules the rooms of the states it touches. */
  changed(change: CommittedChange): void {
    const states = new Set<string>();
    for (const g of [change.before, change.after]) for (const n of g?.nationalities ?? []) states.add(n.code);
    const live = this.#io.of('/').adapter.rooms;
    for (const state of states) {
      const room = audienceRoom({ userId: '', role: 'embassy', crisisId: change.crisisId, agencyId: null, servesState: state });
      if (!room || !live.has(room.name) || this.#timers.has(room.name)) continue;
      const crisisId = change.crisisId;
      const timer = setTimeout(() => this.#settle(room.name, crisisId, state), this.#settleMs);
      timer.unref();
      this.#timers.set(room.name, timer);
    }
  }

  #settle(room: string, crisisId: string, state: string): void {
    this.#timers.delete(room);
    try {
      const digest = this.#consular.digest(crisisId, state);
      if (this.#last.get(room) === digest) return;
      this.#last.set(room, digest);
      // This process's sockets only: every process publishes each change to its own rooms (and so
      // runs this notifier for them), as the change feed does.
      this.#io.local.to(room).emit('consularChanged');
    } catch (error) {
      this.#logger.error('consular.notify_failed', describeError(error));
    }
  }

  /** Stops pending timers (the app is closing). */
  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
