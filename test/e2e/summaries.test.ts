import path from 'node:path';
import type { Page } from 'playwright-core';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { DEMO_GROUP_COUNT } from '../../server/seed/demo-seed';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { connectUser, expectOk, makeGroupInput, reportCommand, sendCommand } from '../support/clients';
import { waitForConnection } from './field-helpers';
import { ARTIFACTS, assignNeed, browserSuite, signIn, showGroupList } from './suite';

// A big crisis's coordinator starts from summaries (no need ids, no notes): selecting a group shows
// what is known and loads the full group before anything can act on it; if the read fails, or the
// connection is gone, the details say so and offer nothing to act on. "Big" is lowered to 1 group
// here, so the demo crisis comes as summaries.

const mapOf = (page: Page) => page.getByRole('region', { name: en['map.label'], exact: true });
const mapShows = (page: Page, count: number) =>
  mapOf(page)
    .and(page.locator(`[data-ready="true"][data-feature-count="${count}"]`))
    .waitFor({ timeout: 45_000 });

describe('coordinator on a crisis sent as summaries', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client', syncPolicy: { summariesFromGroups: 1 } });

  it('loads the selected group before it can be acted on, then assigns its water need', async () => {
    // A group of our own, at the top of the list (the newest), with a note only the full group carries.
    const place = `Summary test ${Date.now()}`;
    const note = `Full details ${uuidv7()}`;
    const reporter = await connectUser(suite.server.url, suite.server.accounts.coordinator);
    const input = makeGroupInput({ notes: note, location: { lat: 32.9, lon: 13.2, accuracyM: 5, placeName: place, siteType: 'other' } });
    try {
      expectOk(await sendCommand(reporter, reportCommand(input)));
    } finally {
      reporter.close();
    }
    const groupPath = `${API_ROUTES.groups}/${input.id}`;
    const coordinator = await open503(groupPath);
    const c = coordinator.page;
    // The first reads of this group's details fail, as a struggling server's would.
    let failing = true;
    await c.route(`**${groupPath}`, (route) =>
      failing
        ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ ok: false, code: 'internal', message: 'busy' }) })
        : route.continue(),
    );
    await signIn(c, suite.server.url, suite.server.accounts.coordinator);
    await mapShows(c, DEMO_GROUP_COUNT + 1);

    await showGroupList(c);
    await c.getByTestId('group-row').filter({ hasText: place }).click();
    const details = c.getByTestId('group-details').and(c.locator(`[data-group-id="${input.id}"]`));
    const state = details.getByTestId('details-summary');
    // What the summary knows shows; nothing acts on the group without its full details.
    await state.and(c.locator('[data-state="failed"]')).waitFor();
    expect(await details.getByTestId('details-total').textContent()).toBe('12');
    expect(await details.getByTestId('details-needs').textContent()).toContain(en['need.water']);
    expect(await details.getByTestId('details-notes').count()).toBe(0);
    expect(await details.getByTestId('assign-open').count()).toBe(0);
    expect(await details.getByTestId('need-row').count()).toBe(0);
    await c.screenshot({ path: path.join(ARTIFACTS, 'summary-details-failed.png') });

    failing = false;
    await state.getByRole('button', { name: en['details.summary.retry'], exact: true }).click();
    await details.getByTestId('details-notes').getByText(note, { exact: true }).waitFor();
    expect(await details.getByTestId('details-summary').count()).toBe(0);

    const water = details.locator('[data-testid="need-row"][data-need="water"]');
    await assignNeed(water, 'IOM');
    await c.screenshot({ path: path.join(ARTIFACTS, 'summary-details-assigned.png') });

    // Offline, another group held as a summary says its details need the connection; they load when it is back.
    coordinator.outage = true;
    await coordinator.context.setOffline(true);
    await waitForConnection(c, 'offline');
    await showGroupList(c);
    const other = c.getByTestId('group-row').filter({ hasNotText: place }).first();
    const otherId = (await other.getAttribute('data-group-id')) ?? expect.fail('no other group');
    await other.click();
    const otherDetails = c.getByTestId('group-details').and(c.locator(`[data-group-id="${otherId}"]`));
    await otherDetails.getByTestId('details-summary').and(c.locator('[data-state="offline"]')).getByText(en['details.summary.offline']).waitFor();
    expect(await otherDetails.getByTestId('assign-open').count()).toBe(0);
    await c.screenshot({ path: path.join(ARTIFACTS, 'summary-details-offline.png') });
    await coordinator.context.setOffline(false);
    await waitForConnection(c, 'connected');
    coordinator.outage = false;
    await otherDetails.getByTestId('details-notes').waitFor();
    expect(await otherDetails.getByTestId('details-summary').count()).toBe(0);
    suite.assertClean();
  });

  /** A coordinator's page that expects the failed reads this test provokes. */
  function open503(groupPath: string) {
    return suite.open('coordinator-summaries', undefined, undefined, [{ method: 'GET', path: groupPath, status: 503 }]);
  }
});
