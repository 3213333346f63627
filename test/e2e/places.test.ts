import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import ar from '../../client/lib/i18n/ar';
import en from '../../client/lib/i18n/en';
import { DEMO_GROUP_COUNT } from '../../server/seed/demo-seed';
import { ARTIFACTS, LAPTOP, browserSuite, signIn } from './suite';

// The map as a new user meets it: framed on the crisis, with towns named, a place found by name,
// clusters that keep drawing when the language changes after sign-in.

const mapOf = (page: Page) => page.locator('.group-map').first();
/** Waits until the map has drawn `count` groups and gone idle with them. */
const mapShows = (page: Page, count: number) => mapOf(page).and(page.locator(`[data-ready="true"][data-feature-count="${count}"]`)).waitFor({ timeout: 45_000 });

/**
 * How many of the map canvas's pixels, in a box of the map (fractions of its size), are near a
 * colour: read from a screenshot, as a person sees it, not from the DOM or MapLibre's state.
 */
async function pixelsNear(page: Page, rgb: [number, number, number], tolerance = 24): Promise<number> {
  const png = await mapOf(page).locator('canvas').screenshot();
  const { PNG } = await import('pngjs');
  const image = PNG.sync.read(png);
  let count = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    const d = Math.abs(image.data[i]! - rgb[0]) + Math.abs(image.data[i + 1]! - rgb[1]) + Math.abs(image.data[i + 2]! - rgb[2]);
    if (d <= tolerance) count++;
  }
  return count;
}

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
    expect(await pixelsNear(page, [0xf5, 0xf7, 0xfa], 6)).toBeGreaterThan(100);
    await page.evaluate(() => ((window as unknown as { holdLoads: boolean }).holdLoads = true));
    await page.getByTestId('filter-status').selectOption('reported');
    await expect.poll(() => page.evaluate(() => (window as unknown as { heldLoads: () => number }).heldLoads())).toBeGreaterThan(0);
    await page.getByLabel(en['language.label'], { exact: true }).selectOption('ar');
    await page.locator('.maplibregl-ctrl-top-left .maplibregl-ctrl-zoom-in').waitFor();
    await page.evaluate(() => (window as unknown as { releaseLoads: () => void }).releaseLoads());
    // ...and after it, on the map made again for the new direction, with the filter's groups.
    const reported = Number((await page.getByTestId('group-count').textContent())?.replace(/\D/g, ''));
    expect(reported).toBeLessThan(DEMO_GROUP_COUNT);
    await mapShows(page, reported);
    await page.screenshot({ path: path.join(ARTIFACTS, 'places-ar-switch.png') });
    expect(await pixelsNear(page, [0xf5, 0xf7, 0xfa], 6)).toBeGreaterThan(100);
    suite.assertClean();
  });
});
