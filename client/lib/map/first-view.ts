import type { Feature, FeatureCollection, Point } from 'geojson';
import type { LayerSpecification, SourceSpecification } from 'maplibre-gl';
import { GROUP_STATUSES, type GroupStatus } from '../../../shared/schemas/group.schema';
import { statusKey } from './cluster-rings';
import type { GroupFeature, GroupFeatureProperties } from './group-features';
import { CLUSTER_MAX_ZOOM, CLUSTER_RADIUS, FIRST_VIEW_MIN_POINTS } from './cluster-settings';
import { GROUPS_SOURCE, LAYER_CLUSTERS, LAYER_POINTS, LAYER_SELECTED, groupLayerSpecs } from './group-layers';

// The first view of a big crisis: its points clustered on the page, for the zoom the map shows,
// and drawn at once, while MapLibre's worker still takes in the 100,000 features and builds its
// own index (seconds on a slow device). A cluster here says what the index's would: how many
// groups, the mix of their statuses, whether some need a coordinator. It is a picture, not an
// index: it does not split as one zooms in, and it goes when the index is drawn (GroupMap).
// Nothing here imports MapLibre's runtime, so the clustering is unit-tested without a browser.

/** The source and layer ids of the first view: the group layers' own, with this prefix. */
export const FIRST_VIEW_SOURCE = 'groups-first-view';
const PREFIX = 'first-view-';
export const FIRST_VIEW_CLUSTERS = PREFIX + LAYER_CLUSTERS;
export const FIRST_VIEW_POINTS = PREFIX + LAYER_POINTS;
/** The map's tiles are 512 px across at zoom 0, as the clustered source's extent. */
const TILE_SIZE = 512;

export interface FirstViewClusterProperties {
  cluster: true;
  point_count: number;
  point_count_abbreviated: string | number;
  att_unassigned: number;
  att_overdue: number;
  /** `s_<status>`: how many of its groups are in each status (cluster-rings.ts). */
  [status: `s_${string}`]: number;
}

/** A cluster of the first view, or one group alone (drawn as the index would draw it). */
export type FirstViewFeature = Feature<Point, FirstViewClusterProperties> | GroupFeature;

/** The number a cluster shows, abbreviated as MapLibre's clustered source does ("1.2k", "15k"). */
export function abbreviateCount(count: number): string | number {
  return count >= 10_000 ? `${Math.round(count / 1_000)}k` : count >= 1_000 ? `${Math.round(count / 100) / 10}k` : count;
}

/** The zoom level the clustered source draws at `mapZoom`: its tiles' level, at most one past clustering. */
export function clusterLevel(mapZoom: number): number {
  return Math.max(0, Math.min(Math.floor(mapZoom), CLUSTER_MAX_ZOOM + 1));
}

/** Whether the first view is worth drawing: a big crisis, at a zoom where its points cluster. */
export function wantsFirstView(points: number, mapZoom: number): boolean {
  return points >= FIRST_VIEW_MIN_POINTS && clusterLevel(mapZoom) <= CLUSTER_MAX_ZOOM;
}

interface Cell {
  count: number;
  /** World pixels at the level, summed over the members (the centre is their mean). */
  x: number;
  y: number;
  statuses: Float64Array;
  unassigned: number;
  overdue: number;
  /** The one member while it is alone. */
  only: GroupFeature;
  merged: boolean;
}

/**
 * The points clustered for the level the map draws at `mapZoom`, as MapLibre's clustered source
 * (radius and level as cluster-settings.ts and group-layers.ts set them) would: every point counted once, each cluster at
 * the mean of its members, status and attention sums as `clusterProperties` makes them. The
 * method differs (a grid of radius-sized cells, neighbouring cells merged when their centres are
 * within the radius), so the clusters are placed a little differently from the index's (the unit
 * test holds them to it). Linear in the points: tens of milliseconds for 100,000.
 */
export function firstViewClusters(
  features: readonly GroupFeature[],
  mapZoom: number,
): FeatureCollection<Point, FirstViewClusterProperties | GroupFeatureProperties> {
  const level = clusterLevel(mapZoom);
  const world = TILE_SIZE * 2 ** level;
  const statusIndex = new Map<GroupStatus, number>(GROUP_STATUSES.map((status, i) => [status, i]));
  const cells = new Map<number, Cell>();
  // Cells of the radius: two points within it are at most one cell apart on either axis.
  const columns = Math.ceil(world / CLUSTER_RADIUS) + 1;
  for (const feature of features) {
    const [lon, lat] = feature.geometry.coordinates as [number, number];
    const x = lonToX(lon) * world;
    const y = latToY(lat) * world;
    const key = Math.floor(y / CLUSTER_RADIUS) * columns + Math.floor(x / CLUSTER_RADIUS);
    let cell = cells.get(key);
    if (!cell) {
      cell = { count: 0, x: 0, y: 0, statuses: new Float64Array(GROUP_STATUSES.length), unassigned: 0, overdue: 0, only: feature, merged: false };
      cells.set(key, cell);
    }
    cell.count++;
    cell.x += x;
    cell.y += y;
    const status = statusIndex.get(feature.properties.status);
    if (status !== undefined) cell.statuses[status]!++;
    if (feature.properties.attention === 'unassigned') cell.unassigned++;
    else if (feature.properties.attention === 'overdue') cell.overdue++;
  }
  // The fullest cells first take in their neighbours whose centres lie within the radius, as the
  // index grows a cluster around a point; a cell taken in is not taken again.
  const order = [...cells.entries()].sort((a, b) => b[1].count - a[1].count);
  const out: FirstViewFeature[] = [];
  for (const [key, cell] of order) {
    if (cell.merged) continue;
    cell.merged = true;
    const cx = cell.x / cell.count;
    const cy = cell.y / cell.count;
    for (const dy of [-1, 0, 1])
      for (const dx of [-1, 0, 1]) {
        const other = cells.get(key + dy * columns + dx);
        if (!other || other.merged) continue;
        if (Math.hypot(other.x / other.count - cx, other.y / other.count - cy) > CLUSTER_RADIUS) continue;
        other.merged = true;
        cell.count += other.count;
        cell.x += other.x;
        cell.y += other.y;
        for (let i = 0; i < cell.statuses.length; i++) cell.statuses[i]! += other.statuses[i]!;
        cell.unassigned += other.unassigned;
        cell.overdue += other.overdue;
      }
    out.push(cell.count === 1 ? cell.only : clusterFeature(cell, world, out.length));
  }
  return { type: 'FeatureCollection', features: out };
}

function clusterFeature(cell: Cell, world: number, id: number): Feature<Point, FirstViewClusterProperties> {
  const properties: FirstViewClusterProperties = {
    cluster: true,
    point_count: cell.count,
    point_count_abbreviated: abbreviateCount(cell.count),
    att_unassigned: cell.unassigned,
    att_overdue: cell.overdue,
  };
  GROUP_STATUSES.forEach((status, i) => (properties[statusKey(status)] = cell.statuses[i]!));
  const coordinates = [xToLon(cell.x / cell.count / world), yToLat(cell.y / cell.count / world)];
  return { type: 'Feature', id, geometry: { type: 'Point', coordinates }, properties };
}

// Web Mercator, as a fraction of the world's width (0 at the antimeridian west, 0 at the top).
const lonToX = (lon: number) => lon / 360 + 0.5;
function latToY(lat: number): number {
  const sin = Math.sin((lat * Math.PI) / 180);
  const y = 0.5 - (0.25 * Math.log((1 + sin) / (1 - sin))) / Math.PI;
  return Math.min(1, Math.max(0, y));
}
const xToLon = (x: number) => (x - 0.5) * 360;
const yToLat = (y: number) => (360 * Math.atan(Math.exp((1 - 2 * y) * Math.PI))) / Math.PI - 90;

/** The first view's source: plain points, not clustered (they come clustered). */
export function firstViewSourceSpec(): SourceSpecification {
  return { type: 'geojson', data: { type: 'FeatureCollection', features: [] } };
}

/**
 * The first view's layers: the group layers as the index draws them, reading the first view's
 * source (a cluster here carries what one of the index carries). Not the selection ring: nothing
 * is selected on a picture. Placed just under the groups' own, so the two never cover each other
 * in an order the groups' would not.
 */
export function firstViewLayerSpecs(): LayerSpecification[] {
  const layers: LayerSpecification[] = [];
  for (const layer of groupLayerSpecs()) {
    if (!('source' in layer) || layer.source !== GROUPS_SOURCE || layer.id === LAYER_SELECTED) continue;
    layers.push({ ...layer, id: PREFIX + layer.id, source: FIRST_VIEW_SOURCE } as LayerSpecification);
  }
  return layers;
}

/** The first view's layer ids, bottom to top. */
export const FIRST_VIEW_LAYER_IDS: readonly string[] = firstViewLayerSpecs().map((layer) => layer.id);
