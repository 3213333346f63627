import path from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { AGGREGATE_FILL_OPACITY, AGGREGATE_STEPS } from '../../client/lib/map/aggregate-layers';
import { BASEMAP_COLORS } from '../../client/lib/map/basemap';
import { connectUser, expectOk, makeGroupInput, reportCommand, sendCommand } from '../support/clients';
import { ARTIFACTS, LAPTOP, browserSuite, signIn, showGroupList } from './suite';

// The consular view, live: the Embassy of Nigeria sees an overview of its nationals and a map
// shaded by how many are in each area (the demo's synthetic districts, named in the areas table); a coordinator, in another browser, sets the protection
// flag on a consented group; the group leaves the embassy's list without a reload and its people
// appear in the counts of its area instead (at the next refresh, rounded).

const mapOf = (page: Page) => page.getByRole('region', { name: en['map.label'], exact: true });
const hex = (color: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16)) as [number, number, number];

/** The colour a shaded cell shows over the host country: its class colour at the fill's opacity. */
const shadedOverHost = AGGREGATE_STEPS.map((s) => {
  const [r, g, b] = hex(s.color);
  const [hr, hg, hb] = hex(BASEMAP_COLORS.host);
  const a = AGGREGATE_FILL_OPACITY;
  return [r * a + hr * (1 - a), g * a + hg * (1 - a), b * a + hb * (1 - a)];
});

/** How many pixels of the map's canvas show a shaded cell's colour. */
async function shadedPixels(page: Page): Promise<number> {
  const png = PNG.sync.read(await mapOf(page).locator('canvas').first().screenshot());
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
    if (shadedOverHost.some(([sr, sg, sb]) => Math.abs(r - sr!) <= 4 && Math.abs(g - sg!) <= 4 && Math.abs(b - sb!) <= 4)) n += 1;
  }
  return n;
}

describe('consular view: an embassy follows its nationals within what consent and protection allow', () => {
  // Embassy counts are taken anew every few seconds here (10 minutes by default: protection rule 10).
  const suite = browserSuite({ demo: true, staticDir: 'dist/client', consularRefreshMs: 3_000 });
  const open = suite.open;

  it('moves a group from the embassy’s list into its area counts when a coordinator sets the protection flag, without a reload', async () => {
    // A consented group of 9 Nigerians at Jalu, in the synthetic district "Tobruk area".
    const place = `Jalu consular ${Date.now()}`;
    const at = { lat: 29.03, lon: 21.55 };
    const reporter = await connectUser(suite.server.url, suite.server.accounts.coordinator);
    try {
      expectOk(
        await sendCommand(
          reporter,
          reportCommand(
            makeGroupInput({
              location: { ...at, accuracyM: 10, placeName: place, siteType: 'open_air' },
              headcount: { total: 9 },
              nationalities: [{ code: 'NGA', count: 9 }],
              consentConsulate: 'yes',
              intention: 'evacuate_to_origin',
              needs: [],
            }),
          ),
        ),
      );
    } finally {
      reporter.close();
    }
    // The area is named by admin area (issue 18), not by its centre's coordinates.
    const areaLabel = 'Tobruk area (synthetic), East (synthetic)';

    const embassy = await open('embassy', LAPTOP);
    const coordinator = await open('coordinator', LAPTOP);
    const e = embassy.page;
    const c = coordinator.page;
    await Promise.all([signIn(e, suite.server.url, suite.server.accounts.embassy), signIn(c, suite.server.url, suite.server.accounts.coordinator)]);

    // The overview, the sentence that explains the counts, and the group among the embassy's own.
    const overview = e.getByTestId('consular-overview');
    await overview.waitFor();
    await e.getByTestId('consular-why').getByText(en['consular.why'], { exact: true }).waitFor();
    const people = overview.locator('[data-figure="people"]').getByTestId('consular-figure-value');
    await expect.poll(async () => (await people.textContent())?.trim()).toMatch(/^\d[\d,]*\+?$/);
    // The chart, or its "not enough history yet" line: a crisis a few seconds old may have one point
    // only, and the chart is read at most once a minute (this test is about the list and the counts).
    await e
      .getByTestId('consular-chart')
      .or(e.getByText(en['consular.chart.empty'], { exact: true }))
      .waitFor();
    await showGroupList(e);
    const row = e.getByTestId('group-row').filter({ hasText: place });
    await row.waitFor();

    // The map really draws shaded cells (hexagons, not points) and their legend.
    await mapOf(e).and(e.locator('[data-ready="true"]')).waitFor({ timeout: 45_000 });
    await e.getByTestId('legend-areas').waitFor({ state: 'attached' });
    // The map opens on the whole crisis (issue 18), where the open legend covers the western coast
    // and its cells: folded, the map is what the pixels below are read from.
    await e.getByRole('button', { name: en['map.legend.hide'], exact: true }).click();
    await e.screenshot({ path: path.join(ARTIFACTS, 'consular-embassy-map.png') });
    // At the crisis's zoom a 250 km² cell is a few pixels across, and towns' clusters cover some.
    await expect.poll(() => shadedPixels(e), { timeout: 20_000 }).toBeGreaterThan(10);
    const shadedBefore = await shadedPixels(e);

    // The district's count before: the embassy sees the group itself, not in it.
    await e.getByRole('tab', { name: en['consular.tab.areas'], exact: true }).click();
    const areaRows = e.locator('.aggregates tbody tr');
    await areaRows.first().waitFor();
    const cellRow = areaRows.filter({ has: e.getByTestId('aggregate-area').getByText(areaLabel, { exact: true }) });
    const peopleIn = async () => ((await cellRow.count()) === 0 ? 0 : Number((await cellRow.getByTestId('aggregate-people').textContent())?.trim() ?? 0) || 0);
    const before = await peopleIn();

    // The coordinator sets the protection flag on it.
    await showGroupList(c);
    await c.getByTestId('group-row').filter({ hasText: place }).click();
    const flag = c.getByTestId('protection-flag');
    await flag.getByTestId('protection-checkbox').check();
    await flag.getByTestId('protection-save').click();
    await flag.getByTestId('protection-outcome').getByText(en['protection.saved'], { exact: true }).waitFor();

    // Without a reload: the group leaves the embassy's list at once, and at the next refresh its 9
    // people join its district's count, rounded down to a multiple of 5 (so 5 or 10 more).
    await row.waitFor({ state: 'detached' });
    await expect.poll(peopleIn, { timeout: 20_000 }).toBeGreaterThanOrEqual(before + 5);
    expect(await peopleIn()).toBeLessThanOrEqual(before + 10);
    // On the map, the district is shaded (it was already when it held hidden nationals before).
    await expect.poll(() => shadedPixels(e), { timeout: 20_000 }).toBeGreaterThanOrEqual(shadedBefore);

    await e.getByRole('tab', { name: en['consular.tab.overview'], exact: true }).click();
    await overview.waitFor();
    await e.screenshot({ path: path.join(ARTIFACTS, 'embassy.png') });
    await e.getByRole('tab', { name: en['consular.tab.evacuation'], exact: true }).click();
    await e.getByTestId('evacuation-list').waitFor();
    await e.screenshot({ path: path.join(ARTIFACTS, 'embassy-evacuation.png') });
    suite.assertClean();
  });
});
