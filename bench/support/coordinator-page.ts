/**
 * The coordinator's page in headless Chromium (software WebGL, as the browser tests run it) against
 * a server on a big database: how long from navigation until the map is idle with every group in
 * its clusters, what the page received to get there, and the main thread's long tasks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { launchBrowser, openGuardedPage, type GuardedPage } from '../../test/e2e/browser';
import { submitSignIn } from '../../test/e2e/suite';
import { startTestServer, type TestServer } from '../../test/support/server';
import type { BigDatabase } from './big-database';
import { machineQuiet, QUIET, type QuietWait } from './machine-quiet';
import { PLACE_LABELS_STORAGE_KEY } from '../../client/lib/map/map-preferences';
import { ADMIN_AREA_ROUTES } from '../../shared/schemas/admin-area.schema';
import { LOAD_MARK_PREFIX, LOAD_STEPS, type LoadStep } from '../../client/lib/timing';
import { FIRST_VIEW_MIN_POINTS } from '../../client/lib/map/cluster-settings';

export const CLIENT_BUILD = 'dist/client';
const MAP = '[role="region"].group-map';

/** The build the browser loads must exist: `npx vite build` first. */
export function assertClientBuilt(): void {
  if (!fs.existsSync(path.join(CLIENT_BUILD, 'index.html'))) throw new Error(`no client build in ${CLIENT_BUILD}: run \`npx vite build\` first`);
}

export interface CoordinatorPage {
  server: TestServer;
  browser: Browser;
  guarded: GuardedPage;
  page: Page;
  cdp: CDPSession;
  /** Bytes the page received since the counters were last reset: socket frames and HTTP bodies as sent. */
  received(): { socket: number; http: number };
  resetReceived(): void;
  /** Long tasks (ms) the page's PerformanceObserver saw since the last call. */
  takeLongTasks(): Promise<number[]>;
  close(): Promise<void>;
}

/**
 * Starts a server on `big` (open socket budget: the load is the bench's own) and a signed-in
 * coordinator page. With `databaseUrl` the server reads that PostgreSQL database (the big crisis
 * copied into it) instead of the SQLite file in `big.dataDir`.
 */
export async function openCoordinatorPage(
  big: BigDatabase,
  options: { databaseUrl?: string; placeLabels?: boolean; boundaries?: boolean; clientBuild?: string } = {},
): Promise<CoordinatorPage> {
  assertClientBuilt();
  const server = await startTestServer({
    dataDir: big.dataDir,
    demo: true,
    // Another build of the client (`clientBuild`): two versions of the page measured in turn.
    staticDir: options.clientBuild ?? CLIENT_BUILD,
    socketRate: { perSecond: 1e9, burst: 1e9 },
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  });
  const browser = await launchBrowser();
  const guarded = await openGuardedPage(browser, { label: 'coordinator', viewport: { width: 1366, height: 860 } });
  const page = guarded.page;
  // The same page without town names, for the labels-on/off ratio (the device preference a person can set).
  if (options.placeLabels === false) {
    // Not on the blank page each measured navigation starts from (it has no storage of its own).
    await page.addInitScript((key) => {
      if (location.protocol !== 'about:') localStorage.setItem(key, 'off');
    }, PLACE_LABELS_STORAGE_KEY);
  }
  // Without admin boundaries: the page is told the crisis has none (an empty collection, as for a
  // crisis without a load), so it draws no boundary layer. The demo crisis ships synthetic ones.
  if (options.boundaries === false) {
    await page.route(`**${ADMIN_AREA_ROUTES.ownDrawable}`, (route) =>
      route.fulfill({ contentType: 'application/json', body: JSON.stringify({ type: 'FeatureCollection', version: 0, synthetic: false, features: [] }) }),
    );
  }
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.__longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const cdp = await guarded.context.newCDPSession(page);
  await cdp.send('Network.enable');
  let socket = 0;
  let http = 0;
  cdp.on('Network.webSocketFrameReceived', (e: { response: { opcode: number; payloadData: string } }) => {
    // Text frames arrive as text, binary ones as base64; with no permessage-deflate this is the wire size.
    socket += e.response.opcode === 1 ? Buffer.byteLength(e.response.payloadData) : Math.floor((e.response.payloadData.length * 3) / 4);
  });
  cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
    http += e.encodedDataLength;
  });
  return {
    server,
    browser,
    guarded,
    page,
    cdp,
    received: () => ({ socket, http }),
    resetReceived: () => {
      socket = 0;
      http = 0;
    },
    takeLongTasks: () =>
      page.evaluate(() => {
        const w = window as unknown as { __longTasks: number[] };
        return w.__longTasks.splice(0);
      }),
    async close() {
      await cdp.detach().catch(() => {});
      await guarded.context.close();
      await browser.close();
      await server.destroy();
    },
  };
}

export interface ColdStart {
  /**
   * From the navigation until the map first came to rest showing every group, by the page's own
   * clock (as the bare MapLibre page's figure): a big crisis's first view (`first-view-drawn`,
   * client/lib/map/first-view.ts) with all `groups` counted on it, or else the groups drawn from
   * the map's own index (`groups-drawn`).
   */
  ms: number;
  /**
   * From `page.goto` until the map is idle with `groups` features drawn from its own index (the
   * device holding nothing), by the bench's clock: the figure before the first view.
   */
  indexMs: number;
  /** From `page.goto` until the town names and boundaries are drawn too (they follow the groups). */
  finishedMs: number;
  /** The first load, from pressing "sign in" until the same point. */
  firstMs: number;
  bytes: { socket: number; http: number };
  longTasks: number[];
  revision: number;
  /** Every measured navigation's time, in order (`ms` is the fastest of them). */
  allMs: number[];
  /** How long the navigation waited for the machine to be quiet (./machine-quiet.ts), and whether it was. */
  quiet: QuietWait;
  /**
   * When each step of the load happened, by the page's own clock from its navigation (the app's
   * marks, client/lib/timing.ts; the first of each): where the seconds of `ms` went.
   */
  steps: Partial<Record<LoadStep, number>>;
}

/** The steps of a load as a note: "sync sent 0.9 s, snapshot received 2.4 s, ...". */
export function fmtSteps(steps: Partial<Record<LoadStep, number>>): string {
  return LOAD_STEPS.filter((step) => steps[step] !== undefined)
    .map((step) => `${step.replace('-', ' ')} ${(steps[step]! / 1000).toFixed(1)} s`)
    .join(', ');
}

/** The app's load steps marked on the page's timeline so far (the first of each). */
async function loadSteps(page: Page): Promise<Partial<Record<LoadStep, number>>> {
  const marks = await page.evaluate(
    (prefix) =>
      performance
        .getEntriesByType('mark')
        .filter((m) => m.name.startsWith(prefix))
        .map((m) => [m.name.slice(prefix.length), m.startTime] as const),
    LOAD_MARK_PREFIX,
  );
  const steps: Partial<Record<LoadStep, number>> = {};
  for (const [name, at] of marks) if ((LOAD_STEPS as readonly string[]).includes(name)) steps[name as LoadStep] ??= at;
  return steps;
}

/**
 * Signs in (the form, as a person would), then measures `runs` cold navigations (default 1): each a
 * fresh load of the app with the session cookie and nothing stored on the device, until the map is
 * idle with every group drawn (`data-groups-ready`), then until the names and boundaries that
 * follow are drawn too (`data-ready`, as `finishedMs`). Returns the fastest, as the bare MapLibre baseline
 * does for its own loads, so both sides of a ratio are a best of the same count.
 */
export async function coldStart(p: CoordinatorPage, groups: number, opts: { runs?: number; timeoutMs?: number } = {}): Promise<ColdStart> {
  const [start] = await coldStartsInTurn([p], groups, opts.runs ?? 1, opts.timeoutMs);
  return start!;
}

/** Signs in through the form, as a person would, and waits for every group: the first load (ms). */
export async function firstLoad(p: CoordinatorPage, groups: number, timeoutMs = 180_000): Promise<number> {
  const t0 = performance.now();
  await submitSignIn(p.page, p.server.url, p.server.accounts.coordinator);
  await mapShows(p, groups, timeoutMs);
  return performance.now() - t0;
}

/**
 * One cold navigation after `firstLoad`: the device keeps no groups between sessions here (a new
 * context would), so what the previous load stored is cleared, then the app loads again.
 */
export async function coldNavigation(p: CoordinatorPage, groups: number, timeoutMs = 180_000): Promise<Omit<ColdStart, 'firstMs' | 'allMs'>> {
  // From a blank tab, as a person opening the app: leaving the previous 100,000-group page (its
  // heap and map torn down, its work after the map finished) is not part of a cold start, so the
  // navigation waits for the machine to be quiet first. The bare page starts from a blank tab and
  // a quiet machine the same way (bare-map-page.ts). Then the stored groups are deleted, and the
  // deletion finished: the app's first read of the device would otherwise wait for it (a page
  // that still has the database open blocks a deletion until it is gone).
  await p.page.goto('about:blank');
  await p.cdp.send('Storage.clearDataForOrigin', { origin: new URL(p.server.url).origin, storageTypes: 'indexeddb' });
  const quiet = await machineQuiet();
  p.resetReceived();
  const t0 = performance.now();
  await p.page.goto(p.server.url);
  await mapShows(p, groups, timeoutMs, 'groups');
  const indexMs = performance.now() - t0;
  // Then the town names and boundaries, which the map draws once the groups are (GroupMap.svelte).
  await mapShows(p, groups, timeoutMs, 'all');
  const allMs = performance.now() - t0;
  const revision = Number(await p.page.getAttribute(MAP, 'data-revision'));
  const steps = await loadSteps(p.page);
  return {
    ms: await shownMs(p.page, steps, groups),
    indexMs,
    finishedMs: allMs,
    bytes: p.received(),
    longTasks: await p.takeLongTasks(),
    revision,
    steps,
    quiet,
  };
}

/** How the measured navigations of both pages began, as a note, with how long Waymark's fastest waited. */
export function quietNote(quiet: QuietWait): string {
  const waited = `waited ${(quiet.waitedMs / 1000).toFixed(1)} s`;
  const rule = `at most ${Math.round(QUIET.maxBusyShare * 100)}% busy over ${QUIET.windowMs} ms`;
  return `each navigation from a blank tab once the machine was quiet (${rule}, bench/support/machine-quiet.ts; Waymark's fastest ${quiet.quiet ? waited : `${waited} and went on busy`})`;
}

/** What a row of `ColdStart.indexMs` says of its figure. */
export const INDEX_FIGURE_NOTE =
  "the same navigation until every group is drawn from the map's own clustered index and compared with the groups decoded (data-groups-ready), by the bench's clock: the figure the goal was measured by before the first view";

/**
 * A crisis this big always has a first view at the crisis's zoom: without one, ColdStart.ms would
 * be another figure (the index's) than the one reported. Another build (`clientBuild`, before the
 * first view) may have none; the scenarios' own build must.
 */
export function assertFirstView(start: ColdStart, groups: number): void {
  if (groups >= FIRST_VIEW_MIN_POINTS && start.steps['first-view-drawn'] === undefined)
    throw new FirstViewIncompleteError(`no first view marked for ${groups} groups`);
}

/** Thrown when the map's first view did not show every group: its time would not be a cold start. */
export class FirstViewIncompleteError extends Error {
  override name = 'FirstViewIncompleteError';
}

/**
 * When the map first rested showing every group (ColdStart.ms): the first view's mark, once the
 * groups it counted as drawn (`data-first-view-count`, summed from the rendered clusters as the
 * bare page sums its own) are checked to be all of them; without a first view, the groups' own.
 */
async function shownMs(page: Page, steps: Partial<Record<LoadStep, number>>, groups: number): Promise<number> {
  const first = steps['first-view-drawn'];
  if (first === undefined) {
    if (steps['groups-drawn'] === undefined) throw new FirstViewIncompleteError('the page marked neither its first view nor its groups drawn');
    return steps['groups-drawn'];
  }
  const counted = Number(await page.getAttribute(MAP, 'data-first-view-count'));
  if (counted !== groups) throw new FirstViewIncompleteError(`the first view counted ${counted} of ${groups} groups on the map`);
  return first;
}

/**
 * Cold starts of several pages taken in turn, `runs` rounds (page A, B, A, B...): a pair of
 * configurations measured this way sees the same drift of a shared machine, which one page's
 * runs followed by the other's did not. Each page's fastest navigation is returned, as `coldStart`.
 * The last page's last navigation is left open (to look at); the others end on a blank tab.
 */
export async function coldStartsInTurn(pages: readonly CoordinatorPage[], groups: number, runs: number, timeoutMs?: number): Promise<ColdStart[]> {
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer, not ${runs}`);
  const firsts: number[] = [];
  for (const p of pages) firsts.push(await firstLoad(p, groups, timeoutMs));
  const measured = pages.map(() => [] as Omit<ColdStart, 'firstMs' | 'allMs'>[]);
  for (let run = 0; run < runs; run++)
    for (const [i, p] of pages.entries()) {
      // The other pages leave theirs first: a page just measured goes on working after its map is
      // drawn (the triage queue ranks, the device keeps its copy), and that work ran beside the
      // next page's navigation on these 2 cores. The page measured last stays open.
      for (const other of pages) if (other !== p) await other.page.goto('about:blank');
      measured[i]!.push(await coldNavigation(p, groups, timeoutMs));
    }
  return measured.map((list, i) => ({ ...list.reduce((a, b) => (b.ms < a.ms ? b : a)), firstMs: firsts[i]!, allMs: list.map((m) => m.ms) }));
}

export const MAP_SELECTOR = MAP;

/** Waits for the map to be idle with `groups` features; on a timeout, says what the page showed. */
async function mapShows(p: CoordinatorPage, groups: number, timeoutMs: number, what: 'groups' | 'all' = 'all'): Promise<void> {
  const ready = what === 'groups' ? 'data-groups-ready' : 'data-ready';
  try {
    await p.page.waitForSelector(`${MAP}[${ready}="true"][data-feature-count="${groups}"]`, { timeout: timeoutMs });
  } catch (error) {
    const state = await p.page
      .evaluate((selector) => {
        const map = document.querySelector(selector);
        const connection = document.querySelector('[data-testid="connection"]');
        return {
          map: map ? [...map.attributes].map((a) => `${a.name}=${a.value}`).join(' ') : 'no map',
          connection: connection?.getAttribute('data-state') ?? 'none',
        };
      }, MAP)
      .catch((e: unknown) => String(e));
    await p.page.screenshot({ path: 'bench/results/cold-start-timeout.png' }).catch(() => {});
    console.error('the map did not show every group:', JSON.stringify(state), p.guarded.problems);
    throw error;
  }
}
