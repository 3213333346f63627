import type { Agency } from '../../../shared/schemas/agency.schema';
import type { FieldTeam } from '../../../shared/schemas/coordination.schema';
import type { HeldView } from '../sync/held-view';
import { fetchAgencies, fetchFieldTeams } from '../api/coordination-api';
import type { ChangeLogReader } from '../state/change-log';
import { FilteredGroups, type LiveGroups } from './filtered-groups';
import { EMPTY_FILTER, filterOnLoad, filterToQuery, type Bounds, type GroupFilter } from './group-filter';

/** How often "waiting 9 h" and the overdue marks are brought up to date. */
const CLOCK_TICK_MS = 60_000;

/**
 * The coordinator's (or responder's) workspace state: the filter the map, the list and the
 * counters share, kept in the URL's query string so a view can be shared; the agencies; the field
 * teams; a clock.
 */
export class CoordinationState {
  filter = $state<GroupFilter>(EMPTY_FILTER);
  /** Whether the "only what the map shows" part follows the map as it moves. */
  followMap = $state(false);
  agencies = $state.raw<readonly Agency[]>([]);
  /** Field teams a follow-up may be asked of (coordinators only; empty for other roles). */
  fieldTeams = $state.raw<readonly FieldTeam[]>([]);
  now = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | null = null;
  #mapBounds: Bounds | null = null;

  constructor() {
    if (typeof window !== 'undefined') {
      const { filter, followMap } = filterOnLoad(window.location.search);
      this.filter = filter;
      this.followMap = followMap;
      this.#timer = setInterval(() => (this.now = Date.now()), CLOCK_TICK_MS);
    }
  }

  /** Loads the agencies once. */
  async load(): Promise<void> {
    const result = await fetchAgencies();
    if (result.ok) this.agencies = result.value.agencies;
  }

  /** Loads the field teams of the crisis (coordinators: the route refuses other roles). */
  async loadFieldTeams(): Promise<void> {
    const result = await fetchFieldTeams();
    if (result.ok) this.fieldTeams = result.value.teams;
  }

  /** The acronym of an agency, or its id while the list loads. */
  agencyName(id: string): string {
    return this.agencies.find((a) => a.id === id)?.acronym ?? id.slice(0, 8);
  }

  /** Replaces the filter and writes it to the URL (replace, not push: filtering is not navigation). */
  setFilter(next: GroupFilter): void {
    this.filter = next;
    if (typeof window === 'undefined') return;
    const query = filterToQuery(next);
    const url = `${window.location.pathname}${query ? `?${query}` : ''}${window.location.hash}`;
    window.history.replaceState(window.history.state, '', url);
  }

  /** The map is ready or moved (GroupMap reports its bounds at both): remember where, and narrow to it when asked to. */
  mapMoved(bounds: Bounds): void {
    this.#mapBounds = bounds;
    if (this.followMap) this.setFilter({ ...this.filter, bounds });
  }

  /** Turns "only what the map shows" on or off. */
  setFollowMap(on: boolean): void {
    this.followMap = on;
    this.setFilter({ ...this.filter, bounds: on ? this.#mapBounds : null });
  }

  #filtered = new FilteredGroups();
  #visible: LiveGroups | null = null;

  /**
   * The groups that pass the filter, for the map, the list and the queue: one Map kept up to date
   * from the groups that changed (see FilteredGroups). A new object only when something in it
   * changed, so a batch of changes the filter hides moves nothing on screen.
   */
  visible(groups: ReadonlyMap<string, HeldView>, changes: ChangeLogReader): LiveGroups {
    // Read the reactive filter once, not once per group (a proxy read per field adds up over 100,000).
    const filter = $state.snapshot(this.filter) as GroupFilter;
    // The clock only matters to "seen within"; reading it otherwise would refilter at every tick.
    const now = filter.seenWithinHours !== null ? this.now : 0;
    const changed = this.#filtered.update(groups, changes, filter, now);
    if (changed || !this.#visible) {
      this.#visible = { groups: this.#filtered.groups, changes: this.#filtered.log, revision: (this.#visible?.revision ?? 0) + 1 };
    }
    return this.#visible;
  }

  destroy(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
  }
}
