import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import ar from '../../client/lib/i18n/ar';
import en from '../../client/lib/i18n/en';
import fr from '../../client/lib/i18n/fr';
import type { Role } from '../../shared/schemas/user.schema';
import { SITREP_PATH } from '../../shared/exports/export.schema';
import type { Credentials } from '../support/server';
import { ARTIFACTS, LAPTOP, PHONE, browserSuite } from './suite';

// The whole app in Arabic (right to left) and French, chosen through the picker a person uses:
// every role's main screen is checked for English left behind, clipped text and interactive
// elements on top of each other, and photographed for a person to look at (test/artifacts/ar-*.png).

type Catalogue = Readonly<Record<string, string>>;
const english = en as Catalogue;

/** What each screen looks like from the outside: a layout problem found on the page. */
interface LayoutReport {
  dir: string;
  lang: string;
  english: string[];
  clipped: string[];
  overlapping: string[];
  /** The page, or a box that does not scroll by design, shifted sideways (part of the screen pushed out of view). */
  sideways: string[];
  latinDigitsOnly: boolean;
}

/**
 * English messages that must not be seen in `target`: each English message the target language
 * translates differently, as an exact-match pattern with its placeholders as wildcards. Messages
 * that are the same in both (Waymark, 3W, km) are not English left behind.
 */
function englishPatterns(target: Catalogue): string[] {
  const patterns: string[] = [];
  for (const [key, text] of Object.entries(english)) {
    const plural = /^(.*)_(one|other)$/.exec(key);
    const translated = plural ? Object.entries(target).some(([k, v]) => k.startsWith(`${plural[1]}_`) && v === text) : target[key] === text;
    if (translated) continue;
    const fixed = text.replace(/\{\w+\}/g, '');
    // Too short to tell apart from data (a place called "Open", the letter "m" of metres); with a
    // placeholder, a word or two more ("{count} area" would match a place named "… port area").
    const letters = (fixed.match(/[A-Za-z]/g) ?? []).length;
    if (letters < (fixed === text ? 4 : 6)) continue;
    const source = text
      .split(/\{\w+\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.+');
    patterns.push(`^${source}$`);
  }
  return patterns;
}

/** Inspects the page as a person sees it (see LayoutReport). Runs in the browser. */
function inspect(patternSources: string[]): LayoutReport {
  const patterns = patternSources.map((s) => new RegExp(s, 's'));
  const isShown = (el: Element): boolean => {
    if (el.closest('.visually-hidden, [aria-hidden="true"]')) return false;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    const r = el.getBoundingClientRect();
    // More than 1 px: a box clipped to 1 px is hidden the accessible way (read out, not shown).
    return r.width > 1 && r.height > 1;
  };
  const describe = (el: Element): string => {
    const id = el.id ? `#${el.id}` : '';
    const testId = el.getAttribute('data-testid');
    const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    return `<${el.tagName.toLowerCase()}${id}${cls}${testId ? `[data-testid=${testId}]` : ''}> "${(el.textContent ?? '').trim().slice(0, 60)}"`;
  };

  // English left behind: text nodes, the chosen option of a select, and names a screen reader reads.
  const texts: string[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const text = node.textContent?.trim() ?? '';
    if (text && parent && parent.tagName !== 'OPTION' && parent.tagName !== 'STYLE' && isShown(parent)) texts.push(text);
  }
  for (const select of document.querySelectorAll('select')) if (isShown(select)) for (const option of select.options) texts.push(option.text.trim());
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
    for (const name of ['aria-label', 'title', 'placeholder']) {
      const value = el.getAttribute(name);
      if (value) texts.push(value.trim());
    }
  }
  const leftovers = [...new Set(texts.filter((text) => patterns.some((p) => p.test(text))))];

  // Clipped: a box that hides what overflows it, with more text than room, on screen.
  const clipped: string[] = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!isShown(el) || el.closest('.maplibregl-canvas-container, canvas, svg')) continue;
    const style = getComputedStyle(el);
    const hides = style.overflowX === 'hidden' || style.overflowX === 'clip' || style.textOverflow === 'ellipsis';
    if (!hides || !(el.textContent ?? '').trim()) continue;
    // Data cut short on purpose (a long place name) is fine when its title gives it in full.
    if (style.textOverflow === 'ellipsis' && el.getAttribute('title') === (el.textContent ?? '').trim()) continue;
    if (el.scrollWidth > el.clientWidth + 1) clipped.push(`${describe(el)} needs ${el.scrollWidth}px, has ${el.clientWidth}px`);
  }

  // Overlapping: two interactive elements, each really on top at its own centre, whose boxes cross.
  const interactive = [...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, summary, [role="button"], [role="tab"]')].filter(
    (el) => {
      if (!isShown(el) || (el instanceof HTMLInputElement && el.type === 'hidden')) return false;
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit !== null && (hit === el || el.contains(hit) || hit.contains(el) || (el.id !== '' && hit instanceof HTMLLabelElement && hit.htmlFor === el.id));
    },
  );
  // The part of an element a person can see: its box cut by every ancestor that clips (a row half
  // scrolled out of its list is not under the button below the list).
  const visibleRect = (el: Element): { left: number; right: number; top: number; bottom: number } => {
    const r = el.getBoundingClientRect();
    const box = { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    for (let p = el.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const c = p.getBoundingClientRect();
      box.left = Math.max(box.left, c.left);
      box.right = Math.min(box.right, c.right);
      box.top = Math.max(box.top, c.top);
      box.bottom = Math.min(box.bottom, c.bottom);
    }
    return box;
  };
  const overlapping: string[] = [];
  for (let i = 0; i < interactive.length; i++) {
    for (let j = i + 1; j < interactive.length; j++) {
      const a = interactive[i]!;
      const b = interactive[j]!;
      if (a.contains(b) || b.contains(a)) continue;
      const ra = visibleRect(a);
      const rb = visibleRect(b);
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 2 && h > 2) overlapping.push(`${describe(a)} and ${describe(b)} overlap by ${Math.round(w)}×${Math.round(h)}px`);
    }
  }

  const sideways: string[] = [];
  const page = document.scrollingElement ?? document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1) sideways.push(`the page is ${page.scrollWidth}px wide in a ${page.clientWidth}px window`);
  for (const el of document.querySelectorAll('*')) {
    if (Math.abs(el.scrollLeft) <= 1) continue;
    const overflowX = getComputedStyle(el).overflowX;
    if (overflowX !== 'auto' && overflowX !== 'scroll') sideways.push(`${describe(el)} is scrolled ${Math.round(el.scrollLeft)}px sideways`);
  }

  const body = document.body.innerText;
  return {
    dir: document.documentElement.dir,
    lang: document.documentElement.lang,
    english: leftovers,
    clipped,
    overlapping,
    sideways,
    latinDigitsOnly: !/[\u0660-\u0669\u06F0-\u06F9]/.test(body),
  };
}

describe('languages: the app in Arabic (right to left) and French', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });

  /** Opens the sign-in screen and picks the language through the picker, by keyboard-reachable select. */
  async function choose(page: Page, code: 'ar' | 'fr', shownIn: Catalogue = english): Promise<void> {
    await page.goto(suite.server.url);
    await page.getByLabel(shownIn['language.label']!, { exact: true }).selectOption(code);
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(code);
  }

  /** Signs in through the form labelled in `messages`, then waits for the role's main screen. */
  async function signInAs(page: Page, account: Credentials, role: Role, messages: Catalogue): Promise<void> {
    await page.getByLabel(messages['signin.username']!, { exact: true }).fill(account.username);
    await page.getByLabel(messages['signin.password']!, { exact: true }).fill(account.password);
    await page.getByRole('button', { name: messages['signin.submit']!, exact: true }).click();
    if (role === 'admin') {
      await page.getByRole('heading', { name: messages['admin.title']!, exact: true }).waitFor({ timeout: 45_000 });
      await page.locator('tbody tr').first().waitFor({ timeout: 45_000 });
      return;
    }
    await page.getByTestId('connection').and(page.locator('[data-state="connected"]')).waitFor({ timeout: 45_000 });
    await page.locator('.group-map[data-ready="true"]').first().waitFor({ timeout: 45_000 });
  }

  async function check(page: Page, name: string, code: 'ar' | 'fr', messages: Catalogue): Promise<LayoutReport> {
    const report = await page.evaluate(inspect, englishPatterns(messages));
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
    expect(report.lang).toBe(code);
    expect(report.dir).toBe(code === 'ar' ? 'rtl' : 'ltr');
    expect(report.english, `${name}: English text left on screen`).toEqual([]);
    expect(report.clipped, `${name}: clipped text`).toEqual([]);
    expect(report.overlapping, `${name}: overlapping controls`).toEqual([]);
    expect(report.sideways, `${name}: screen shifted sideways`).toEqual([]);
    expect(report.latinDigitsOnly, `${name}: Arabic-Indic digits (Waymark writes Latin digits)`).toBe(true);
    return report;
  }

  it('shows the sign-in screen in Arabic, right to left, once chosen in the picker, and keeps the choice', async () => {
    const { page } = await suite.open('ar-signin', PHONE);
    await choose(page, 'ar');
    await page.getByRole('heading', { name: ar['signin.title']!, exact: true }).waitFor();
    await check(page, 'ar-signin', 'ar', ar);
    // The choice stays on the device.
    await page.reload();
    await page.getByRole('heading', { name: ar['signin.title']!, exact: true }).waitFor();
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    suite.assertClean();
  });

  const roles: { role: Role; viewport: { width: number; height: number } }[] = [
    { role: 'coordinator', viewport: LAPTOP },
    { role: 'field', viewport: PHONE },
    { role: 'responder', viewport: LAPTOP },
    { role: 'embassy', viewport: LAPTOP },
    { role: 'admin', viewport: LAPTOP },
  ];
  for (const { role, viewport } of roles) {
    it(`lays out the ${role}'s main screen in Arabic, right to left, with nothing left in English`, async () => {
      const { page } = await suite.open(`ar-${role}`, viewport);
      await choose(page, 'ar');
      await signInAs(page, suite.server.accounts[role], role, ar);
      await check(page, `ar-${role}`, 'ar', ar);
      if (role !== 'admin') {
        // Map controls mirror: zoom buttons at the start of the page's reading, the legend opposite.
        const map = page.locator('.group-map').first();
        const box = (await map.boundingBox()) ?? expect.fail('no map box');
        const zoom = (await page.locator('.maplibregl-ctrl-zoom-in').first().boundingBox()) ?? expect.fail('no zoom control');
        expect(zoom.x + zoom.width / 2, 'zoom buttons on the left in Arabic').toBeLessThan(box.x + box.width / 2);
        const legend = page.locator('.legend-slot').first();
        if (await legend.isVisible()) {
          const l = (await legend.boundingBox()) ?? expect.fail('no legend box');
          expect(l.x + l.width / 2, 'legend on the right in Arabic').toBeGreaterThan(box.x + box.width / 2);
        }
      }
      if (role === 'coordinator') {
        // Beyond the first screen: a group's details with its assignments, and the counters with their chart.
        await page.getByTestId('triage-row').first().click();
        await page.getByTestId('group-details').waitFor();
        await check(page, 'ar-coordinator-details', 'ar', ar);
        await page.getByTestId('details-close').click();
        await page.getByRole('tab', { name: ar['coord.tab.counters']!, exact: true }).click();
        await page.getByTestId('counters').waitFor();
        await check(page, 'ar-coordinator-counters', 'ar', ar);
        for (const tab of ['movement.tab', 'coord.tab.data'] as const) {
          await page.getByRole('tab', { name: ar[tab]!, exact: true }).click();
          await page.getByRole('tab', { name: ar[tab]!, exact: true, selected: true }).waitFor();
          await check(page, `ar-coordinator-${tab === 'movement.tab' ? 'movements' : tab.split('.').at(-1)}`, 'ar', ar);
        }
        // The printable situation report, in Arabic too.
        await page.goto(new URL(SITREP_PATH, suite.server.url).href);
        await page.locator('[data-testid="sitrep"][data-ready="true"]').waitFor({ timeout: 45_000 });
        await check(page, 'ar-sitrep', 'ar', ar);
      }
      if (role === 'embassy') {
        for (const tab of ['consular.tab.areas', 'consular.tab.evacuation', 'consular.tab.work'] as const) {
          await page.getByRole('tab', { name: ar[tab]!, exact: true }).click();
          await page.getByRole('tab', { name: ar[tab]!, exact: true, selected: true }).waitFor();
          await check(page, `ar-embassy-${tab.split('.').at(-1)}`, 'ar', ar);
        }
      }
      if (role === 'field') {
        // The whole report form, every section open.
        const closed = page.locator('form details:not([open]) > summary');
        for (let n = await closed.count(); n > 0; n--) await closed.first().click();
        await check(page, 'ar-field-form', 'ar', ar);
        await page.screenshot({ path: path.join(ARTIFACTS, 'ar-field-form-full.png'), fullPage: true });
        // Saving an empty report: the error summary (a counted message) and the errors beside the fields.
        await page.getByRole('button', { name: ar['form.submit']!, exact: true }).click();
        const summary = page.getByTestId('error-summary');
        await summary.waitFor();
        expect(await summary.textContent()).toContain(ar['form.summary.title']);
        await check(page, 'ar-field-errors', 'ar', ar);
      }
      suite.assertClean();
    });
  }

  it('switches a signed-in coordinator between languages from the header, the map following', async () => {
    const { page } = await suite.open('header-switch', LAPTOP);
    await page.goto(suite.server.url);
    await signInAs(page, suite.server.accounts.coordinator, 'coordinator', english);
    await page.getByLabel(english['language.label']!, { exact: true }).selectOption('ar');
    await page.getByRole('button', { name: ar['header.signOut']!, exact: true }).waitFor();
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.locator('.maplibregl-ctrl-top-left .maplibregl-ctrl-zoom-in').waitFor();
    await page.getByLabel(ar['language.label']!, { exact: true }).selectOption('en');
    await page.locator('.maplibregl-ctrl-top-right .maplibregl-ctrl-zoom-in').waitFor();
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('ltr');
    suite.assertClean();
  });

  it('starts in French when the browser asks for French, and shows sign-in and coordination in French', async () => {
    const { page } = await suite.open('fr-signin', LAPTOP, { locale: 'fr-FR' });
    await page.goto(suite.server.url);
    await page.getByRole('heading', { name: fr['signin.title']!, exact: true }).waitFor();
    await check(page, 'fr-signin', 'fr', fr);
    await signInAs(page, suite.server.accounts.coordinator, 'coordinator', fr);
    await check(page, 'fr-coordinator', 'fr', fr);
    suite.assertClean();
  });

  it('chooses French through the picker for the field team on a phone', async () => {
    const { page } = await suite.open('fr-field', PHONE);
    await choose(page, 'fr');
    await signInAs(page, suite.server.accounts.field, 'field', fr);
    await check(page, 'fr-field', 'fr', fr);
    suite.assertClean();
  });
});
