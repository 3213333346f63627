import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import en from '../../client/lib/i18n/en';
import { browserSuite } from './suite';

// The app without a mouse: a coordinator signs in, goes from the triage queue to a group's details
// and assigns a need, comes back to where she was, and opens a group from the list of what the map
// shows; a field team saves a report and sees the focus ring on "Seen at". Only keys are pressed,
// and the number of presses to reach each control is bounded, so a long detour fails the test.

interface Focused {
  tag: string;
  id: string;
  testId: string | null;
  text: string;
  label: string;
  classes: string;
  /** The focus ring as drawn: outline style and width, or a box shadow. */
  ring: { outline: string; width: number; shadow: string };
}

/** What has the keyboard's focus, and how its focus ring is drawn. Runs in the browser. */
function focusedNow(): Focused {
  const el = (document.activeElement ?? document.body) as HTMLElement;
  const style = getComputedStyle(el);
  const labels = (el as HTMLInputElement).labels;
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    testId: el.getAttribute('data-testid'),
    text: (el.textContent ?? '').trim().replace(/\s+/g, ' '),
    label: labels && labels.length > 0 ? (labels[0]!.textContent ?? '').trim() : (el.getAttribute('aria-label') ?? ''),
    classes: typeof el.className === 'string' ? el.className : '',
    ring: { outline: style.outlineStyle, width: parseFloat(style.outlineWidth), shadow: style.boxShadow },
  };
}

const focused = (page: Page) => page.evaluate(focusedNow);

/** Presses `key` until `wanted` holds for the focused element; returns how many presses it took. */
async function pressUntil(page: Page, wanted: (f: Focused) => boolean, max: number, key = 'Tab'): Promise<number> {
  for (let presses = 1; presses <= max; presses++) {
    await page.keyboard.press(key);
    if (wanted(await focused(page))) return presses;
  }
  const last = await focused(page);
  throw new Error(`not reached in ${max} presses of ${key}; the focus is on <${last.tag}#${last.id}> "${last.text.slice(0, 60)}"`);
}

/** A focus ring a person can see: an outline of 2 px or more, or a box shadow. */
function ringShown(f: Focused): boolean {
  return (f.ring.outline !== 'none' && f.ring.width >= 2) || f.ring.shadow !== 'none';
}

describe('keyboard: every step without a mouse', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });

  it('signs a coordinator in, assigns a need from the triage queue and opens a group from the list of what the map shows', async () => {
    const { page } = await suite.open('keyboard-coordinator', { width: 1366, height: 768 });
    const account = suite.server.accounts.coordinator;
    await page.goto(suite.server.url);
    await pressUntil(page, (f) => f.label === en['signin.username'], 10);
    await page.keyboard.type(account.username);
    await pressUntil(page, (f) => f.label === en['signin.password'], 3);
    await page.keyboard.type(account.password);
    await page.keyboard.press('Enter');
    await page.getByTestId('connection').and(page.locator('[data-state="connected"]')).waitFor({ timeout: 45_000 });

    // Signed in, the focus is on the screen that replaced the form, not lost on the page.
    expect((await focused(page)).id, 'focus after sign-in').toBe('main');
    await page.getByTestId('triage-row').first().waitFor({ timeout: 45_000 });

    // A skip link to the queue, a few presses away; it shows when focused.
    const toQueue = en['skip.panel'].replace('{panel}', en['coord.tab.triage']);
    await pressUntil(page, (f) => f.text === toQueue, 8);
    expect(ringShown(await focused(page)), 'skip link focus ring').toBe(true);
    await page.keyboard.press('Enter');
    expect((await focused(page)).id).toBe('side-tab-triage');

    // The first row of the queue, then its details: the keyboard goes with them.
    await pressUntil(page, (f) => f.testId === 'triage-row', 5);
    const row = await focused(page);
    expect(ringShown(row), 'triage row focus ring').toBe(true);
    await page.keyboard.press('Enter');
    await page.getByTestId('group-details').waitFor();
    expect((await focused(page)).id, 'focus on the opened details').toBe('details-title');

    // From the details' title to assigning a need: the actions come first (it took 200 presses).
    const toAssign = await pressUntil(page, (f) => f.testId === 'assign-open', 25);
    expect(ringShown(await focused(page)), 'assign button focus ring').toBe(true);
    await page.keyboard.press('Enter');
    await pressUntil(page, (f) => f.testId === 'assign-agency', 5);
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => (document.activeElement as HTMLSelectElement).value)).not.toBe('');
    // The note, then the date and time (each part of it a stop of its own), then the button.
    await pressUntil(page, (f) => f.testId === 'assign-submit', 12);
    await page.keyboard.press('Enter');
    await page.getByTestId('group-details').locator('[data-testid="assignment"][data-status="proposed"]').first().waitFor();
    // The form is gone with its button: the keyboard stays on the need it assigned, not the page.
    await expect.poll(async () => (await focused(page)).testId, { timeout: 5_000 }).toBe('need-row');

    // Escape closes the details and puts the keyboard back on the row that opened them.
    await page.keyboard.press('Escape');
    await page.getByTestId('group-details').waitFor({ state: 'detached' });
    expect((await focused(page)).testId, 'focus back on the row').toBe('triage-row');

    // The map's groups from the keyboard: the skip link to the list of what the map shows.
    await pressUntil(page, (f) => f.text === en['skip.list'], 10, 'Shift+Tab');
    await page.keyboard.press('Enter');
    expect((await focused(page)).id).toBe('side-tab-list');
    await pressUntil(page, (f) => f.testId === 'group-row', 4);
    const groupId = await page.evaluate(() => document.activeElement?.getAttribute('data-group-id'));
    expect(ringShown(await focused(page)), 'list row focus ring').toBe(true);
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="group-details"][data-group-id="${groupId}"]`).waitFor();
    expect((await focused(page)).id).toBe('details-title');
    await page.keyboard.press('Escape');
    expect((await focused(page)).testId).toBe('group-row');

    // And the skip link to the map puts the keyboard on the map itself (arrow keys pan it).
    await pressUntil(page, (f) => f.text === en['skip.map'], 12, 'Shift+Tab');
    await page.keyboard.press('Enter');
    expect((await focused(page)).classes).toContain('maplibregl-canvas');

    expect(toAssign, 'Tab presses from the details to assigning a need').toBeLessThanOrEqual(25);
    suite.assertClean();
  });

  it('shows a focus ring on "Seen at" and keeps the focus on the outcome after a field team saves a report', async () => {
    const { page } = await suite.open(
      'keyboard-field',
      { width: 360, height: 740 },
      {
        geolocation: { latitude: 32.8872, longitude: 13.1913, accuracy: 25 },
        permissions: ['geolocation'],
      },
    );
    const account = suite.server.accounts.field;
    await page.goto(suite.server.url);
    await pressUntil(page, (f) => f.label === en['signin.username'], 10);
    await page.keyboard.type(account.username);
    await pressUntil(page, (f) => f.label === en['signin.password'], 3);
    await page.keyboard.type(account.password);
    await page.keyboard.press('Enter');
    await page.getByTestId('connection').and(page.locator('[data-state="connected"]')).waitFor({ timeout: 45_000 });
    expect((await focused(page)).id, 'focus after sign-in').toBe('main');

    await pressUntil(page, (f) => f.text === en['form.location.useMine'], 30);
    await page.keyboard.press('Enter');
    await page.getByTestId('picked-location').waitFor();
    await pressUntil(page, (f) => f.label.startsWith(en['form.headcount.total']), 30);
    await page.keyboard.type('12');
    const seenAt = await pressUntil(page, (f) => f.label === en['form.seenAt'], 60);
    expect(seenAt).toBeGreaterThan(0);
    expect(ringShown(await focused(page)), '"Seen at" focus ring').toBe(true);
    await pressUntil(page, (f) => f.text === en['form.submit'], 60);
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="submit-status"] [data-state="sent"]').waitFor({ timeout: 45_000 });
    expect((await focused(page)).testId, 'focus after saving a report').toBe('submit-status');
    suite.assertClean();
  });
});
