import type { Repositories } from '../repositories/repositories';
import { AdminAreaIndex } from '../../shared/admin-areas/area-index';
import type { GroupAdminAreas } from '../../shared/schemas/admin-area.schema';

const EMPTY = new AdminAreaIndex([]);

/**
 * The admin area index of each crisis, built once per boundary version. Every lookup first reads
 * the crisis's current version (one indexed row) in the caller's transaction, so a write never
 * uses boundaries another process has replaced, and the geometry is parsed again only after a load.
 */
export class AdminAreaIndexes {
  readonly #repos: Pick<Repositories, 'adminAreas'>;
  readonly #cache = new Map<string, { version: number; index: AdminAreaIndex }>();

  constructor(repos: Pick<Repositories, 'adminAreas'>) {
    this.#repos = repos;
  }

  /** The crisis's index as its boundaries stand now (empty when it has none). */
  async forCrisis(crisisId: string): Promise<AdminAreaIndex> {
    const version = await this.#repos.adminAreas.version(crisisId);
    if (version === 0) return EMPTY;
    const cached = this.#cache.get(crisisId);
    if (cached?.version === version) return cached.index;
    const index = new AdminAreaIndex(await this.#repos.adminAreas.listByCrisis(crisisId));
    this.#cache.set(crisisId, { version, index });
    return index;
  }

  /** The admin 1 and 2 of a point in a crisis. */
  async locate(crisisId: string, lat: number, lon: number): Promise<GroupAdminAreas> {
    return (await this.forCrisis(crisisId)).locate(lat, lon);
  }
}
