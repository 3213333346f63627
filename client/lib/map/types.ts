import type { AggregateArea } from '../../../shared/aggregate';
import type { HeldView } from '../sync/held-view';
import type { PointView } from '../../../shared/packed-views';
import type { Bbox } from '../../../shared/schemas/crisis.schema';
import type { ChangeLogReader } from '../state/change-log';
import type { Site } from '../../../shared/schemas/site.schema';

/** A point on the map picked by the person (tap) or by the device (geolocation). */
export interface PickedPoint {
  lat: number;
  lon: number;
  /** Metres; null for a pin placed by hand. */
  accuracyM: number | null;
}

/** Props of `GroupMap.svelte`, the one map component every role's view uses. */
export interface GroupMapProps {
  /** Every group this user may see, keyed by id. A `$state.raw` Map, replaced or bumped on change. */
  groups: ReadonlyMap<string, HeldView>;
  /** Incremented on every change to `groups`; the map batches rebuilds (at most one per 300 ms). */
  revision: number;
  /** The crisis's area of operations: the first view. */
  area: Bbox;
  /** ISO alpha-3 of the host country, drawn stronger on the basemap. */
  hostCountry: string;
  /** The selected group, highlighted with feature-state. */
  selectedId: string | null;
  /** Called when a group point is clicked. */
  onselect: (id: string) => void;
  /** When set, a tap on the map picks a point (for reporting) instead of selecting. */
  onpick?: (point: PickedPoint) => void;
  /** The point being reported, drawn as a marker. */
  picked?: PickedPoint | null;
  /** Ids of groups waiting to be sent (drawn hollow); empty when none. */
  pendingIds?: ReadonlySet<string>;
  /** An online style URL a deployment opted into; null draws the bundled offline basemap. */
  basemapStyleUrl: string | null;
  /** Where the deployment's street-level PMTiles archive is served (same origin); null or absent: none. */
  basemapPmtilesUrl?: string | null;
  /** An embassy's aggregate areas, drawn as outlined cells under the points; none by default. */
  areas?: readonly AggregateArea[];
  /** Called after the map moves, with its view as [west, south, east, north] (the coordinator's "map view" filter). */
  onviewchange?: (bounds: [number, number, number, number]) => void;
  /** The coordinator's clock: when set, points with an unassigned need or a late assignment are ringed. */
  attentionAt?: number;
  /**
   * The change-log position the groups reflect, read when a batch starts; the map reports the
   * drawn batch's position as `data-seq` (how the benchmark sees when a change is on screen).
   */
  seqOf?: () => number | null;
  /**
   * Which of `groups` changed since the map last drew: a batch then compares only those with what
   * is drawn. Without it every group is compared.
   */
  changes?: ChangeLogReader;
  /** The crisis's sites (issue 20); none by default. */
  sites?: ReadonlyMap<string, Site>;
  /** Bumped when `sites` may have changed (the sync's revision: a filtered group view's does not move for a site). */
  sitesRevision?: number;
  /** Called when a site's symbol is clicked (it wins over picking a point). */
  onselectsite?: (id: string) => void;
  /**
   * A first snapshot's points, ahead of its groups (`SyncClient.firstPoints`): drawn at once when
   * nothing is drawn yet, then compared with the groups when they come (only what differs is sent
   * again). Null (the default) when there are none, or when they would not be these `groups` (a filter).
   */
  firstPoints?: readonly PointView[] | null;
  /**
   * Called with what settles once the map has drawn its first view of `firstPoints` (a big crisis,
   * client/lib/map/first-view.ts), so the rest of the snapshot is decoded after it, not meanwhile
   * (`SyncClient.holdDecodeFor`). Not called when the map draws no first view.
   */
  onfirstview?: (drawn: Promise<void>) => void;
  /**
   * The map starts once this settles (or after MAP_START_WAIT_MS at the latest), the first time
   * only: `SyncClient.underWay`, so the sync is on its way before the map's start-up holds the page.
   */
  startAfter?: Promise<unknown>;
}
