import type { GeoJSONSource, Map as MapLibreMap, MapGeoJSONFeature, PointLike } from 'maplibre-gl';
import { FIRST_VIEW_CLUSTERS } from './first-view';
import { CLUSTER_MAX_ZOOM } from './cluster-settings';
import { GROUPS_SOURCE, LAYER_CLUSTERS, LAYER_POINTS } from './group-layers';

// Camera moves and hit tests on the group layers, kept out of the component so that it holds
// only lifecycle and wiring.

/** A cluster is drawn within its radius (50 px) of each member; search a little wider. */
const REVEAL_SEARCH_PX = 60;
/** Nested clusters open one level per zoom step; a few steps reach any point. */
const MAX_REVEAL_HOPS = 6;

function box(at: { x: number; y: number }, r: number): [PointLike, PointLike] {
  return [
    [at.x - r, at.y - r],
    [at.x + r, at.y + r],
  ];
}

/** The topmost group point or cluster within `tolerancePx` of a screen point, if any. */
export function groupFeatureAt(instance: MapLibreMap, at: { x: number; y: number }, tolerancePx: number): MapGeoJSONFeature | undefined {
  return instance.queryRenderedFeatures(box(at, tolerancePx), { layers: [LAYER_POINTS, LAYER_CLUSTERS] })[0];
}

/** Whether a feature is a cluster rather than a single group. */
export function isCluster(feature: MapGeoJSONFeature): boolean {
  return feature.layer.id === LAYER_CLUSTERS;
}

/** The topmost cluster of the first view (first-view.ts) within `tolerancePx` of a screen point, if any. */
export function firstViewClusterAt(instance: MapLibreMap, at: { x: number; y: number }, tolerancePx: number): MapGeoJSONFeature | undefined {
  return instance.queryRenderedFeatures(box(at, tolerancePx), { layers: [FIRST_VIEW_CLUSTERS] })[0];
}

/**
 * Zooms two levels in, centred on a cluster with no index behind it (the first view's): where it
 * splits is not known yet, and two levels split most clusters of the level it was drawn at.
 */
export function zoomTowards(instance: MapLibreMap, cluster: MapGeoJSONFeature): void {
  if (cluster.geometry.type !== 'Point') return;
  const [lon, lat] = cluster.geometry.coordinates;
  if (lon === undefined || lat === undefined) return;
  instance.easeTo({ center: [lon, lat], zoom: instance.getZoom() + 2 });
}

/** Zooms to the level where a clicked cluster splits, centred on it. */
export async function zoomIntoCluster(instance: MapLibreMap, cluster: MapGeoJSONFeature): Promise<void> {
  const clusterId: unknown = cluster.properties.cluster_id;
  const source = instance.getSource<GeoJSONSource>(GROUPS_SOURCE);
  if (typeof clusterId !== 'number' || !source || cluster.geometry.type !== 'Point') return;
  const [lon, lat] = cluster.geometry.coordinates;
  if (lon === undefined || lat === undefined) return;
  let zoom: number;
  try {
    zoom = await source.getClusterExpansionZoom(clusterId);
  } catch {
    // A live update rebuilt the index between drawing and the click, and this cluster id is
    // gone; the newly drawn cluster answers the next click. Nothing else can fail here.
    return;
  }
  instance.easeTo({ center: [lon, lat], zoom });
}

/**
 * Brings a group into view: pans to it, then zooms into the cluster holding it, one expansion at
 * a time, until it is drawn as its own point. Stops when `cancelled()` turns true (a newer
 * selection, the map removed) or when anyone else moves the camera meanwhile.
 */
export async function revealGroup(
  instance: MapLibreMap,
  id: string,
  lon: number,
  lat: number,
  cancelled: () => boolean,
  /** The closest zoom the point's precision allows (a rounded point); no limit by default. */
  maxZoom = Infinity,
): Promise<void> {
  const source = instance.getSource<GeoJSONSource>(GROUPS_SOURCE);
  if (!source) return;
  const camera = () =>
    `${instance.getZoom().toFixed(3)} ${instance
      .getCenter()
      .toArray()
      .map((v) => v.toFixed(6))}`;
  let expected = camera();
  const current = () => !cancelled() && camera() === expected;
  const moveTo = async (zoom: number) => {
    // Listen before moving: with reduced motion the move ends inside easeTo itself.
    const moved = instance.once('moveend');
    instance.easeTo({ center: [lon, lat], zoom });
    await moved;
    expected = camera();
    await instance.once('idle');
  };

  if (!instance.getBounds().contains([lon, lat])) await moveTo(instance.getZoom());
  for (let hop = 0; hop < MAX_REVEAL_HOPS && current(); hop++) {
    const near = box(instance.project([lon, lat]), REVEAL_SEARCH_PX);
    if (instance.queryRenderedFeatures(near, { layers: [LAYER_POINTS] }).some((f) => f.properties.id === id)) return;
    const clusterId = await clusterHolding(source, id, instance.queryRenderedFeatures(near, { layers: [LAYER_CLUSTERS] }));
    if (!current()) return;
    // Cluster ids die with every rebuild of the index by a live update; a call with a stale one
    // fails, and zooming past clustering is then the right move anyway.
    const expansion = clusterId === null ? CLUSTER_MAX_ZOOM + 1 : await source.getClusterExpansionZoom(clusterId).catch(() => CLUSTER_MAX_ZOOM + 1);
    // Past its precision a rounded point is left in its cluster: closer would only show blank land.
    const zoom = Math.min(expansion, maxZoom);
    if (!current() || zoom <= instance.getZoom()) return;
    await moveTo(zoom);
  }
}

/** Which of the clusters drawn near a point holds it (a cluster sits at its members' centre). */
async function clusterHolding(source: GeoJSONSource, id: string, clusters: MapGeoJSONFeature[]): Promise<number | null> {
  for (const cluster of clusters) {
    const clusterId: unknown = cluster.properties.cluster_id;
    const size: unknown = cluster.properties.point_count;
    if (typeof clusterId !== 'number' || typeof size !== 'number') continue;
    // Stale id after a rebuild: treat as "not this one" (see revealGroup).
    const leaves = await source.getClusterLeaves(clusterId, size, 0).catch(() => []);
    if (leaves.some((leaf) => leaf.properties?.id === id)) return clusterId;
  }
  return null;
}
