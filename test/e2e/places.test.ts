import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import ar from '../../client/lib/i18n/ar';
import en from '../../client/lib/i18n/en';
import { DEMO_GROUP_COUNT } from '../../server/seed/demo-seed';
import { PLACE_COLORS } from '../../client/lib/map/place-layers';
import { BASEMAP_COLORS } from '../../client/lib/map/basemap';
import { ATTENTION_COLORS, STATUS_COLORS } from '../../client/lib/map/group-features';
import { PLACE_LABELS_STORAGE_KEY } from '../../client/lib/map/map-preferences';
import { ARTIFACTS, LAPTOP, browserSuite, openFilters, signIn } from './suite';
import { SMALL_PHONE } from './field-helpers';

// The map as a new user meets it: framed on the crisis, with towns named, a place found by name,
// clusters that keep drawing when the language changes after sign-in.

const mapOf = (page: Page) => page.locator('.group-map').first();
/** Waits until the map has drawn `count` groups and gone idle with them. */
const mapShows = (page: Page, count: number) =>
  mapOf(page)
    .and(page.locator(`[data-ready="true"][data-feature-count="${count}"]`))
    .waitFor({ timeout: 45_000 });

const LAPTOP_768 = { width: 1366, height: 768 };
type Rgb = [number, number, number];
const rgbOf = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
/** A box of the map canvas in fractions of its size: [left, top, right, bottom]. */
type Box = [number, number, number, number];
const WHOLE: Box = [0, 0, 1, 1];

interface Pixels {
  count: number;
  /** Their centre, in fractions of the canvas. */
  x: number;
  y: number;
  /** Their share of the box. */
  share: number;
}

/**
 * The map canvas's pixels near a colour within a box: read from a screenshot, as a person sees
 * the map, not from the DOM or MapLibre's state.
 */
async function pixelsNear(page: Page, rgb: Rgb, tolerance = 24, box: Box = WHOLE): Promise<Pixels> {
  const png = await mapOf(page).locator('canvas').screenshot();
  const { PNG } = await import('pngjs');
  const image = PNG.sync.read(png);
  const [x0, y0, x1, y1] = [box[0] * image.width, box[1] * image.height, box[2] * image.width, box[3] * image.height].map(Math.round) as Box;
  let count = 0;
  let sx = 0;
  let sy = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * image.width + x) * 4;
      const d = Math.abs(image.data[i]! - rgb[0]) + Math.abs(image.data[i + 1]! - rgb[1]) + Math.abs(image.data[i + 2]! - rgb[2]);
      if (d > tolerance) continue;
      count++;
      sx += x;
      sy += y;
    }
  }
  return { count, x: count ? sx / count / image.width : 0, y: count ? sy / count / image.height : 0, share: count / Math.max(1, (x1 - x0) * (y1 - y0)) };
}

/** Town-name text, in the label colour (nothing else on the map is that brown). */
const labelPixels = (page: Page, box: Box = WHOLE) => pixelsNear(page, rgbOf(PLACE_COLORS.text), 40, box);
/** The scale bar's text: it changes with the zoom, which is how a person sees that the map moved. */
const scaleText = (page: Page) => mapOf(page).locator('.maplibregl-ctrl-scale').textContent();
/** Waits for the camera to come to rest with the groups drawn. */
const settled = (page: Page) => mapOf(page).and(page.locator('[data-ready="true"][data-moving="false"]')).waitFor({ timeout: 45_000 });

describe('places: a map framed on the crisis, with towns, search and readable clusters', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });

  it('keeps drawing the groups when a signed-in coordinator switches to Arabic while a batch is on its way to the map', async () => {
    const { page } = await suite.open('places-ar-switch', LAPTOP);
    // Holds the map's GeoJSON loads ("LD" messages to MapLibre's worker) while asked to, so that the
    // language can change while a batch waits for the worker: the moment the bug needed.
    await page.addInitScript(() => {
      const held: (() => void)[] = [];
      const w = window as unknown as { holdLoads: boolean; heldLoads: () => number; releaseLoads: () => void };
      w.holdLoads = false;
      w.heldLoads = () => held.length;
      w.releaseLoads = () => {
        w.holdLoads = false;
        for (const send of held.splice(0)) send();
      };
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
        const message = args[0] as { type?: unknown } | null;
        if (w.holdLoads && message?.type === 'LD') held.push(() => post.apply(this, args));
        else post.apply(this, args);
      } as Worker['postMessage'];
    });
    await signIn(page, suite.server.url, suite.server.accounts.coordinator);
    await mapShows(page, DEMO_GROUP_COUNT);
    // The cluster fill (#F5F7FA) is on screen before the switch...
    expect((await pixelsNear(page, [0xf5, 0xf7, 0xfa], 6)).count).toBeGreaterThan(100);
    await page.evaluate(() => ((window as unknown as { holdLoads: boolean }).holdLoads = true));
    await openFilters(page);
    await page.getByTestId('filter-status').selectOption('reported');
    await expect.poll(() => page.evaluate(() => (window as unknown as { heldLoads: () => number }).heldLoads())).toBeGreaterThan(0);
    await page.getByLabel(en['language.label'], { exact: true }).selectOption('ar');
    await page.getByRole('button', { name: ar['header.signOut'], exact: true }).waitFor();
    await page.locator('.maplibregl-ctrl-top-left .maplibregl-ctrl-zoom-in').waitFor();
    await page.evaluate(() => (window as unknown as { releaseLoads: () => void }).releaseLoads());
    // ...and after it, on the map made again for the new direction, with the filter's groups.
    const reported = Number((await page.getByTestId('group-count').textContent())?.replace(/\D/g, ''));
    expect(reported).toBeLessThan(DEMO_GROUP_COUNT);
    await mapShows(page, reported);
    await page.screenshot({ path: path.join(ARTIFACTS, 'places-ar-switch.png') });
    expect((await pixelsNear(page, [0xf5, 0xf7, 0xfa], 6)).count).toBeGreaterThan(100);
    suite.assertClean();
  });

  it("opens the coordinator's map framed on the crisis, with town names, and flies to a town found by name", async () => {
    const { page } = await suite.open('places-coordinator', LAPTOP_768);
    await signIn(page, suite.server.url, suite.server.accounts.coordinator);
    await mapShows(page, DEMO_GROUP_COUNT);
    await page.screenshot({ path: path.join(ARTIFACTS, 'places-coordinator-open.png') });
    // Framed: the host country (its lighter fill) fills much of the map, centred in the part the
    // open legend (top left) leaves free: the camera keeps the legend's width clear, so the legend
    // no longer covers the western coast at 1366x768.
    const host = await pixelsNear(page, rgbOf(BASEMAP_COLORS.host), 3);
    expect(host.share, 'share of the map that is the host country').toBeGreaterThan(0.25);
    const canvas = (await mapOf(page).locator('canvas').boundingBox())!;
    const legend = (await page.locator('.legend-slot').boundingBox())!;
    const freeFrom = (legend.x + legend.width - canvas.x) / canvas.width;
    expect(freeFrom, 'the legend is open beside the map').toBeGreaterThan(0.1);
    expect(Math.abs(host.x - (freeFrom + 1) / 2), 'host country centred across the free part').toBeLessThan(0.12);
    expect(Math.abs(host.y - 0.5), 'host country centred down').toBeLessThan(0.2);
    // Clusters ringed by status: at country zoom nearly every group is in a cluster, and the
    // reported (orange-red) arcs and the attention dots show only if the rings are drawn.
    await expect
      .poll(async () => (await pixelsNear(page, rgbOf(STATUS_COLORS.reported), 30)).count, { message: 'reported arcs', timeout: 15_000 })
      .toBeGreaterThan(150);
    await page.screenshot({ path: path.join(ARTIFACTS, 'places-coordinator-rings.png') });
    expect((await pixelsNear(page, rgbOf(ATTENTION_COLORS.unassigned), 30)).count, 'attention dots').toBeGreaterThan(20);
    // Town names at country zoom: the largest cities are named.
    expect((await labelPixels(page)).count, 'label pixels at country zoom').toBeGreaterThan(60);

    // Find Tripoli by part of its Arabic name; the map flies there and names it in the middle.
    const scaleBefore = await scaleText(page);
    await page.getByRole('button', { name: en['place.search.label'], exact: true }).click();
    const box = page.getByRole('combobox', { name: en['place.search.label'] });
    await box.fill('طراب');
    await page.getByTestId('place-result').first().getByText('Tripoli').waitFor();
    await box.press('Enter');
    await expect.poll(() => scaleText(page), { timeout: 30_000 }).not.toBe(scaleBefore);
    await settled(page);
    // At a city's zoom, not the country's.
    expect(await scaleText(page)).toMatch(/^(\d+\s+m|[1-5]\s+km)$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'places-coordinator-tripoli.png') });
    const middle = await labelPixels(page, [0.3, 0.35, 0.7, 0.65]);
    expect(middle.count, 'label pixels around the middle of the map after the flight').toBeGreaterThan(40);
    suite.assertClean();
  });

  it('keeps the crisis clear of the legend when the language switches sides: the view moves with the legend', async () => {
    const { page } = await suite.open('places-ar-frame', LAPTOP_768);
    await signIn(page, suite.server.url, suite.server.accounts.coordinator);
    await mapShows(page, DEMO_GROUP_COUNT);
    /** The host country's centre across the part of the map the open legend leaves free, and the legend's side. */
    const framing = async () => {
      const host = await pixelsNear(page, rgbOf(BASEMAP_COLORS.host), 3);
      const canvas = (await mapOf(page).locator('canvas').boundingBox())!;
      const legend = (await page.locator('.legend-slot').boundingBox())!;
      const left = legend.x - canvas.x < canvas.width / 2;
      // The free part, in fractions of the canvas: beside the legend, on the side it is not.
      const free = left ? [(legend.x + legend.width - canvas.x) / canvas.width, 1] : [0, (legend.x - canvas.x) / canvas.width];
      return { left, offCentre: host.x - (free[0]! + free[1]!) / 2, share: host.share };
    };
    const before = await framing();
    expect(before.left, 'the legend on the left in English').toBe(true);
    expect(Math.abs(before.offCentre), 'host country centred across the free part, in English').toBeLessThan(0.12);
    // The same view in Arabic: the map is made again, its legend now on the right.
    await page.getByLabel(en['language.label'], { exact: true }).selectOption('ar');
    await page.getByRole('button', { name: ar['header.signOut'], exact: true }).waitFor();
    await page.locator('.maplibregl-ctrl-top-left .maplibregl-ctrl-zoom-in').waitFor();
    await mapShows(page, DEMO_GROUP_COUNT);
    await page.screenshot({ path: path.join(ARTIFACTS, 'places-ar-frame.png') });
    const after = await framing();
    expect(after.left, 'the legend on the right in Arabic').toBe(false);
    expect(Math.abs(after.offCentre), 'host country centred across the free part, in Arabic').toBeLessThan(0.12);
    // The same zoom: the view moved sideways, it was not fitted again.
    expect(after.share).toBeCloseTo(before.share, 1);
    suite.assertClean();
  });

  it('draws no town names where this device turned them off (the pixels above are the names)', async () => {
    // The same view with names on, then off: a few label-brown pixels also come from the status
    // rings' anti-aliasing, so the names are what the difference is made of.
    const labelsWith = async (setting: 'on' | 'off'): Promise<number> => {
      const { page } = await suite.open(`places-${setting}`, LAPTOP_768);
      await page.addInitScript(([key, value]) => localStorage.setItem(key, value), [PLACE_LABELS_STORAGE_KEY, setting] as const);
      await signIn(page, suite.server.url, suite.server.accounts.coordinator);
      await mapShows(page, DEMO_GROUP_COUNT);
      await page.screenshot({ path: path.join(ARTIFACTS, `places-${setting}.png`) });
      return (await labelPixels(page)).count;
    };
    const on = await labelsWith('on');
    const off = await labelsWith('off');
    expect(on, 'label pixels with names on').toBeGreaterThan(60);
    expect(off, `label pixels with names off (on: ${on})`).toBeLessThan(on / 4);
    suite.assertClean();
  });

  it('lets the field team set a location from a found place, says where a tapped point is, and saves the report', async () => {
    const { page } = await suite.open('places-field', SMALL_PHONE);
    await signIn(page, suite.server.url, suite.server.accounts.field);
    await mapOf(page).and(page.locator('[data-ready="true"]')).waitFor({ timeout: 45_000 });
    const form = page.locator('form');
    const search = form.getByRole('combobox', { name: en['place.search.label'] });
    // Typed without accents or article: "Az Zāwīyah" in GeoNames.
    await search.fill('zawiya');
    await form.getByTestId('place-result').first().click();
    const picked = page.getByTestId('picked-location');
    await picked.getByText('Latitude 32.757, longitude 12.728').waitFor();
    expect(await page.getByTestId('nearest-place').textContent()).toBe('In Az Zāwīyah');
    expect(await page.getByLabel(en['form.placeName'], { exact: true }).inputValue()).toBe('Az Zāwīyah');
    await page.screenshot({ path: path.join(ARTIFACTS, 'places-field-found.png'), fullPage: true });

    // A tap on the map names the point against the nearest town.
    await mapOf(page)
      .locator('canvas')
      .click({ position: { x: 60, y: 60 } });
    await expect.poll(() => page.getByTestId('nearest-place').textContent()).toMatch(/^\d+(\.\d)? km (N|NE|E|SE|S|SW|W|NW) of /);
    // Back to the place found, and the report is saved with it.
    await search.fill('zawiya');
    await form.getByTestId('place-result').first().click();
    await picked.getByText('Latitude 32.757, longitude 12.728').waitFor();
    await page.getByLabel(en['form.headcount.total']).fill('7');
    await page.getByRole('button', { name: en['form.submit'], exact: true }).click();
    await page.getByTestId('submit-status').getByText(en['form.sent'], { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByTestId('recent-item').filter({ hasText: 'Az Zāwīyah' }).first().waitFor();
    suite.assertClean();
  });
});
