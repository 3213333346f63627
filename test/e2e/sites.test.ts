import path from 'node:path';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { DEMO_SITE_COUNT } from '../../server/seed/demo-sites';
import { ARTIFACTS, browserSuite } from './suite';
import { LAPTOP, PHONE_POSITION, SMALL_PHONE, mapOf, signIn, waitForConnection, waitForWaiting, waitUntilOfflineReady } from './field-helpers';
import type { Page } from 'playwright-core';

// Sites (issue 20) in a real Chromium: a coordinator adds a site from the map, a field phone
// reports its occupancy with no connection, and the coordinator sees the report arrive live.

/** Waits until the map has drawn `count` sites and is idle. */
async function waitForMapSites(page: Page, count: number): Promise<void> {
  await mapOf(page)
    .and(page.locator(`[data-ready="true"][data-site-count="${count}"]`))
    .waitFor({ timeout: 45_000 });
}

describe('sites', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });

  it('a coordinator creates a site from the map; a field user reports its occupancy offline and syncs; the coordinator sees it live', async () => {
    const coordinator = await suite.open('coordinator-sites', LAPTOP);
    const field = await suite.open('field-sites', SMALL_PHONE, { geolocation: PHONE_POSITION, permissions: ['geolocation'], isMobile: true, hasTouch: true });
    const c = coordinator.page;
    const f = field.page;
    await Promise.all([signIn(c, suite.server.url, suite.server.accounts.coordinator), signIn(f, suite.server.url, suite.server.accounts.field)]);
    await waitForMapSites(c, DEMO_SITE_COUNT);
    await waitForMapSites(f, DEMO_SITE_COUNT);

    // The coordinator: the sites tab lists the demo's alerts; "Add a site" picks its point on the map.
    await c.getByRole('tab', { name: en['sites.tab'], exact: true }).click();
    const panel = c.getByTestId('sites-panel');
    await panel.getByTestId('site-alerts').getByText('DEMO Tajoura detention centre').waitFor();
    await panel.getByTestId('site-add').click();
    // Enter on the focused map picks its centre (the keyboard's way to pick; a click would hit a cluster).
    await c.locator('.maplibregl-canvas').focus();
    await c.keyboard.press('Enter');
    const form = c.getByTestId('site-form');
    await form.getByTestId('site-form-location').waitFor();
    const name = `E2E shelter ${Date.now()}`;
    await form.getByLabel(en['sites.field.name'], { exact: true }).fill(name);
    await form.getByLabel(en['sites.field.type'], { exact: true }).selectOption('shelter');
    await form.getByLabel(en['sites.field.capacity'], { exact: true }).fill('50');
    await form.getByLabel(en['sites.field.occupancy'], { exact: true }).fill('10');
    await form.getByRole('checkbox', { name: en['sites.service.water'], exact: true }).check();
    await form.getByTestId('site-save').click();
    const details = c.getByTestId('site-details');
    await details.getByRole('heading', { name }).waitFor();
    expect(await details.getByTestId('site-occupancy').textContent()).toBe('10 of 50 people');
    await waitForMapSites(c, DEMO_SITE_COUNT + 1);
    await c.screenshot({ path: path.join(ARTIFACTS, 'sites-coordinator-1366.png') });

    // The field phone gets the site live, keeps it on the device, and reports it with no connection.
    await waitForMapSites(f, DEMO_SITE_COUNT + 1);
    await waitUntilOfflineReady(f);
    field.outage = true;
    await field.context.setOffline(true);
    await waitForConnection(f, 'offline');
    const report = f.getByTestId('site-report');
    await report.getByLabel(en['sites.report.site'], { exact: true }).selectOption({ label: `${name} · ${en['sites.kind.shelter']}` });
    await report.getByLabel(en['sites.field.status'], { exact: true }).selectOption('full');
    await report.getByLabel(en['sites.field.occupancy'], { exact: true }).fill('48');
    await report.getByTestId('site-report-send').click();
    await report.getByTestId('site-report-outcome').getByText(en['sites.report.queued'], { exact: true }).waitFor();
    await waitForWaiting(f, 1);
    await report.scrollIntoViewIfNeeded();
    await f.screenshot({ path: path.join(ARTIFACTS, 'sites-field-360-offline.png') });
    // Nothing reached the coordinator while the phone was offline.
    expect(await details.getByTestId('site-occupancy').textContent()).toBe('10 of 50 people');

    await field.context.setOffline(false);
    await waitForConnection(f, 'connected');
    await waitForWaiting(f, 0);
    field.outage = false;
    await report.getByTestId('site-report-outcome').getByText(en['sites.report.sent'], { exact: true }).waitFor();

    // The coordinator's open details follow live.
    await details.getByTestId('site-occupancy').getByText('48 of 50 people', { exact: true }).waitFor();
    await details.getByTestId('site-status').getByText(en['sites.status.full'], { exact: true }).waitFor();
    suite.assertClean();
  });
});
