import { distanceKm } from '../../../shared/duplicates';
import { OPEN_STATUSES } from '../../../shared/group-status';
import type { Group } from '../../../shared/schemas/group.schema';
import type { ChangeCursor, ChangeLogReader } from '../state/change-log';
import { coordinatedGroupOf, type CoordinatedGroup, type HeldView } from '../sync/held-view';

/** A candidate: its full group or its summary, which carries what a merge names and sends (place, people, version). */
export interface NearbyGroup {
  g: CoordinatedGroup;
  km: number;
}

/**
 * The open reports within `withinKm` of one group (a merge's candidates), kept from batch to batch:
 * only the groups a batch changed are measured again (measuring 100,000 at every live batch took
 * ~20 ms of each on the coordinator's page). All again for another group, or when it moved.
 */
export class NearbyGroups {
  #near = new Map<string, NearbyGroup>();
  #from: { id: string; lat: number; lon: number; cursor: ChangeCursor } | null = null;

  constructor(private readonly withinKm: number) {}

  /** The `limit` nearest, nearest first. */
  update(center: Group, groups: ReadonlyMap<string, HeldView>, changes: ChangeLogReader, limit: number): NearbyGroup[] {
    const { lat, lon } = center.location;
    const from = this.#from;
    const ids = from && from.id === center.id && from.lat === lat && from.lon === lon ? changes.since(from.cursor) : null;
    if (ids === null) {
      this.#near = new Map();
      for (const [id, view] of groups) this.#measure(center, id, view);
    } else for (const id of ids) this.#measure(center, id, groups.get(id));
    this.#from = { id: center.id, lat, lon, cursor: changes.position };
    return [...this.#near.values()].sort((a, b) => a.km - b.km).slice(0, limit);
  }

  #measure(center: Group, id: string, view: HeldView | undefined): void {
    this.#near.delete(id);
    const g = coordinatedGroupOf(view);
    if (!g || id === center.id || !OPEN_STATUSES.includes(g.status)) return;
    const km = distanceKm(center.location, g.location);
    if (km <= this.withinKm) this.#near.set(id, { g, km });
  }
}
