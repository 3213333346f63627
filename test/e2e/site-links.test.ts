import path from 'node:path';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { DEMO_SITE_COUNT } from '../../server/seed/demo-sites';
import { ARTIFACTS, browserSuite } from './suite';
import { LAPTOP, PHONE_POSITION, SMALL_PHONE, mapOf, signIn, waitForConnection, waitForWaiting, waitUntilOfflineReady } from './field-helpers';
import type { Page } from 'playwright-core';

// Groups at sites (issue 20) in a real Chromium: a field user on a 360 px phone links a new report
// to the site it stands at with no connection, syncs, and the coordinator's open site details
// count the group's people among the site's recorded groups, live.

const SITE = 'DEMO Tripoli collective shelter';

/** Waits until the map has drawn `count` sites and is idle. */
async function waitForMapSites(page: Page, count: number): Promise<void> {
  await mapOf(page)
    .and(page.locator(`[data-ready="true"][data-site-count="${count}"]`))
    .waitFor({ timeout: 45_000 });
}

/** The figure the details show for recorded groups (en plural forms). */
const recorded = (people: number, groups: number) =>
  (groups === 1 ? en['sites.details.recordedValue_one'] : en['sites.details.recordedValue_other'])
    .replace('{people}', String(people))
    .replace('{count}', String(groups));

describe('groups at sites', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });

  it("a field user links a new report to a site offline on a 360 px phone, syncs, and the coordinator's site details count its people", async () => {
    const crisisId = suite.server.crisisId;
    const site = (await suite.server.repositories.sites.pageByCrisis(crisisId, '', 100)).find((s) => s.name === SITE) ?? expect.fail(`no ${SITE}`);
    const before = site.linked ?? expect.fail('a stored site has a tally');

    const coordinator = await suite.open('coordinator-site-links', LAPTOP);
    const field = await suite.open('field-site-links', SMALL_PHONE, {
      geolocation: PHONE_POSITION,
      permissions: ['geolocation'],
      isMobile: true,
      hasTouch: true,
    });
    const c = coordinator.page;
    const f = field.page;
    await Promise.all([signIn(c, suite.server.url, suite.server.accounts.coordinator), signIn(f, suite.server.url, suite.server.accounts.field)]);
    await waitForMapSites(c, DEMO_SITE_COUNT);
    await waitForMapSites(f, DEMO_SITE_COUNT);

    // The coordinator opens the site's details: both figures of the occupancy rule are shown.
    await c.getByRole('tab', { name: en['sites.tab'], exact: true }).click();
    await c.getByTestId('site-list').getByRole('button', { name: SITE }).click();
    const details = c.getByTestId('site-details');
    await details.getByRole('heading', { name: SITE }).waitFor();
    expect(await details.getByTestId('site-recorded').textContent()).toBe(recorded(before.people, before.groups));

    // The field phone, with no connection, reports a group at the site it stands at.
    await waitUntilOfflineReady(f);
    field.outage = true;
    await field.context.setOffline(true);
    await waitForConnection(f, 'offline');
    await f.getByRole('button', { name: en['form.location.useMine'], exact: true }).click();
    await f.getByTestId('picked-location').waitFor();
    await f.getByLabel(en['form.placeName'], { exact: true }).fill('Shelter courtyard');
    const choice = f.getByLabel(en['sites.link.label'], { exact: true });
    await choice.selectOption(site.id);
    await choice.scrollIntoViewIfNeeded();
    await f.screenshot({ path: path.join(ARTIFACTS, 'site-links-field-360-offline.png') });
    await f.getByLabel(en['form.headcount.total']).fill('7');
    await f.getByRole('button', { name: en['form.submit'], exact: true }).click();
    await waitForWaiting(f, 1);
    // Nothing reached the coordinator while the phone was offline.
    expect(await details.getByTestId('site-recorded').textContent()).toBe(recorded(before.people, before.groups));

    await field.context.setOffline(false);
    await waitForConnection(f, 'connected');
    await waitForWaiting(f, 0);
    field.outage = false;

    // The coordinator's open details follow live: the group's 7 people are among the recorded ones.
    await details
      .getByTestId('site-recorded')
      .getByText(recorded(before.people + 7, before.groups + 1), { exact: true })
      .waitFor();
    await c.screenshot({ path: path.join(ARTIFACTS, 'site-links-coordinator-1366.png') });
    suite.assertClean();
  });
});
