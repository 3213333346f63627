import type { Logger } from '../log';
import type { CommittedChange } from '../services/group.service';
import { projectChange } from '../services/change-projection';
import type { AudienceRoom } from './audience-room';
import type { WaymarkIo } from './socket-server';

/**
 * Sends each committed change to every audience room of its crisis, projected for that room.
 * Called only after the transaction commits.
 */
export class ChangePublisher {
  readonly #io: WaymarkIo;
  readonly #logger: Logger;
  /** Rooms that have had members, with the audience they project as. */
  readonly #rooms = new Map<string, AudienceRoom>();

  constructor(io: WaymarkIo, logger: Logger) {
    this.#io = io;
    this.#logger = logger;
  }

  /** Remembers a room's audience when a socket joins it. */
  register(room: AudienceRoom): void {
    this.#rooms.set(room.name, room);
  }

  /** Emits a change to the rooms of its crisis; a room that cannot see it, and never could, gets nothing. */
  publish(change: CommittedChange): void {
    // Local rooms only: with several processes each one publishes its own commits to its own sockets
    // through the adapter, which this loop would then need to learn about (a later scale step).
    const live = this.#io.of('/').adapter.rooms;
    let sent = 0;
    for (const room of this.#rooms.values()) {
      if (!live.has(room.name)) {
        this.#rooms.delete(room.name);
        continue;
      }
      if (room.audience.crisisId !== change.crisisId) continue;
      const event = projectChange(room.audience, change.seq, change.before, change.after);
      if (!event) continue;
      this.#io.to(room.name).emit('change', event);
      sent += 1;
    }
    this.#logger.info('change.published', { seq: change.seq, rooms: sent });
  }
}
