import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { API_V1_ROUTES } from '../../shared/schemas/api-v1.schema';
import { ARTIFACTS, browserSuite, signIn, submitSignIn } from './suite';

// A coordinator imports a Kobo export: Waymark guesses the columns, the coordinator maps the one it
// could not guess, sees every invalid row with why, imports the rest and watches them land on the
// map. An admin issues an API token for an agency, copies it, and revokes it.

const FIXTURE = path.resolve('test/fixtures/kobo-sample.csv');
const mapOf = (page: Page) => page.getByRole('region', { name: en['map.label'], exact: true });
const mapShows = (page: Page, count: number) =>
  mapOf(page)
    .and(page.locator(`[data-ready="true"][data-feature-count="${count}"]`))
    .waitFor({ timeout: 45_000 });

describe('import and API tokens, in the browser', () => {
  const suite = browserSuite({ staticDir: 'dist/client' });

  it('imports a Kobo CSV after one mapping is adjusted, lists the invalid rows, and shows the groups on the map', async () => {
    const { page: c } = await suite.open('coordinator');
    await signIn(c, suite.server.url, suite.server.accounts.coordinator);
    await mapShows(c, 0);
    await c.getByRole('tab', { name: en['coord.tab.data'], exact: true }).click();
    await c.getByLabel(en['import.file'], { exact: true }).setInputFiles(FIXTURE);

    // The guess took the columns it knows; the village column it could not guess is mapped by hand.
    const latitude = c.getByLabel(en['import.field.lat'], { exact: true });
    await latitude.waitFor();
    expect(await latitude.locator('option:checked').textContent()).toBe('_gps_latitude (#geo+lat)');
    const place = c.getByLabel(en['import.field.placeName'], { exact: true });
    expect(await place.inputValue()).toBe('');
    await place.selectOption({ label: 'group/village' });
    // What was detected is shown, and can be changed.
    const encoding = c.getByLabel(en['import.read.encoding'], { exact: true });
    expect(await encoding.locator('option:checked').textContent()).toBe('UTF-8 (detected)');
    const delimiter = c.getByLabel(en['import.read.delimiter'], { exact: true });
    expect(await delimiter.locator('option:checked').textContent()).toBe('Comma ( , ) (detected)');

    await c.getByRole('button', { name: en['import.check'], exact: true }).click();
    await c.getByText('16 rows: 10 can be imported, 6 cannot.', { exact: true }).waitFor();
    const invalid = c.getByRole('region', { name: en['import.invalid.title'], exact: true }).locator('li[data-row]');
    expect(await invalid.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-row'))))).toEqual([6, 9, 12, 14, 17, 18]);
    // Each reason names the field and its column, never the cell's content.
    expect(await invalid.nth(2).textContent()).toContain('Needs (column “needs”): item 2 is not a known value');
    expect(await invalid.nth(2).textContent()).not.toContain('blankets');
    expect(await invalid.nth(0).textContent()).toContain('Latitude (column “_gps_latitude”): empty');

    await c.getByRole('button', { name: 'Import 10 valid rows', exact: true }).click();
    await c.getByText('Done: 10 imported, 0 already there, 6 refused.', { exact: true }).waitFor({ timeout: 30_000 });
    // Published like any report: the map has them without a reload.
    await mapShows(c, 10);
    expect(await c.getByTestId('group-count').textContent()).toMatch(/\b10\b/);
    await c.screenshot({ path: path.join(ARTIFACTS, 'import.png') });
    suite.assertClean();
  });

  it('asks day/month or month/day before importing a file with 03/04/2026 dates, and imports once answered', async () => {
    const { page: c } = await suite.open('coordinator');
    await signIn(c, suite.server.url, suite.server.accounts.coordinator);
    await c.getByRole('tab', { name: en['coord.tab.data'], exact: true }).click();
    await c.getByLabel(en['import.file'], { exact: true }).setInputFiles(path.resolve('test/fixtures/import/dd-mm.csv'));
    await c.getByLabel(en['import.field.seenAt'], { exact: true }).waitFor();
    await c.getByRole('button', { name: en['import.check'], exact: true }).click();
    await c.getByText(en['import.dates.needed'], { exact: true }).waitFor();
    // Nothing imports until the person answers.
    expect(await c.getByRole('button', { name: /^Import \d+ valid row/ }).count()).toBe(0);
    await c.getByLabel(en['import.dates.dmy'], { exact: true }).check();
    await c.getByText('2 rows: 2 can be imported, 0 cannot.', { exact: true }).waitFor();
    await c.getByRole('button', { name: 'Import 2 valid rows', exact: true }).click();
    await c.getByText('Done: 2 imported, 0 already there, 0 refused.', { exact: true }).waitFor({ timeout: 30_000 });
    suite.assertClean();
  });

  it('lets an admin issue a token for an agency, copy it once, and revoke it', async () => {
    const { page: a, context } = await suite.open('admin');
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await submitSignIn(a, suite.server.url, suite.server.accounts.admin);
    const section = a.getByRole('region', { name: en['tokens.title'], exact: true });
    await section.waitFor({ timeout: 45_000 });
    await section.getByLabel(en['tokens.name'], { exact: true }).fill('IOM data warehouse');
    await section.getByLabel(en['tokens.agency'], { exact: true }).selectOption({ label: 'IOM' });
    await section.getByLabel(en['tokens.crisis'], { exact: true }).selectOption({ label: 'Fixture crisis' });
    await section.getByRole('button', { name: en['tokens.issue'], exact: true }).click();

    const value = section.getByLabel(en['tokens.value'], { exact: true });
    await value.waitFor();
    const token = await value.inputValue();
    expect(token).toMatch(/^wmk_[\w-]{40,}$/);
    await section.getByRole('button', { name: en['tokens.copy'], exact: true }).click();
    await section.getByText(en['tokens.copied'], { exact: true }).waitFor();
    expect(await a.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await section.screenshot({ path: path.join(ARTIFACTS, 'api-tokens.png') });

    const api = (t: string) => fetch(`${suite.server.url}${API_V1_ROUTES.groups}`, { headers: { authorization: `Bearer ${t}` } });
    expect((await api(token)).status).toBe(200);

    const row = section.locator('tr', { hasText: 'IOM data warehouse' });
    await row.getByRole('button', { name: 'Revoke the token used by IOM data warehouse', exact: true }).click();
    await row.getByText(en['tokens.revoked'], { exact: true }).waitFor();
    expect((await api(token)).status).toBe(401);
    // Shown once: a reload lists the token without it.
    await a.reload();
    await section.locator('tr', { hasText: 'IOM data warehouse' }).waitFor();
    expect(await a.content()).not.toContain(token);
    suite.assertClean();
  });
});
