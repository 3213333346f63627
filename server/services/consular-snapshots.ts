import type { Repositories } from '../repositories/repositories';
import { eachGroup } from '../repositories/contract';
import type { EmbassyAggregates } from '../../shared/aggregate';
import { areaIndexFor, type AreaIndexSource } from './aggregate-area-indexes';
import { consularSnapshot, type ConsularOverview } from '../../shared/consular';
import type { Group } from '../../shared/schemas/group.schema';

/**
 * How often an embassy's figures about nationals it does not see in full are taken anew
 * (protection rule 10). Between two refresh moments every read and every channel gives the same
 * figures, so when a hidden group moved cannot be told closer than the period, and a change is
 * never pushed as it happens. Ten minutes: live enough for planning, and several reports usually
 * fall into one period, so one group's move is rarely alone in a change.
 */
export const DEFAULT_CONSULAR_REFRESH_MS = 10 * 60_000;

/** An embassy's consular figures as taken once in a refresh period. */
export interface ConsularSnapshot {
  /** The refresh period it belongs to (epoch ms / period). */
  period: number;
  /** When it was taken (epoch ms): the refresh moment, or the first read of the period. */
  takenAt: number;
  aggregates: EmbassyAggregates;
  overview: ConsularOverview;
  /** The figures as a string, to tell whether a new period's figures differ from the last. */
  digest: string;
}

/**
 * One snapshot per crisis, state and refresh period, shared by every channel that gives an
 * embassy counts (`/api/consular`, its chart, `/api/aggregates` and its CSV, the live notice):
 * figures one embassy gets at one moment all come from the same snapshot, so they can be set
 * against each other without a difference between two moments showing through. The first
 * computation in a period wins: the live notifier's at the refresh moment, or the first read's
 * when no socket of that embassy is connected to this process.
 */
export class ConsularSnapshots {
  readonly periodMs: number;
  readonly #repos: Repositories;
  readonly #areas: AreaIndexSource;
  readonly #now: () => number;
  readonly #taken = new Map<string, ConsularSnapshot>();

  constructor(repos: Repositories, areas: AreaIndexSource, now: () => number, periodMs: number = DEFAULT_CONSULAR_REFRESH_MS) {
    this.#repos = repos;
    this.#areas = areas;
    this.#now = now;
    this.periodMs = periodMs;
  }

  /** The refresh period a moment falls in. */
  periodAt(ms: number): number {
    return Math.floor(ms / this.periodMs);
  }

  /** This period's snapshot: the one taken already, else taken now from the database. */
  async current(crisisId: string, state: string): Promise<ConsularSnapshot> {
    const taken = this.#takenThisPeriod(crisisId, state);
    if (taken) return taken;
    // Only groups with this state's nationals count anywhere in its figures: the page walk keeps
    // those (what the live notifier holds too), not the crisis.
    const groups: Group[] = [];
    for await (const g of eachGroup(this.#repos, crisisId)) if (g.nationalities.some((n) => n.code === state)) groups.push(g);
    return this.#takeOnce(crisisId, state, () => groups);
  }

  /** At a refresh moment, from the groups the live notifier keeps: this period's, unless a read took it first. */
  async refresh(crisisId: string, state: string, groups: () => readonly Group[]): Promise<ConsularSnapshot> {
    return this.#takeOnce(crisisId, state, groups);
  }

  /** The last snapshot taken for an embassy, of whatever period (null when none). */
  last(crisisId: string, state: string): ConsularSnapshot | null {
    return this.#taken.get(`${crisisId}:${state}`) ?? null;
  }

  #takenThisPeriod(crisisId: string, state: string): ConsularSnapshot | null {
    const taken = this.#taken.get(`${crisisId}:${state}`);
    return taken?.period === this.periodAt(this.#now()) ? taken : null;
  }

  async #takeOnce(crisisId: string, state: string, groups: () => readonly Group[]): Promise<ConsularSnapshot> {
    const index = await areaIndexFor(this.#areas, crisisId);
    const key = `${crisisId}:${state}`;
    const now = this.#now();
    const period = this.periodAt(now);
    const taken = this.#takenThisPeriod(crisisId, state);
    if (taken) return taken;
    const { aggregates, overview } = consularSnapshot(groups(), state, index);
    const digest = JSON.stringify([
      aggregates.areas.map((a) => [a.area, a.admin1?.name, a.admin2?.name, a.people, a.byStatus, a.byNeed, a.figures, a.statusWithheld, a.needsWithheld]),
      overview,
    ]);
    const snapshot = { period, takenAt: now, aggregates, overview, digest };
    this.#taken.set(key, snapshot);
    return snapshot;
  }
}
