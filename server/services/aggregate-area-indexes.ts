import type { Repositories } from '../repositories/repositories';
import type { AreaIndex } from '../../shared/aggregate';
import { adminAggregateIndex } from '../../shared/admin-areas/aggregate-areas';

/** The aggregate areas of each crisis: one index for all, or one per crisis as its boundaries stand. */
export type AreaIndexSource = AreaIndex | AggregateAreaIndexes;

/** The index a crisis's aggregates use now. */
export async function areaIndexFor(source: AreaIndexSource, crisisId: string): Promise<AreaIndex> {
  return source instanceof AggregateAreaIndexes ? source.forCrisis(crisisId) : source;
}

/** The cell index behind a source: what density maps draw whatever a crisis's boundaries. */
export function cellIndexOf(source: AreaIndexSource): AreaIndex {
  return source instanceof AggregateAreaIndexes ? source.fallback : source;
}

/**
 * Which areas a crisis's aggregates (embassy areas, shareable export) go by: its admin areas once
 * boundaries are loaded, else `fallback` (H3 cells), so a crisis without boundaries keeps areas of
 * a known size rather than one area for everything. Built once per boundary version: a read first
 * asks the version (one indexed row), so a process never counts by boundaries another replaced.
 */
export class AggregateAreaIndexes {
  readonly #repos: Pick<Repositories, 'adminAreas'>;
  readonly #fallback: AreaIndex;
  readonly #cache = new Map<string, { version: number; index: AreaIndex }>();

  constructor(repos: Pick<Repositories, 'adminAreas'>, fallback: AreaIndex) {
    this.#repos = repos;
    this.#fallback = fallback;
  }

  /** The index of a crisis without boundaries (cells): the situation report's map always draws these. */
  get fallback(): AreaIndex {
    return this.#fallback;
  }

  async forCrisis(crisisId: string): Promise<AreaIndex> {
    const version = await this.#repos.adminAreas.version(crisisId);
    if (version === 0) return this.#fallback;
    const cached = this.#cache.get(crisisId);
    if (cached?.version === version) return cached.index;
    const index = adminAggregateIndex(await this.#repos.adminAreas.listByCrisis(crisisId));
    this.#cache.set(crisisId, { version, index });
    return index;
  }
}
