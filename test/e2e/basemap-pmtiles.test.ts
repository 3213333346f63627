import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LIGHT } from '@protomaps/basemaps';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import ar from '../../client/lib/i18n/ar';
import en from '../../client/lib/i18n/en';
import { PLACE_LABELS_STORAGE_KEY } from '../../client/lib/map/map-preferences';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { waterOverArchive } from '../support/pmtiles-archive';
import { startTestServer } from '../support/server';
import { ARTIFACTS, LAPTOP, browserSuite, signIn } from './suite';

// The street-level basemap in a real Chromium, under the real Content-Security-Policy: an archive
// the test writes (one tile with a water polygon over part of the fixture crisis, in a colour the
// bundled basemap never uses) is read with range requests and drawn; the same view on a server
// without it shows none of that colour. The guarded page fails the test on any CSP violation,
// console error, failed request or request to the internet (a glyph or sprite server).

/** The box the test tile fills with water: inside the fixture crisis's area (9.3-25.2 E, 19.5-33.2 N). */
const WATER = { west: 12, south: 23, east: 22, north: 30 };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-e2e-tiles-'));
const archiveFile = path.join(dir, 'region.pmtiles');
fs.writeFileSync(archiveFile, waterOverArchive(WATER));

/** Fewer pixels of the label colour than this and no name was written (the bundled basemap has a few from blending). */
const LABEL_PIXELS = 40;

const mapOf = (page: Page, label: string = en['map.label']) => page.getByRole('region', { name: label, exact: true });

/** How many of the map canvas's pixels, as the screen shows it, are within 3 of each colour per channel. */
async function pixelsOf(page: Page, colors: readonly string[]): Promise<{ counts: number[]; total: number }> {
  const png = PNG.sync.read(await mapOf(page).locator('canvas').first().screenshot());
  const rgb = colors.map((color) => [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16)) as [number, number, number]);
  const counts = colors.map(() => 0);
  for (let i = 0; i < png.data.length; i += 4) {
    rgb.forEach(([r, g, b], k) => {
      if (Math.abs(png.data[i]! - r) <= 3 && Math.abs(png.data[i + 1]! - g) <= 3 && Math.abs(png.data[i + 2]! - b) <= 3) counts[k]!++;
    });
  }
  return { counts, total: png.width * png.height };
}

/** The water share of the map, and how many pixels have the town label's colour. */
async function streetsDrawn(page: Page): Promise<{ water: number; label: number }> {
  const { counts, total } = await pixelsOf(page, [LIGHT.water, LIGHT.city_label]);
  return { water: counts[0]! / total, label: counts[1]! };
}

/** Waits until the map has drawn its groups and gone idle, every source's tiles included. */
async function waitForIdleMap(page: Page): Promise<void> {
  await mapOf(page).and(page.locator('[data-ready="true"]')).waitFor({ timeout: 45_000 });
}

/** Turns this device's bundled town names off (map-preferences.ts), before the app starts. */
const namesOff = (page: Page) => page.addInitScript((key) => localStorage.setItem(key, 'off'), PLACE_LABELS_STORAGE_KEY);

describe('street basemap from a local PMTiles archive', () => {
  const suite = browserSuite({ staticDir: 'dist/client', basemapPmtiles: archiveFile });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('draws the archive’s tile over the bundled basemap, read by range requests, with no CSP violation', async () => {
    const coordinator = await suite.open('coordinator', LAPTOP);
    const c = coordinator.page;
    // The bundled town names (issue 18) are off on both pages: the label pixels counted are the archive's.
    await namesOff(c);
    const archiveAnswers: number[] = [];
    c.on('response', (response) => {
      if (new URL(response.url()).pathname === API_ROUTES.basemapTiles) archiveAnswers.push(response.status());
    });
    await signIn(c, suite.server.url, suite.server.accounts.coordinator);
    await waitForIdleMap(c);
    // Idle means every tile in view is drawn: the water fills a good part of the fitted view (about
    // 14% with the side panel at a third of the window; the bundled basemap alone has none), and
    // the town's name is written on it in the bundled font (no glyph server: it would be a
    // request to a non-local host, which the guarded page fails on).
    await expect.poll(async () => (await streetsDrawn(c)).water, { timeout: 20_000 }).toBeGreaterThan(0.1);
    await expect.poll(async () => (await streetsDrawn(c)).label, { timeout: 20_000 }).toBeGreaterThan(LABEL_PIXELS);
    await c.screenshot({ path: path.join(ARTIFACTS, 'basemap-pmtiles.png') });
    expect(archiveAnswers.length).toBeGreaterThan(0);
    expect(archiveAnswers.every((status) => status === 206)).toBe(true);
    // The credit for the street data is given with the map's others.
    expect(await c.locator('.maplibregl-ctrl-attrib-inner').textContent()).toContain('OpenStreetMap');

    // The same view from a server without an archive: the bundled basemap alone, with none of it.
    const plain = await startTestServer({ staticDir: 'dist/client' });
    try {
      const bundled = await suite.open('coordinator without streets', LAPTOP);
      await namesOff(bundled.page);
      await signIn(bundled.page, plain.url, plain.accounts.coordinator);
      await waitForIdleMap(bundled.page);
      const without = await streetsDrawn(bundled.page);
      expect(without.water).toBe(0);
      expect(without.label).toBeLessThan(LABEL_PIXELS);
      suite.assertClean();
      // Closed before its server stops, so the stop is not seen as a failure of the page.
      await bundled.context.close();
    } finally {
      await plain.destroy();
    }
  });

  it('says on a phone, in Arabic, that the street map could not be read, and still shows the country outlines', async () => {
    // A phone whose archive requests fail (offline: the service worker never keeps /api answers).
    const failing = { method: 'GET', path: API_ROUTES.basemapTiles, status: 503 };
    const field = await suite.open('field', { width: 360, height: 740 }, {}, [failing]);
    const f = field.page;
    await f.route(`**${API_ROUTES.basemapTiles}`, (route) => route.fulfill({ status: 503, body: 'unavailable' }));
    await signIn(f, suite.server.url, suite.server.accounts.field);
    // The map is made again in the new language, and reads the archive again.
    await f.getByLabel(en['language.label']!, { exact: true }).selectOption('ar');
    const mapLabel = ar['map.label']!;
    const notice = mapOf(f, mapLabel).getByRole('status').getByText(ar['map.streetsFailed']!, { exact: true });
    await notice.waitFor({ timeout: 45_000 });
    expect(await f.evaluate(() => document.documentElement.dir)).toBe('rtl');
    // The notice stays inside the narrow screen...
    const box = await notice.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 360).toBe(true);
    // ...and above the hint to tap the map, not over it (the hint wraps to three lines here).
    const hint = await mapOf(f, mapLabel).getByText(ar['map.pick.hint']!, { exact: true }).boundingBox();
    expect(box && hint && box.y + box.height <= hint.y).toBe(true);
    // ...and the bundled basemap still drew.
    await mapOf(f, mapLabel).and(f.locator('[data-basemap="ready"][data-ready="true"]')).waitFor();
    await f.screenshot({ path: path.join(ARTIFACTS, 'basemap-pmtiles-failed-ar-phone.png') });
    suite.assertClean();
  });
});
