import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIRST_VIEW_SOURCE, abbreviateCount, clusterLevel, firstViewClusters, firstViewLayerSpecs, wantsFirstView } from '../../client/lib/map/first-view';
import { clusterProperties, statusKey } from '../../client/lib/map/cluster-rings';
import { CLUSTER_MAX_ZOOM, CLUSTER_RADIUS, FIRST_VIEW_MIN_POINTS } from '../../client/lib/map/cluster-settings';
import { GROUPS_SOURCE, LAYER_SELECTED, groupLayerSpecs } from '../../client/lib/map/group-layers';
import type { Attention, GroupFeature } from '../../client/lib/map/group-features';
import { GROUP_STATUSES } from '../../shared/schemas/group.schema';
import { Prng } from '../../server/seed/prng';

// The first view of a big crisis (client/lib/map/first-view.ts) stands in for the clustered
// source's index until the worker has built it: it must count what the index counts, sum what its
// clusterProperties sum, and place clusters about where the index does. The index it is held to
// is the very one MapLibre's worker builds, resolved through maplibre-gl's own dependencies.

interface Index {
  load(points: GroupFeature[]): void;
  getClusters(bbox: [number, number, number, number], zoom: number): { geometry: { coordinates: number[] }; properties: Record<string, unknown> }[];
}
const fromMaplibre = createRequire(createRequire(import.meta.url).resolve('maplibre-gl/package.json'));
type IndexModule = { Supercluster: new (options: object) => Index };
// Its ES module (the CommonJS entry is a browser bundle that exports nothing to Node).
const indexModule = path.join(path.dirname(fromMaplibre.resolve('@maplibre/geojson-vt')), 'geojson-vt.mjs');
const { Supercluster } = (await import(pathToFileURL(indexModule).href)) as IndexModule;

/** `n` groups around a few towns (clusters of every size), each with a status and maybe a ring. */
function crisis(n: number, seed = 7): GroupFeature[] {
  const rng = new Prng(seed);
  const towns = [
    [13.18, 32.89],
    [20.07, 32.12],
    [15.09, 32.38],
    [14.43, 27.04],
    [12.5, 24.9],
  ] as const;
  const features: GroupFeature[] = [];
  for (let i = 0; i < n; i++) {
    // Most near a town, some strewn along the routes between.
    const [lon, lat] = towns[i % towns.length]!;
    const spread = rng.chance(0.8) ? 0.3 : 4;
    const attention: Attention | undefined = rng.chance(0.2) ? 'unassigned' : rng.chance(0.05) ? 'overdue' : undefined;
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [lon + (rng.next() - 0.5) * spread, lat + (rng.next() - 0.5) * spread] },
      properties: { id: `g${i}`, status: rng.pick(GROUP_STATUSES), people: rng.int(1, 40), pending: false, ...(attention ? { attention } : {}) },
    });
  }
  return features;
}

/** The sums MapLibre's worker makes of `clusterProperties` ('+' of a 0/1 per group), as plain functions for the index. */
function indexOptions(): object {
  const sums = Object.keys(clusterProperties());
  return {
    radius: CLUSTER_RADIUS,
    maxZoom: CLUSTER_MAX_ZOOM,
    extent: 512,
    map: (p: GroupFeature['properties']) => {
      const out: Record<string, number> = {};
      for (const status of GROUP_STATUSES) out[statusKey(status)] = p.status === status ? 1 : 0;
      out.att_unassigned = p.attention === 'unassigned' ? 1 : 0;
      out.att_overdue = p.attention === 'overdue' ? 1 : 0;
      return out;
    },
    reduce: (a: Record<string, number>, b: Record<string, number>) => {
      for (const key of sums) a[key] = (a[key] ?? 0) + (b[key] ?? 0);
    },
  };
}

/** A point's position in pixels of the world at `level` (512 px tiles, Web Mercator). */
function pixels([lon, lat]: number[], level: number): [number, number] {
  const world = 512 * 2 ** level;
  const sin = Math.sin((lat! * Math.PI) / 180);
  return [(lon! / 360 + 0.5) * world, (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * world];
}

describe('the first view of a big crisis', () => {
  const features = crisis(20_000);
  const index = new Supercluster(indexOptions());
  index.load(features);

  for (const zoom of [3.4, 5, 5.9, 7.2, 9.5]) {
    it(`at zoom ${zoom}, counts every group once and sums their statuses and rings as the index does`, () => {
      const view = firstViewClusters(features, zoom).features;
      const given = new Set<object>(features);
      const count = (f: (typeof view)[number]) => ('point_count' in f.properties ? f.properties.point_count : 1);
      expect(view.reduce((sum, f) => sum + count(f), 0)).toBe(features.length);
      // Per status and ring, the same totals as the groups themselves.
      for (const status of GROUP_STATUSES) {
        const expected = features.filter((f) => f.properties.status === status).length;
        const got = view.reduce(
          (sum, f) => sum + ('point_count' in f.properties ? (f.properties[statusKey(status)] as number) : f.properties.status === status ? 1 : 0),
          0,
        );
        expect(got, status).toBe(expected);
      }
      for (const mark of ['unassigned', 'overdue'] as const) {
        const expected = features.filter((f) => f.properties.attention === mark).length;
        const got = view.reduce(
          (sum, f) => sum + ('point_count' in f.properties ? (f.properties[`att_${mark}`] as number) : f.properties.attention === mark ? 1 : 0),
          0,
        );
        expect(got, mark).toBe(expected);
      }
      // Each cluster's own sums add up to its count; a group alone is the group's own feature.
      for (const f of view) {
        if ('point_count' in f.properties) {
          const p = f.properties;
          expect(GROUP_STATUSES.reduce((sum, s) => sum + (p[statusKey(s)] as number), 0)).toBe(p.point_count);
          expect(p.point_count).toBeGreaterThan(1);
          expect(p.point_count_abbreviated).toBe(abbreviateCount(p.point_count));
        } else {
          expect(given.has(f)).toBe(true);
        }
      }
    });

    it(`at zoom ${zoom}, draws about as many clusters as the index, each near one of the index's`, () => {
      const level = clusterLevel(zoom);
      const view = firstViewClusters(features, zoom).features;
      const drawn = index.getClusters([-180, -85, 180, 85], level);
      // About as many marks on the map: within a factor of 1.5 either way.
      expect(view.length).toBeGreaterThanOrEqual(drawn.length / 1.5);
      expect(view.length).toBeLessThanOrEqual(drawn.length * 1.5);
      // Every cluster of the index of more than a few groups has a mark of ours within two radii
      // of it: the picture shows the crowds where the index will.
      const big = drawn.filter((c) => ((c.properties.point_count as number | undefined) ?? 1) >= 5);
      expect(big.length).toBeGreaterThan(0);
      const ours = view.map((f) => pixels(f.geometry.coordinates, level));
      for (const cluster of big) {
        const [x, y] = pixels(cluster.geometry.coordinates, level);
        const nearest = Math.min(...ours.map(([ox, oy]) => Math.hypot(ox - x, oy - y)));
        expect(nearest).toBeLessThanOrEqual(2 * CLUSTER_RADIUS);
      }
    });
  }

  it('abbreviates counts as the clustered source does', () => {
    // The index's own abbreviations of clusters of known sizes.
    const sizes = [2, 999, 1_000, 1_049, 1_050, 9_949, 9_999, 10_000, 15_499, 15_500];
    for (const size of sizes) {
      const one: GroupFeature[] = crisis(size, size).map((f) => ({ ...f, geometry: { type: 'Point', coordinates: [10, 10] } }));
      const single = new Supercluster(indexOptions());
      single.load(one);
      const [cluster] = single.getClusters([-180, -85, 180, 85], 0);
      expect(abbreviateCount(size), String(size)).toBe(cluster!.properties.point_count_abbreviated);
    }
  });

  it('is drawn only for a big crisis, at zooms where its points cluster', () => {
    expect(wantsFirstView(FIRST_VIEW_MIN_POINTS, 5)).toBe(true);
    expect(wantsFirstView(FIRST_VIEW_MIN_POINTS - 1, 5)).toBe(false);
    expect(wantsFirstView(100_000, CLUSTER_MAX_ZOOM + 0.9)).toBe(true);
    expect(wantsFirstView(100_000, CLUSTER_MAX_ZOOM + 1)).toBe(false);
    expect(clusterLevel(5.99)).toBe(5);
    expect(clusterLevel(17)).toBe(CLUSTER_MAX_ZOOM + 1);
  });

  it("draws with the group layers' own styles, from its own source, without the selection ring", () => {
    const own = groupLayerSpecs().filter((l) => 'source' in l && l.source === GROUPS_SOURCE && l.id !== LAYER_SELECTED);
    const first = firstViewLayerSpecs();
    expect(first.map((l) => l.id)).toEqual(own.map((l) => `first-view-${l.id}`));
    for (const [i, layer] of first.entries()) {
      expect('source' in layer && layer.source).toBe(FIRST_VIEW_SOURCE);
      expect({ ...layer, id: own[i]!.id, source: GROUPS_SOURCE }).toEqual(own[i]);
    }
  });
});
