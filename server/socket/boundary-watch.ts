import type { Repositories } from '../repositories/repositories';
import { describeError, type Logger } from '../log';
import type { WaymarkIo } from './socket-server';

/** The room every connection of a crisis joins, whatever its audience: what is said there is about the crisis, never a group. */
export const crisisRoom = (crisisId: string) => `crisis:${crisisId}`;
const CRISIS_ROOM = /^crisis:([^:]+)$/;

/**
 * Tells the maps of a crisis to draw its boundaries again after a load (`boundariesChanged`,
 * carrying the new version only: no area, no group, nothing personal; each client fetches the
 * drawable boundaries it may read). A load made by this process says so at once (`loaded`); one
 * made elsewhere (the admin command, another process of a cluster) is found by `check`, run with
 * the periodic sweep, which reads the boundary version of each crisis with connections here (one
 * indexed row each) and announces a version it has not seen. Each process tells its own sockets.
 */
export class BoundaryWatch {
  readonly #io: WaymarkIo;
  readonly #repos: Pick<Repositories, 'adminAreas'>;
  readonly #logger: Logger;
  /** The last version seen per crisis with connections here. */
  readonly #known = new Map<string, number>();

  constructor(io: WaymarkIo, repos: Pick<Repositories, 'adminAreas'>, logger: Logger) {
    this.#io = io;
    this.#repos = repos;
    this.#logger = logger;
  }

  /** A load of this process committed `version`: its maps hear it now, not at the next sweep. */
  loaded(crisisId: string, version: number): void {
    this.#announce(crisisId, version);
  }

  /** Reads the version of each crisis with connections here and announces one that moved. */
  async check(): Promise<void> {
    const live = this.#io.of('/').adapter.rooms;
    const crises = [...live.keys()].flatMap((name) => CRISIS_ROOM.exec(name)?.[1] ?? []);
    for (const id of this.#known.keys()) if (!crises.includes(id)) this.#known.delete(id);
    for (const id of crises) {
      try {
        const version = await this.#repos.adminAreas.version(id);
        // First seen: the maps there drew what they fetched at start; nothing to announce.
        if (!this.#known.has(id)) this.#known.set(id, version);
        else this.#announce(id, version);
      } catch (error) {
        this.#logger.error('boundaries.check_failed', describeError(error));
      }
    }
  }

  #announce(crisisId: string, version: number): void {
    if (this.#known.get(crisisId) === version) return;
    this.#known.set(crisisId, version);
    this.#io.local.to(crisisRoom(crisisId)).emit('boundariesChanged', version);
  }
}
