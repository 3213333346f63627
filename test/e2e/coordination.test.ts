import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { DEMO_GROUP_COUNT } from '../../server/seed/demo-seed';
import { v7 as uuidv7 } from 'uuid';
import { AgencyList } from '../../shared/schemas/coordination.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { connectUser, expectOk, makeGroupInput, reportCommand, sendCommand, signIn as signInApi, updateCommand, waitForEvent } from '../support/clients';
import { ARTIFACTS, assignNeed, browserSuite, signIn, closeDetails, openFilters, showGroupList } from './suite';

// From a report to help delivered, live: a coordinator narrows the picture to unassigned water
// needs, hands the top group's water to IOM; IOM's responder, in another browser, accepts and
// completes it; the coordinator's map, details and counters follow without a reload.

const mapOf = (page: Page) => page.getByRole('region', { name: en['map.label'], exact: true });
/** Waits until the map has drawn exactly `count` groups and gone idle with them. */
const mapShows = (page: Page, count: number) =>
  mapOf(page)
    .and(page.locator(`[data-ready="true"][data-feature-count="${count}"]`))
    .waitFor({ timeout: 45_000 });
const listCount = async (page: Page) => Number((await page.getByTestId('group-count').textContent())?.replace(/\D/g, ''));
const inNeedOfWater = async (page: Page) => Number((await page.getByTestId('in-need-water').textContent())?.replace(/\D/g, ''));
const tab = (page: Page, key: 'coord.tab.triage' | 'coord.tab.counters') => page.getByRole('tab', { name: en[key], exact: true }).click();

describe('coordination: from a report to help delivered, live', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });
  const open = suite.open;

  it('assigns the top unassigned water need to an agency whose responder accepts and completes it, seen live by the coordinator', async () => {
    const coordinator = await open('coordinator');
    const responder = await open('responder');
    await Promise.all([
      signIn(coordinator.page, suite.server.url, suite.server.accounts.coordinator),
      signIn(responder.page, suite.server.url, suite.server.accounts.responder),
    ]);
    const c = coordinator.page;
    const r = responder.page;
    await mapShows(c, DEMO_GROUP_COUNT);
    await tab(c, 'coord.tab.counters');
    const waterBefore = await inNeedOfWater(c);
    expect(waterBefore).toBeGreaterThan(0);

    // Filter: unassigned water needs. The map, the list and the URL follow.
    await tab(c, 'coord.tab.triage');
    await openFilters(c);
    await c.getByTestId('filter-need').selectOption('water');
    await c.getByTestId('filter-unassigned').check();
    await expect.poll(() => new URL(c.url()).searchParams.get('need')).toBe('water');
    expect(new URL(c.url()).searchParams.get('unassigned')).toBe('1');
    await expect.poll(() => listCount(c)).toBeLessThan(DEMO_GROUP_COUNT);
    const filtered = await listCount(c);
    await mapShows(c, filtered);

    // The top of the triage queue says why it is there, in words.
    const top = c.getByTestId('triage-row').first();
    const groupId = (await top.getAttribute('data-group-id')) ?? expect.fail('no group id');
    expect(await top.getByTestId('triage-reason').textContent()).toMatch(/^\d+ people · no water \(severity \d\)/);
    await top.click();
    const details = c.getByTestId('group-details').and(c.locator(`[data-group-id="${groupId}"]`));
    await details.waitFor();
    const water = details.locator('[data-testid="need-row"][data-need="water"]');
    await assignNeed(water, 'IOM');
    // No longer unassigned: it leaves the filtered map and list.
    await mapShows(c, filtered - 1);
    await expect.poll(() => listCount(c)).toBe(filtered - 1);
    await c.screenshot({ path: path.join(ARTIFACTS, 'coordination-coordinator.png') });

    // The responder's work list has it (beside the demo's own IOM work), with the exact place; accept, then complete.
    const work = r.locator(`[data-testid="work-row"][data-group-id="${groupId}"]`);
    await work.waitFor();
    await work.click();
    const rDetails = r.getByTestId('group-details').and(r.locator(`[data-group-id="${groupId}"]`));
    await rDetails.getByRole('button', { name: en['work.accept'], exact: true }).click();
    await c.locator('[data-testid="assignment"][data-status="accepted"]').waitFor();
    await r.screenshot({ path: path.join(ARTIFACTS, 'coordination-responder.png') });
    await rDetails.getByTestId('reached-input').fill('9');
    await rDetails.getByRole('button', { name: en['work.complete'], exact: true }).click();
    await closeDetails(r);
    await work.waitFor({ state: 'detached' });
    await c.locator('[data-testid="assignment"][data-status="completed"]').waitFor();
    // The timeline tells who did each step: the coordinator assigned, the agency's responder completed.
    await details.getByRole('button', { name: en['timeline.load'], exact: true }).click();
    const timeline = details.getByTestId('timeline');
    await timeline.getByText(new RegExp(`${en['timeline.kind.assignment.create']} by Demo coordinator`)).waitFor();
    expect(await timeline.locator('li').filter({ hasText: 'Demo responder (IOM)' }).count()).toBe(2);

    // With the filters cleared, fewer people are counted in need of water: the need is met.
    await closeDetails(c);
    await c.getByRole('button', { name: en['coord.filters.clear'], exact: true }).click();
    await tab(c, 'coord.tab.counters');
    await expect.poll(() => inNeedOfWater(c)).toBeLessThan(waterBefore);
    await c.getByTestId('history-chart').waitFor();
    await c.screenshot({ path: path.join(ARTIFACTS, 'coordination-counters.png') });
    // Who does what where now has IOM's water work, with the people it reached.
    await c.getByRole('tab', { name: en['coord.tab.threeW'], exact: true }).click();
    await c.getByTestId('threew').getByRole('row').filter({ hasText: 'IOM' }).filter({ hasText: '9' }).first().waitFor();
    await c.screenshot({ path: path.join(ARTIFACTS, 'coordination-3w.png') });
    await c.getByRole('tab', { name: en['coord.tab.duplicates'], exact: true }).click();
    await c.getByTestId('duplicates').waitFor();
    await c.screenshot({ path: path.join(ARTIFACTS, 'coordination-duplicates.png') });
    suite.assertClean();
  });

  it('asks the field team to follow up a group it did not report, which it may then update', async () => {
    const [reporter, field] = await Promise.all([
      connectUser(suite.server.url, suite.server.accounts.coordinator),
      connectUser(suite.server.url, suite.server.accounts.field),
    ]);
    try {
      const place = `Follow-up test ${Date.now()}`;
      const reported = expectOk(
        await sendCommand(reporter, reportCommand(makeGroupInput({ location: { lat: 32.88, lon: 13.18, accuracyM: 5, placeName: place, siteType: 'other' } }))),
      ).group;
      // Before anyone asks: the field team holds the group only as a point (protection rule 11), and
      // an edit answers as for a group it cannot see.
      expect(await sendCommand(field, updateCommand(reported.id, reported.version, { notes: 'too early' }))).toMatchObject({ ok: false, code: 'not_found' });

      const coordinator = await open('coordinator-follow-up');
      const c = coordinator.page;
      await signIn(c, suite.server.url, suite.server.accounts.coordinator);
      // The list shows the newest first: the group just reported is at its top.
      await showGroupList(c);
      await c.getByTestId('group-row').filter({ hasText: place }).click();
      const details = c.getByTestId('group-details').and(c.locator(`[data-group-id="${reported.id}"]`));
      const followUp = details.getByTestId('follow-up');
      await followUp.getByText(en['followUp.none'], { exact: true }).waitFor();
      const team = followUp.getByLabel(en['followUp.team'], { exact: true });
      await team.locator('option', { hasText: 'Demo field team' }).waitFor({ state: 'attached' });
      await team.selectOption({ label: 'Demo field team' });
      await followUp.getByRole('button', { name: en['followUp.submit'], exact: true }).click();
      await followUp.getByTestId('follow-up-asked').getByText('Demo field team').waitFor();
      await followUp.getByTestId('follow-up-outcome').getByText(en['followUp.done'].replace('{name}', 'Demo field team'), { exact: true }).waitFor();

      const asked = await sendCommand(field, updateCommand(reported.id, reported.version + 1, { notes: 'followed up' }));
      expect(asked).toMatchObject({ ok: true, group: { view: 'full', group: { notes: 'followed up' } } });
      coordinator.assertClean();
    } finally {
      reporter.close();
      field.close();
    }
  });

  it('lets the agency decline with a reason, which the coordinator receives with the need open again', async () => {
    const coordinator = await connectUser(suite.server.url, suite.server.accounts.coordinator);
    try {
      const cookie = await signInApi(suite.server.url, suite.server.accounts.coordinator.username, suite.server.accounts.coordinator.password);
      const agencies = AgencyList.parse(await (await fetch(`${suite.server.url}/api/agencies`, { headers: { cookie } })).json()).agencies;
      const iom = agencies.find((a) => a.acronym === 'IOM')?.id ?? expect.fail('no IOM');
      const reported: Group = expectOk(
        await sendCommand(
          coordinator,
          reportCommand(makeGroupInput({ location: { lat: 32.89, lon: 13.19, accuracyM: 5, placeName: 'Decline test', siteType: 'other' } })),
        ),
      ).group;
      expectOk(
        await sendCommand(coordinator, {
          type: 'assignment.create',
          commandId: uuidv7(),
          groupId: reported.id,
          baseVersion: reported.version,
          assignment: { id: uuidv7(), needId: reported.needs[0]!.id, agencyId: iom, note: '', expectedBy: null },
        }),
      );

      const responder = await open('responder');
      const r = responder.page;
      await signIn(r, suite.server.url, suite.server.accounts.responder);
      await r.getByTestId('work-row').filter({ hasText: 'Decline test' }).click();
      const details = r.getByTestId('group-details').and(r.locator(`[data-group-id="${reported.id}"]`));
      const decline = details.getByRole('button', { name: en['work.decline'], exact: true });
      expect(await decline.isDisabled()).toBe(true);
      const declined = waitForEvent(
        coordinator,
        'change',
        (c) => c.kind === 'group.upsert' && c.group.group.id === reported.id && c.group.view === 'full' && c.group.group.assignments[0]?.status === 'declined',
      );
      await details.getByLabel(en['work.declineReason'], { exact: true }).fill('no truck until Friday');
      await decline.click();
      const change = await declined;
      expect(change.kind === 'group.upsert' && change.group.view === 'full' && change.group.group.assignments[0]?.note).toBe('no truck until Friday');
      expect(change.kind === 'group.upsert' && change.group.view === 'full' && change.group.group.needs[0]?.status).toBe('open');
      await r.getByTestId('work-row').filter({ hasText: 'Decline test' }).waitFor({ state: 'detached' });
      responder.assertClean();
    } finally {
      coordinator.close();
    }
  });
});
