import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import ar from '../../client/lib/i18n/ar';
import en from '../../client/lib/i18n/en';
import fr from '../../client/lib/i18n/fr';
import { AUDIT_PATH } from '../../client/lib/routes';
import { SITREP_PATH } from '../../shared/exports/export.schema';
import type { Role } from '../../shared/schemas/user.schema';
import { ARTIFACTS, browserSuite } from './suite';
import { SIZES, axeViolations, findOverflow } from './layout-probe';

// Every screen of every role, at the four window sizes people use (1280×720 and 1366×768 laptops,
// a 1920×1080 desktop, a 360×740 phone) and in the three languages: no box spills out of the
// window or out of its panel, nothing is cut off, axe-core finds nothing serious, and each is
// photographed (test/artifacts/layout-*.png) for a person to look at.

type Catalogue = Readonly<Record<string, string>>;
const LANGUAGES: { code: 'en' | 'fr' | 'ar'; messages: Catalogue }[] = [
  { code: 'en', messages: en },
  { code: 'fr', messages: fr },
  { code: 'ar', messages: ar },
];

describe('layout: every screen fits every window in every language', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });

  async function signInIn(page: Page, code: string, messages: Catalogue, role: Role): Promise<void> {
    await page.addInitScript((locale) => localStorage.setItem('waymark.locale', locale), code);
    await page.goto(suite.server.url);
    const account = suite.server.accounts[role];
    await page.getByLabel(messages['signin.username']!, { exact: true }).fill(account.username);
    await page.getByLabel(messages['signin.password']!, { exact: true }).fill(account.password);
    await page.getByRole('button', { name: messages['signin.submit']!, exact: true }).click();
    if (role === 'admin') {
      await page.locator('tbody tr').first().waitFor({ timeout: 45_000 });
      return;
    }
    await page.getByTestId('connection').and(page.locator('[data-state="connected"]')).waitFor({ timeout: 45_000 });
    await page.locator('.group-map[data-ready="true"]').first().waitFor({ timeout: 45_000 });
  }

  /** Lays the screen out at every size: measures its boxes, runs axe once, photographs it. */
  async function checkScreen(page: Page, name: string, failures: string[]): Promise<void> {
    for (const size of SIZES) {
      await page.setViewportSize(size);
      // Two frames: the resize, then whatever the layout does in answer (the map resizes on an observer).
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      const label = `${name}-${size.width}x${size.height}`;
      await page.screenshot({ path: path.join(ARTIFACTS, `layout-${label}.png`) });
      const found = (await page.evaluate(findOverflow)).map((problem) => `${label}: ${problem}`);
      if (size.width === 1366 || size.width === 360) {
        for (const v of await axeViolations(page)) found.push(`${label}: axe ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(' ')}`);
      }
      // Beside the screenshot, what the boxes said: a person reads both.
      await fs.writeFile(path.join(ARTIFACTS, `layout-${label}.txt`), found.join('\n'));
      failures.push(...found);
    }
  }

  /**
   * A field team's phone: the header leaves the screen to the map and the form (it took 225 of
   * 740 px), and the legend, opened, covers at most a third of the map and lets taps through to it.
   */
  async function checkPhoneMap(page: Page, name: string, messages: Catalogue, failures: string[]): Promise<void> {
    const header = (await page.locator('.app-header').boundingBox()) ?? expect.fail('no header');
    if (header.height > 100) failures.push(`${name}: the header takes ${Math.round(header.height)} of 740 px`);
    await page.getByRole('button', { name: messages['map.legend.show']!, exact: true }).click();
    await page.getByRole('button', { name: messages['map.legend.hide']!, exact: true }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, `layout-${name}-legend-open.png`) });
    const cover = await page.evaluate(() => {
      const map = document.querySelector('.group-map')!.getBoundingClientRect();
      const legend = document.querySelector('.legend')!.getBoundingClientRect();
      // Where a field team taps to place a report: the middle of the map.
      const hit = document.elementFromPoint(map.left + map.width / 2, map.top + map.height / 2);
      return {
        share: (legend.width * legend.height) / (map.width * map.height),
        reachesMap: hit !== null && hit.closest('.legend') === null && hit.closest('.group-map') !== null,
      };
    });
    if (cover.share > 1 / 3) failures.push(`${name}: the open legend covers ${Math.round(cover.share * 100)}% of the map`);
    if (!cover.reachesMap) failures.push(`${name}: a tap in the middle of the map does not reach it with the legend open`);
    await page.getByRole('button', { name: messages['map.legend.hide']!, exact: true }).click();
  }

  for (const { code, messages } of LANGUAGES) {
    it(`fits the coordinator's screens in ${code}: workspace, a group's details, 3W, the audit log and the situation report`, async () => {
      const { page } = await suite.open(`layout-${code}-coordinator`);
      const failures: string[] = [];
      await signInIn(page, code, messages, 'coordinator');
      await checkScreen(page, `${code}-coordinator`, failures);
      await page.setViewportSize(SIZES[1]);
      await page.getByTestId('triage-row').first().click();
      await page.getByTestId('group-details').waitFor();
      await checkScreen(page, `${code}-coordinator-details`, failures);
      await page.setViewportSize(SIZES[1]);
      await page.getByTestId('details-close').click();
      for (const tab of ['counters', 'threeW'] as const) {
        await page.getByRole('tab', { name: messages[`coord.tab.${tab}`]!, exact: true }).click();
        await page.getByRole('tab', { name: messages[`coord.tab.${tab}`]!, exact: true, selected: true }).waitFor();
        await checkScreen(page, `${code}-coordinator-${tab}`, failures);
        await page.setViewportSize(SIZES[1]);
      }
      // Sites (issue 20): the alert list and the list, then a site's details.
      await page.getByRole('tab', { name: messages['sites.tab']!, exact: true }).click();
      await page.getByTestId('site-list').waitFor();
      await checkScreen(page, `${code}-coordinator-sites`, failures);
      await page.setViewportSize(SIZES[1]);
      await page.getByTestId('site-list').getByRole('button').first().click();
      await page.getByTestId('site-details').waitFor();
      await checkScreen(page, `${code}-coordinator-site-details`, failures);
      await page.setViewportSize(SIZES[1]);
      await page.goto(new URL(AUDIT_PATH, suite.server.url).href);
      await page.getByTestId('audit-row').first().waitFor({ timeout: 45_000 });
      await checkScreen(page, `${code}-audit`, failures);
      await page.goto(new URL(SITREP_PATH, suite.server.url).href);
      await page.locator('[data-testid="sitrep"][data-ready="true"]').waitFor({ timeout: 45_000 });
      await checkScreen(page, `${code}-sitrep`, failures);
      expect(failures).toEqual([]);
      suite.assertClean();
    }, 600_000);

    it(`fits the responder's, the embassy's, the field team's and the admin's screens in ${code}`, async () => {
      const failures: string[] = [];
      for (const role of ['responder', 'embassy', 'field', 'admin'] as const) {
        // The field team starts on its phone (the map decides at its first size whether the legend starts open).
        const { page } = await suite.open(`layout-${code}-${role}`, role === 'field' ? SIZES[3] : SIZES[1]);
        await signInIn(page, code, messages, role);
        if (role === 'field') await checkPhoneMap(page, `${code}-field`, messages, failures);
        await checkScreen(page, `${code}-${role}`, failures);
        if (role === 'embassy') {
          for (const tab of ['consular.tab.areas', 'consular.tab.evacuation', 'consular.tab.work'] as const) {
            await page.setViewportSize(SIZES[1]);
            await page.getByRole('tab', { name: messages[tab]!, exact: true }).click();
            await page.getByRole('tab', { name: messages[tab]!, exact: true, selected: true }).waitFor();
            await checkScreen(page, `${code}-embassy-${tab.split('.').at(-1)}`, failures);
          }
        }
        await page.context().close();
      }
      expect(failures).toEqual([]);
      suite.assertClean();
    }, 600_000);
  }
});
