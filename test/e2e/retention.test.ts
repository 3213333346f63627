import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import ar from '../../client/lib/i18n/ar';
import en from '../../client/lib/i18n/en';
import { connectUser, expectOk, makeGroupInput, reportCommand, sendCommand } from '../support/clients';
import { findOverflow } from './layout-probe';
import { ARTIFACTS, LAPTOP, browserSuite, showGroupList, signIn, submitSignIn } from './suite';

// Issue 21 on the admin screen: an admin sets a crisis's retention policy, purges what is due now
// and reads the ledger; the coordinator then finds the purged group's details marked as removed,
// with the date. The server's clock is the test's, so 31 days pass in a step.

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;
const PLACE = 'Qzbrowserpurgedplace';
let clock = Date.now();

/** A message with its `{name}` placeholders filled. */
const fill = (template: string, values: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key]));

async function signInAdmin(page: Page, url: string, account: { username: string; password: string }): Promise<void> {
  await submitSignIn(page, url, account);
  await page.getByTestId('retention-row').first().waitFor({ timeout: 45_000 });
}

describe('retention on the admin screen', () => {
  const suite = browserSuite({ staticDir: 'dist/client', now: () => clock, sessionPolicy: { idleMs: YEAR_MS, absoluteMs: YEAR_MS } });

  it('sets a policy, purges what is due now and lists it in the ledger; the coordinator sees the details marked removed on that date', async () => {
    const { server } = suite;
    const reporter = await connectUser(server.url, server.accounts.field);
    const reported = expectOk(
      await sendCommand(
        reporter,
        reportCommand(makeGroupInput({ location: { lat: 32.88, lon: 13.18, accuracyM: 5, placeName: PLACE, siteType: 'other' }, notes: 'Qznote' })),
      ),
    );
    reporter.close();

    const admin = await suite.open('admin', LAPTOP);
    const a = admin.page;
    await signInAdmin(a, server.url, server.accounts.admin);
    const row = a.getByTestId('retention-row').and(a.locator(`[data-crisis-id="${server.crisisId}"]`));
    expect(await row.getByTestId('retention-policy').textContent()).toBe(en['retention.none']);
    await row.getByTestId('retention-days').fill('30');
    await row.getByTestId('retention-after').selectOption('group_change');
    await row.getByTestId('retention-set').click();
    await row
      .getByTestId('retention-policy')
      .getByText(fill(en['retention.policy.group_change_other'], { count: 30 }), { exact: true })
      .waitFor();

    clock += 31 * DAY_MS;
    await a.getByTestId('retention-purge').click();
    await a
      .getByTestId('retention-message')
      .getByText(fill(en['retention.done.purged_one'], { count: 1 }), { exact: true })
      .waitFor();
    const ledger = a.getByTestId('ledger-row');
    await ledger.first().waitFor();
    expect(await ledger.count()).toBe(1);
    expect(await ledger.first().textContent()).toContain(en['retention.ledger.retention']);
    await a.screenshot({ path: path.join(ARTIFACTS, 'retention-admin-1366.png'), fullPage: true });

    // The coordinator opens the purged group: where its details were, the date they went.
    const coordinator = await suite.open('coordinator', LAPTOP);
    const c = coordinator.page;
    await signIn(c, server.url, server.accounts.coordinator);
    await showGroupList(c);
    await c.getByTestId('group-row').first().click();
    const details = c.getByTestId('group-details').and(c.locator(`[data-group-id="${reported.group.id}"]`));
    await details.getByTestId('details-purged').waitFor();
    expect(await details.getByTestId('details-purged').textContent()).toMatch(/^Details removed on .+ under this crisis’s retention policy\.$/);
    expect(await details.getByTestId('details-notes').textContent()).toContain('Details removed on');
    await c.screenshot({ path: path.join(ARTIFACTS, 'retention-purged-details-1366.png') });

    // Closing, then removing the policy, from the same row.
    await row.getByTestId('retention-close').click();
    await row.getByText(/^Closed on /).waitFor();
    await row.getByTestId('retention-clear').click();
    await row.getByTestId('retention-policy').getByText(en['retention.none'], { exact: true }).waitFor();

    // In Arabic on a small phone: right to left, nothing cut off or pushed out of the window.
    await a.getByLabel(en['language.label'], { exact: true }).selectOption('ar');
    await a.getByRole('heading', { name: ar['retention.title'], exact: true }).waitFor();
    await a.setViewportSize({ width: 360, height: 740 });
    await a.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    await a.getByTestId('retention-panel').scrollIntoViewIfNeeded();
    await a.screenshot({ path: path.join(ARTIFACTS, 'retention-admin-ar-360.png') });
    expect(await a.evaluate(() => document.documentElement.dir)).toBe('rtl');
    expect(await a.evaluate(findOverflow)).toEqual([]);
    for (const guarded of suite.pages) guarded.assertClean();
  });
});
