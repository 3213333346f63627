import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { SUPPRESSED } from '../../shared/aggregate';
import { connectUser, expectOk, makeGroupInput, reportCommand, sendCommand } from '../support/clients';
import { PHONE, browserSuite, submitSignIn, showGroupList } from './suite';

// Hostile text typed by a field team must stay text for every role that later sees it, under a
// Content-Security-Policy the browser guard checks for violations. Waits are on selectors only.

const PAYLOAD = '<img src=x onerror=window.__pwned=1>';

const pwned = (page: Page) => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);

describe('hostile text and the Content-Security-Policy', () => {
  // Embassy counts are taken anew every few seconds here (10 minutes by default: protection rule 10).
  const suite = browserSuite({ staticDir: 'dist/client', consularRefreshMs: 3_000 });
  const open = suite.open;

  it('keeps markup typed into every text field of the report inert for every role that opens the group', async () => {
    const field = await open('field', PHONE);
    const f = field.page;
    await submitSignIn(f, suite.server.url, suite.server.accounts.field);
    await f.getByTestId('connection').and(f.locator('[data-state="connected"]')).waitFor();
    await f.getByRole('region', { name: en['map.label'], exact: true }).locator('canvas').first().click();
    await f.getByLabel(en['form.placeName'], { exact: true }).fill(PAYLOAD);
    await f.getByLabel(en['form.headcount.total']).fill('9');
    await f.locator('details > summary').getByText(en['form.nationalities'], { exact: true }).click();
    await f.getByRole('button', { name: en['form.nationalities.add'], exact: true }).click();
    await f.getByLabel(en['form.nationalities.country'], { exact: true }).selectOption('NGA');
    await f.getByTestId('nationality-row').getByLabel(en['form.nationalities.count']).fill('9');
    await f.locator('details > summary').getByText(en['form.more'], { exact: true }).click();
    await f.getByRole('radio', { name: en['consent.yes'], exact: true }).check();
    await f.getByLabel(en['form.notes'], { exact: true }).fill(PAYLOAD);
    // Every text field of the form got the payload (a new text field would fail this count).
    const textFields = f.locator('form input[type="text"], form input:not([type]), form textarea');
    const values = await textFields.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(values.length).toBeGreaterThan(0);
    expect(values.every((v) => v === PAYLOAD)).toBe(true);
    await f.getByRole('button', { name: en['form.submit'], exact: true }).click();
    await f.getByTestId('submit-status').getByText(en['form.sent'], { exact: true }).waitFor();
    expect(await pwned(f)).toBeUndefined();

    // The author sees it among its recent reports.
    await f.getByTestId('recent-item').filter({ hasText: PAYLOAD }).waitFor();
    for (const role of ['coordinator', 'responder', 'embassy'] as const) {
      const guarded = await open(role);
      const p = guarded.page;
      await submitSignIn(p, suite.server.url, suite.server.accounts[role]);
      await showGroupList(p);
      const row = p.getByTestId('group-row').first();
      await row.waitFor();
      await row.click();
      const details = p.getByTestId('group-details');
      await details.waitFor();
      if (role !== 'responder') await details.getByTestId('details-notes').getByText(PAYLOAD, { exact: true }).waitFor();
      expect(await p.locator('img[src="x"]').count()).toBe(0);
      expect(await pwned(p)).toBeUndefined();
    }
    suite.assertClean();
  });

  it('shows an embassy its other nationals only as area counts, small ones as "<5", with no violation', async () => {
    const coordinator = await connectUser(suite.server.url, suite.server.accounts.coordinator);
    try {
      const hidden = makeGroupInput({ headcount: { total: 3 }, nationalities: [{ code: 'NGA', count: 3 }], consentConsulate: 'no', needs: [] });
      expectOk(await sendCommand(coordinator, reportCommand(hidden)));
    } finally {
      coordinator.close();
    }
    const embassy = await open('embassy-aggregates');
    await submitSignIn(embassy.page, suite.server.url, suite.server.accounts.embassy);
    // The counts per area are on the consular panel's Areas tab.
    await embassy.page.getByRole('tab', { name: en['consular.tab.areas'], exact: true }).click();

    await embassy.page.getByTestId('aggregate-people').getByText(SUPPRESSED, { exact: true }).first().waitFor();
    embassy.assertClean();
  });

  it('lets an admin disable a user and keeps hostile names inert on the admin screen', async () => {
    const admin = await open('admin');
    const a = admin.page;
    await submitSignIn(a, suite.server.url, suite.server.accounts.admin);
    await a.getByRole('heading', { name: en['admin.users'], exact: true }).waitFor();

    const agencyForm = a.getByRole('region', { name: en['admin.createAgency'], exact: true });
    await agencyForm.getByLabel(en['admin.agency.name'], { exact: true }).fill(PAYLOAD);
    await agencyForm.getByLabel(en['admin.agency.acronym'], { exact: true }).fill('XSS');
    await agencyForm.getByRole('button', { name: en['admin.createAgency.submit'], exact: true }).click();
    await a.getByRole('status').getByText('XSS', { exact: false }).waitFor();
    const userForm = a.getByRole('region', { name: en['admin.createUser'], exact: true });
    await userForm.getByLabel(en['admin.username'], { exact: true }).fill('hostile.name');
    await userForm.getByLabel(en['admin.displayName'], { exact: true }).fill(PAYLOAD);
    await userForm.getByLabel(en['admin.crisis'], { exact: true }).selectOption({ label: 'Fixture crisis' });
    await userForm.getByLabel(en['admin.password'], { exact: true }).fill('a long passphrase');
    await userForm.getByRole('button', { name: en['admin.createUser.submit'], exact: true }).click();
    const row = a.getByRole('row').filter({ hasText: 'hostile.name' });
    await row.getByText(PAYLOAD, { exact: true }).waitFor();

    await row.getByRole('button', { name: en['admin.action.disable'], exact: true }).click();
    await row.getByText(en['admin.user.disabled'], { exact: true }).waitFor();

    expect(await a.locator('img[src="x"]').count()).toBe(0);
    expect(await pwned(a)).toBeUndefined();
    admin.assertClean();
  });
});
