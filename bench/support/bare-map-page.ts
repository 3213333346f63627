/**
 * The baseline of issue 15's cold start: a bare MapLibre page, no app around it, drawing the same
 * points clustered as Waymark's coordinator map (same cluster radius and max zoom, same offline
 * basemap of country outlines and bundled font), in the same headless Chromium. The points are
 * fetched over HTTP as JSON after the page loads, as Waymark's groups arrive after its page does,
 * so the baseline also pays for moving the data.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { launchBrowser, openGuardedPage } from '../../test/e2e/browser';
import { CLUSTER_MAX_ZOOM, CLUSTER_RADIUS } from '../../client/lib/map/cluster-settings';
import { machineQuiet } from './machine-quiet';

const require = createRequire(import.meta.url);

/** Waymark's cluster settings, as its map's clustered source has them. */
export const WAYMARK_CLUSTER = { radius: CLUSTER_RADIUS, maxZoom: CLUSTER_MAX_ZOOM } as const;
/** The coordinator page's viewport in the cold-start scenario (bench/support/coordinator-page.ts). */
const VIEWPORT = { width: 1366, height: 860 };
/** Libya, the host country of the demo crisis, as world-atlas numbers it. */
const HOST_NUMERIC = '434';

/** Files the page may load, by URL path: what a build would ship as hashed, immutable assets. */
function assetFiles(): ReadonlyMap<string, string> {
  const maplibreDist = path.join(path.dirname(require.resolve('maplibre-gl/package.json')), 'dist');
  const fonts = path.join(path.dirname(require.resolve('@fontsource/noto-sans/LICENSE')), 'files');
  return new Map([
    ['/maplibre-gl.mjs', path.join(maplibreDist, 'maplibre-gl.mjs')],
    ['/maplibre-gl-worker.mjs', path.join(maplibreDist, 'maplibre-gl-worker.mjs')],
    ['/maplibre-gl.css', path.join(maplibreDist, 'maplibre-gl.css')],
    ['/topojson-client.min.js', require.resolve('topojson-client/dist/topojson-client.min.js')],
    ['/countries-50m.json', require.resolve('world-atlas/countries-50m.json')],
    ['/noto-sans-latin-700-normal.woff2', path.join(fonts, 'noto-sans-latin-700-normal.woff2')],
    ['/noto-sans-latin-ext-700-normal.woff2', path.join(fonts, 'noto-sans-latin-ext-700-normal.woff2')],
  ]);
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * The page's script. Plain JavaScript in a string: it runs in the browser, not through any build.
 * The points are fetched at once, while MapLibre loads its style, as Waymark's socket connects
 * while its map starts. `window.__bare` carries the result back to the bench.
 */
const PAGE_SCRIPT = `
import { Map as MapLibreMap, setWorkerUrl } from '/maplibre-gl.mjs';
const config = JSON.parse(document.getElementById('config').textContent);
const bare = window.__bare;
const points = fetch('/points.json').then((r) => {
  if (!r.ok) throw new Error('points: HTTP ' + r.status);
  return r.json();
});
setWorkerUrl('/maplibre-gl-worker.mjs');
const empty = { type: 'FeatureCollection', features: [] };
const font = 'Noto Sans Bold';
const host = ['==', ['get', 'n'], config.host];
const map = new MapLibreMap({
  container: 'map',
  style: {
    version: 8,
    'font-faces': { [font]: [
      { url: '/noto-sans-latin-700-normal.woff2', 'unicode-range': ['U+0000-00FF'] },
      { url: '/noto-sans-latin-ext-700-normal.woff2', 'unicode-range': ['U+0100-02BA'] },
    ] },
    sources: {
      countries: { type: 'geojson', data: empty, maxzoom: 8 },
      borders: { type: 'geojson', data: empty, maxzoom: 8 },
    },
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': '#C9D9E6' } },
      { id: 'land', type: 'fill', source: 'countries', filter: ['!', host], paint: { 'fill-color': '#E8E4DA' } },
      { id: 'host', type: 'fill', source: 'countries', filter: host, paint: { 'fill-color': '#FAF8F2' } },
      { id: 'borders', type: 'line', source: 'borders', paint: { 'line-color': '#A8A294', 'line-width': 1 } },
      { id: 'host-outline', type: 'line', source: 'countries', filter: host, paint: { 'line-color': '#3E4A56', 'line-width': 2 } },
    ],
  },
  bounds: config.bounds,
  fitBoundsOptions: { padding: 24 },
  attributionControl: false,
  maxZoom: 18,
  renderWorldCopies: false,
});
map.on('error', (e) => console.error('map error: ' + (e.error && e.error.message)));
async function loadBasemap() {
  const topology = await (await fetch('/countries-50m.json')).json();
  const countries = topojson.feature(topology, topology.objects.countries);
  for (const f of countries.features) f.properties = { n: f.id };
  const borders = topojson.mesh(topology, topology.objects.countries, (a, b) => a !== b);
  await Promise.all([map.getSource('countries').setData(countries), map.getSource('borders').setData(borders)]);
}
map.on('load', async () => {
  bare.loadMs = performance.now();
  map.addSource('points', { type: 'geojson', data: empty, cluster: true, clusterRadius: config.clusterRadius, clusterMaxZoom: config.clusterMaxZoom });
  map.addLayer({ id: 'clusters', type: 'circle', source: 'points', filter: ['has', 'point_count'], paint: {
    'circle-color': '#F5F7FA',
    'circle-radius': ['step', ['get', 'point_count'], 14, 10, 17, 100, 21, 1000, 26],
    'circle-stroke-color': '#1F2933',
    'circle-stroke-width': 2,
  } });
  map.addLayer({ id: 'cluster-count', type: 'symbol', source: 'points', filter: ['has', 'point_count'], layout: {
    'text-field': ['get', 'point_count_abbreviated'],
    'text-font': [font],
    'text-size': 12,
    'text-allow-overlap': true,
    'text-ignore-placement': true,
  } });
  map.addLayer({ id: 'points', type: 'circle', source: 'points', filter: ['!', ['has', 'point_count']], paint: {
    'circle-radius': 5,
    'circle-color': '#0072B2',
    'circle-stroke-color': '#1F2933',
    'circle-stroke-width': 1,
  } });
  loadBasemap().catch((e) => console.error('basemap: ' + e.message));
  try {
    const list = await points;
    bare.pointsMs = performance.now();
    const features = list.map(([lon, lat]) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: {} }));
    await map.getSource('points').setData({ type: 'FeatureCollection', features });
    bare.setDataMs = performance.now();
    map.once('idle', () => {
      bare.idleMs = performance.now();
      // Every point counted once on screen, in a cluster or alone: the bounds hold them all.
      // Summed after the clock stops; Waymark's figure checks its count the same way, untimed.
      bare.counted = 0;
      for (const f of map.queryRenderedFeatures({ layers: ['clusters', 'points'] })) bare.counted += f.properties.point_count ?? 1;
      document.body.dataset.ready = 'true';
    });
    // A frame, and so an idle, even if nothing on screen changed (as Waymark's map asks for one).
    map.triggerRepaint();
  } catch (e) {
    console.error('points: ' + e.message);
  }
});
window.__bareMap = map;
`;

/** Counts long tasks from navigation start: a classic script, so it runs before the module above. */
const LONG_TASK_SCRIPT = `
window.__bare = { longTasks: [] };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__bare.longTasks.push(entry.duration);
}).observe({ type: 'longtask', buffered: true });
`;

function pageHtml(config: object, mapSize: MapSize | undefined): string {
  // Whole numbers of CSS pixels only, so the size is safe to write into the style sheet.
  const size = mapSize ? `width: ${Math.round(mapSize.width)}px; height: ${Math.round(mapSize.height)}px;` : 'width: 100%; height: 100%;';
  // The config is numbers only, but a `<` is escaped all the same so it cannot close the tag.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bare MapLibre</title>
<link rel="stylesheet" href="/maplibre-gl.css">
<style>html, body { margin: 0; width: 100%; height: 100%; } #map { ${size} }</style>
<script>${LONG_TASK_SCRIPT}</script>
<script src="/topojson-client.min.js"></script>
<script type="application/json" id="config">${json}</script>
<script type="module">${PAGE_SCRIPT}</script>
</head><body><div id="map"></div></body></html>`;
}

/** [[west, south], [east, north]] around every point. */
function boundsOf(points: readonly (readonly [number, number])[]): [[number, number], [number, number]] {
  if (points.length === 0) throw new RangeError('bareMapColdStart needs at least one point');
  let [west, south, east, north] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of points) {
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) throw new RangeError(`not a position: ${lon}, ${lat}`);
    west = Math.min(west, lon);
    east = Math.max(east, lon);
    south = Math.min(south, lat);
    north = Math.max(north, lat);
  }
  return [
    [west, south],
    [east, north],
  ];
}

/** Serves the page, its assets and the points on a throwaway port; `close` stops it. */
async function serveBarePage(html: string, pointsJson: string): Promise<{ url: string; close(): Promise<void> }> {
  const assets = assetFiles();
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = assets.get(pathname);
    if (pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.end(html);
    } else if (pathname === '/points.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(pointsJson);
    } else if (file) {
      // As Waymark's hashed build assets: cached for good once loaded.
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'public, max-age=31536000, immutable',
      });
      fs.createReadStream(file)
        .on('error', (error) => res.destroy(error))
        .pipe(res);
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A map's size in CSS pixels. */
export interface MapSize {
  width: number;
  height: number;
}

export interface BareMapOptions {
  /**
   * The map's size (default: the whole 1366x860 viewport). Pass the size of the map it is compared
   * with: the zoom the bounds fit at, and so the clusters and tiles drawn, follow from it.
   */
  mapSize?: MapSize;
  /** Navigations measured; the best is reported. The first loads the assets, later ones have them cached. */
  runs?: number;
  /**
   * Navigations made first and not measured (default 0), so that even the first measured one finds
   * the assets cached, as Waymark's measured navigation does after its sign-in load.
   */
  warmUps?: number;
  /** Where to save a screenshot of the last run's map, for a person to compare with Waymark's. */
  screenshotPath?: string;
  timeoutMs?: number;
}

export interface BareMapResult {
  /** Navigation start until the first `idle` after the clustered source took every point. */
  ms: number;
  /** The longest main-thread task of that same run. */
  longestTaskMs: number;
  /** When, from navigation start, that run's style had loaded, its points were parsed, and the clustered source had taken them. */
  phases: { styleLoadedMs: number; pointsMs: number; setDataMs: number };
}

/** What the page leaves in `window.__bare` (times in ms from navigation start). */
interface PageReport {
  longTasks: number[];
  loadMs: number;
  pointsMs: number;
  setDataMs: number;
  idleMs: number;
  counted: number;
}

/** Thrown when the bare page did not draw every point: its figure would not be a baseline. */
export class BareMapIncompleteError extends Error {
  override name = 'BareMapIncompleteError';
}

/**
 * Loads the bare page `warmUps` + `runs` times (default 0 + 3) in one headless Chromium page and
 * returns the fastest measured navigation -> idle with all `points` ([lon, lat]) in the clustered
 * source. Every load is checked: all points counted on the map, and no browser problem.
 */
export async function bareMapColdStart(points: readonly (readonly [number, number])[], opts: BareMapOptions = {}): Promise<BareMapResult> {
  const runs = opts.runs ?? 3;
  const warmUps = opts.warmUps ?? 0;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer, not ${runs}`);
  if (!Number.isInteger(warmUps) || warmUps < 0) throw new RangeError(`warmUps must be a whole number, not ${warmUps}`);
  const config = { bounds: boundsOf(points), clusterRadius: WAYMARK_CLUSTER.radius, clusterMaxZoom: WAYMARK_CLUSTER.maxZoom, host: HOST_NUMERIC };
  const { mapSize } = opts;
  if (mapSize && !(mapSize.width >= 1 && mapSize.height >= 1 && mapSize.width <= VIEWPORT.width && mapSize.height <= VIEWPORT.height)) {
    throw new RangeError(`mapSize must fit the ${VIEWPORT.width}x${VIEWPORT.height} viewport, not ${mapSize.width}x${mapSize.height}`);
  }
  const served = await serveBarePage(pageHtml(config, mapSize), JSON.stringify(points));
  const browser = await launchBrowser();
  try {
    const guarded = await openGuardedPage(browser, { label: 'bare map', viewport: VIEWPORT });
    let best: BareMapResult = { ms: Infinity, longestTaskMs: 0, phases: { styleLoadedMs: 0, pointsMs: 0, setDataMs: 0 } };
    for (let run = -warmUps; run < runs; run++) {
      // From a blank tab and a quiet machine, as Waymark's measured navigation (coordinator-page.ts).
      await guarded.page.goto('about:blank');
      await machineQuiet();
      await guarded.page.goto(served.url);
      await guarded.page.waitForSelector('body[data-ready="true"]', { timeout: opts.timeoutMs ?? 180_000 }).catch((error: unknown) => {
        // A page that never settles has usually said why in its console: say it with the timeout.
        throw new BareMapIncompleteError(`the bare page never became idle with its points: ${String(error)}\n${guarded.problems.join('\n')}`);
      });
      const seen = await guarded.page.evaluate(() => (window as unknown as { __bare: PageReport }).__bare);
      if (seen.counted !== points.length) throw new BareMapIncompleteError(`the bare page counted ${seen.counted} of ${points.length} points on the map`);
      if (run >= 0 && seen.idleMs < best.ms) {
        const phases = { styleLoadedMs: seen.loadMs, pointsMs: seen.pointsMs, setDataMs: seen.setDataMs };
        best = { ms: seen.idleMs, longestTaskMs: Math.max(0, ...seen.longTasks), phases };
      }
    }
    if (opts.screenshotPath) await guarded.page.screenshot({ path: opts.screenshotPath });
    guarded.assertClean();
    return best;
  } finally {
    await browser.close();
    await served.close();
  }
}
